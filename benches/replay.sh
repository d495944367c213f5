#!/usr/bin/env bash
# Replays real commits as staged changes and reports what pre-commit recognises: for
# each non-merge commit, HEAD is set to its parent and the index to its tree (no working
# tree is needed: pre-commit reads the index against HEAD), then
#   scopecheck pre-commit --default-policy --format json
# runs. Commits are sorted into three kinds by their paths, independently of scopecheck:
#   migration    adds or changes a file under a directory named migrations, migration,
#                migrate, changelog, versions (Alembic) or drizzle, or a Sqitch
#                deploy/revert script (documentation and images excluded)
#   dependency   changes a manifest or lockfile (by file name), or a GitHub Actions
#                workflow (a new action is a new dependency)
#   neither      everything else
# and counted as hits (a migration/* resp. dependency/* finding), misses, and false
# alarms (a migration/* or dependency/new-package finding on a `neither` commit).
# Misses and false alarms are listed for inspection. The kinds are a path heuristic, so a
# `dependency` commit that only edits a manifest's scripts or metadata is listed as a
# miss although there is no package to report: read the list.
#
# usage: benches/replay.sh REPO [RANGE] [MAX]
#   REPO   a clone of the repository (never modified: the replay uses a shared clone)
#          e.g. git clone https://github.com/documenso/documenso /tmp/documenso
#   RANGE  commits to replay (default HEAD~500..HEAD)
#   MAX    at most this many commits (default 500)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
repo=$(cd "${1:?usage: benches/replay.sh REPO [RANGE] [MAX]}" && pwd)
range=${2:-HEAD~500..HEAD}
max=${3:-500}

cargo build --release --quiet --manifest-path "$root/Cargo.toml"
bin="$root/target/release/scopecheck"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git clone -q --shared --no-checkout "$repo" "$work/r"
cd "$work/r"
git config user.email replay@example.invalid
git config user.name replay

manifests='(^|/)(Cargo\.(toml|lock)|package(-lock)?\.json|npm-shrinkwrap\.json|yarn\.lock|pnpm-lock\.yaml|pyproject\.toml|poetry\.lock|uv\.lock|Pipfile(\.lock)?|requirements[^/]*\.txt|go\.(mod|sum)|Gemfile(\.lock)?|pom\.xml|build\.gradle(\.kts)?|libs\.versions\.toml|composer\.(json|lock)|packages\.lock\.json|[^/]*\.(cs|fs|vb)proj|mix\.(exs|lock)|pubspec\.(yaml|lock)|Package\.resolved|Chart\.yaml|\.terraform\.lock\.hcl|Dockerfile[^/]*|\.pre-commit-config\.yaml)$|(^|/)\.github/workflows/[^/]*\.ya?ml$'
migrations='(^|/)(migrations?|migrate|changelog|versions|drizzle)/.*\.(sql|py|rb|js|ts|mjs|cjs|go|php|exs|cs|java|kt|xml|ya?ml)$|(^|/)(deploy|revert)/[^/]*\.sql$'

declare -A hit miss total
falsealarm=0
: >"$work/misses"
n=0
for c in $(git rev-list --no-merges --max-count="$max" "$range"); do
  parent=$(git rev-parse -q --verify "$c^" 2>/dev/null) || continue
  paths=$(git diff-tree --no-commit-id -r --name-only "$parent" "$c")
  kind=neither
  if grep -Eq "$migrations" <<<"$paths" && ! grep -Eq '(^|/)(docs?|website)/' <<<"$(grep -E "$migrations" <<<"$paths")"; then
    kind=migration
  elif grep -Eq "$manifests" <<<"$paths"; then
    kind=dependency
  fi
  git update-ref --no-deref HEAD "$parent"
  git read-tree "$c"
  rules=$("$bin" pre-commit --default-policy --format json 2>/dev/null |
    grep -o '"rule": *"[^"]*"' | sed 's/.*"\([^"]*\)"$/\1/' | sort -u | tr '\n' ' ' || true)
  total[$kind]=$((${total[$kind]:-0} + 1))
  case $kind in
    migration)
      if grep -q 'migration/' <<<"$rules"; then hit[$kind]=$((${hit[$kind]:-0} + 1)); else
        miss[$kind]=$((${miss[$kind]:-0} + 1)); echo "miss migration $c $(grep -E "$migrations" <<<"$paths" | head -3 | tr '\n' ' ')" >>"$work/misses"; fi ;;
    dependency)
      if grep -q 'dependency/' <<<"$rules"; then hit[$kind]=$((${hit[$kind]:-0} + 1)); else
        miss[$kind]=$((${miss[$kind]:-0} + 1)); echo "miss dependency $c $(grep -E "$manifests" <<<"$paths" | head -3 | tr '\n' ' ')" >>"$work/misses"; fi ;;
    neither)
      if grep -Eq 'migration/|dependency/new-package' <<<"$rules"; then
        falsealarm=$((falsealarm + 1)); echo "false-alarm $c $rules" >>"$work/misses"; fi ;;
  esac
  n=$((n + 1))
done

echo "replayed $n commits of $repo ($range)"
for k in migration dependency; do
  t=${total[$k]:-0}
  printf "%-10s %4d commits, %4d recognised, %4d missed\n" "$k" "$t" "${hit[$k]:-0}" "${miss[$k]:-0}"
done
printf "%-10s %4d commits, %4d false alarms\n" neither "${total[neither]:-0}" "$falsealarm"
echo
cat "$work/misses"
