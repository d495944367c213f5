#!/bin/sh
# Installs a scopecheck release binary, checked against the release's SHA256SUMS.
#
#   sh install.sh DIR [VERSION]        # DIR/bin/scopecheck; VERSION is a tag or "latest"
#
# Where releases come from: SCOPECHECK_RELEASES_URL (a mirror, or file:// for tests), else
# https://github.com/$SCOPECHECK_REPO/releases. Exit status: 0 installed, 3 no release
# binary for this platform or version (build from source instead), 1 anything else,
# including a checksum that does not match (nothing is installed then).
set -eu

dest=${1:?usage: install.sh DIR [VERSION]}
version=${2:-latest}

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) target=x86_64-unknown-linux-musl ;;
  Linux-aarch64 | Linux-arm64) target=aarch64-unknown-linux-musl ;;
  Darwin-x86_64) target=x86_64-apple-darwin ;;
  Darwin-arm64) target=aarch64-apple-darwin ;;
  MINGW*-x86_64 | MSYS*-x86_64 | CYGWIN*-x86_64) target=x86_64-pc-windows-msvc ;;
  MINGW*-aarch64 | MSYS*-aarch64 | MINGW*-arm64) target=aarch64-pc-windows-msvc ;;
  *)
    echo "scopecheck: no release binary for $(uname -s) $(uname -m)" >&2
    exit 3
    ;;
esac

if [ -n "${SCOPECHECK_RELEASES_URL:-}" ]; then
  releases=$SCOPECHECK_RELEASES_URL
elif [ -n "${SCOPECHECK_REPO:-}" ]; then
  releases="https://github.com/$SCOPECHECK_REPO/releases"
else
  echo "scopecheck: set SCOPECHECK_REPO (owner/name) or SCOPECHECK_RELEASES_URL" >&2
  exit 1
fi
if [ "$version" = latest ]; then
  url="$releases/latest/download"
else
  url="$releases/download/$version"
fi

asset="scopecheck-$target.tar.gz"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if ! curl -fsSL --retry 2 -o "$tmp/$asset" "$url/$asset"; then
  echo "scopecheck: no $asset at $url" >&2
  exit 3
fi
curl -fsSL --retry 2 -o "$tmp/SHA256SUMS" "$url/SHA256SUMS"

# Only the line for this asset is checked: a release lists every platform.
want=$(awk -v a="$asset" '$2 == a || $2 == "*" a { print $1 }' "$tmp/SHA256SUMS")
if command -v sha256sum >/dev/null 2>&1; then
  got=$(sha256sum "$tmp/$asset" | awk '{ print $1 }')
else
  got=$(shasum -a 256 "$tmp/$asset" | awk '{ print $1 }')
fi
if [ -z "$want" ] || [ "$want" != "$got" ]; then
  echo "scopecheck: $asset does not match the release's SHA256SUMS; nothing installed" >&2
  exit 1
fi

mkdir -p "$tmp/unpacked" "$dest/bin"
tar -xzf "$tmp/$asset" -C "$tmp/unpacked"
for exe in scopecheck scopecheck.exe; do
  if [ -f "$tmp/unpacked/$exe" ]; then
    cp "$tmp/unpacked/$exe" "$dest/bin/$exe"
    chmod 755 "$dest/bin/$exe"
    echo "installed $dest/bin/$exe ($version, $target)"
    exit 0
  fi
done
echo "scopecheck: $asset holds no scopecheck executable" >&2
exit 1
