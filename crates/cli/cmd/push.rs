//! `scopecheck pre-push` and `scopecheck ci`: judge exactly the commits being pushed or
//! merged. Secrets are checked commit by commit (a secret added and removed later in the
//! range still counts); scope, migration and dependency checks run on the whole range.
//! The policy, baseline and work order come from the base side, so a change cannot
//! weaken the gate that judges it.

use std::collections::HashSet;
use std::io::Read;
use std::path::Path;

use scopecheck_core::checks::policy_files::{AGENT_PUSH, SKIPPED_HOOKS};
use scopecheck_core::{actor, evaluate_with, Action, Actor, ChangeSet, Finding, Origin, Report};
use scopecheck_git::{CommitInfo, ObjectId, ReadOptions, Repo};

use crate::args::{CiArgs, PrePushArgs};
use crate::audit;
use crate::authority::{self, Signers};
use crate::cmd::open_repo;
use crate::cmd::precommit::{trust_text, work_order_json};
use crate::error::CliError;
use crate::policy::{self, Loaded};
use crate::render::{self, Style};

const ZERO: &str = "0000000000000000000000000000000000000000";
const EMPTY_TREE: &str = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

fn shallow_help(repo: &Repo) -> Option<String> {
    repo.is_shallow().then(|| {
        "this is a shallow clone: fetch the history the range needs (`git fetch --deepen=200`, or `fetch-depth: 0` in actions/checkout)".to_owned()
    })
}

/// How much of each file the policy has scopecheck read.
fn read_options(loaded: &Loaded) -> ReadOptions {
    ReadOptions {
        max_file_size: scopecheck_core::checks::change_read_limit(loaded.policy.max_file_size),
    }
}

/// From this many commits on, a range is expected to scan enough (a few dozen KiB per
/// commit) for the keyword DFA to pay for itself: it is built ahead, on a spare thread.
const BULK_COMMITS: usize = 64;

/// Judges `commits` (oldest first) and `range`, the whole range `base..head`.
fn judge(
    repo: &Repo,
    loaded: &Loaded,
    signers: &Signers,
    base: Option<ObjectId>,
    mut range: ChangeSet,
    commits: &[CommitInfo],
) -> Result<(Report, ChangeSet), CliError> {
    // Most pushes are a commit or two, scanned in far less than the DFA takes to build.
    if commits.len() >= BULK_COMMITS {
        crate::cmd::prepare_scanner_for_bulk(&loaded.policy);
    }
    let opts = read_options(loaded);
    let env_actor = crate::ancestry::actor();
    let actor = if env_actor.is_agent() {
        env_actor
    } else {
        commits
            .iter()
            .find_map(|c| actor::detect_in_message(&c.message))
            .unwrap_or(Actor::Human)
    };
    let baseline = loaded.baseline.as_ref();
    range.actor = actor.clone();
    // Secrets are judged per commit below; the range view would only repeat them. It
    // still scans for them when the range has inline allows, to tell which ones are used.
    let allows = range.files.iter().any(|f| {
        f.new_contents()
            .is_some_and(scopecheck_core::suppress::has_allow_directive)
    });
    let mut report = if allows {
        evaluate_with(&loaded.policy, &range, baseline)
    } else {
        let mut policy = loaded.policy.clone();
        policy.secrets.enabled = false;
        evaluate_with(&policy, &range, baseline)
    };
    report.findings.retain(|f| !f.rule.starts_with("secret/"));
    // Approvals committed anywhere in the range count, for findings of the range and of
    // each commit, as long as the approved content is what the commit holds.
    let bases: Vec<Option<String>> = std::iter::once(base.map(|b| b.to_string()))
        .chain(commits.iter().map(|c| Some(c.id.to_string())))
        .collect();
    let mut stale = Vec::new();
    let (approvals, rejected) = authority::approvals_in(&range, signers, &bases, &mut stale);
    report.notes.extend(stale);
    for mut f in rejected {
        if let Some(a) = loaded.policy.action_for(&f.rule, &f.path, f.action) {
            f.action = a;
            report.findings.push(f);
        }
    }
    let mut used = report.apply_approvals(&range, &approvals);
    range.release_contents();
    // The worker threads allocate from their own arenas and would never reuse what the
    // range freed: without this the peak is the range plus the commits.
    scopecheck_git::give_back_freed_memory();
    let mut seen = HashSet::new();
    // Each commit is judged on its own changes only (a merge by what no parent has, a
    // repeated change once), in parallel; results are folded in commit order.
    let judged = repo.map_commits(commits, &opts, |_, mut cs, work| {
        cs.actor = actor.clone();
        let mut per = evaluate_with(&loaded.policy, &cs, baseline);
        let used = per.apply_approvals(&cs, &approvals);
        (per, used, work)
    })?;
    let (mut merges, mut from_parents, mut repeated) = (0, 0, 0);
    for (commit, (mut per, per_used, work)) in commits.iter().zip(judged) {
        used.extend(per_used);
        merges += usize::from(work.merge);
        from_parents += work.from_parents;
        repeated += work.repeated;
        for a in per.approved.drain(..) {
            if a.finding.rule.starts_with("secret/") && seen.insert(a.finding.fingerprint.clone()) {
                report.approved.push(a);
            }
        }
        let id = commit.id.to_string();
        let short = crate::cmd::short_id(&id);
        if per.is_blocked() {
            let rules: Vec<&str> = per
                .findings
                .iter()
                .filter(|f| f.action >= per.fail_on)
                .map(|f| f.rule.as_str())
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            let path = per
                .findings
                .first()
                .map_or(String::new(), |f| f.path.clone());
            let mut f = Finding::for_file(
                SKIPPED_HOOKS,
                Action::Warn,
                &path,
                format!(
                    "commit {short} carries findings the pre-commit hook would have stopped ({}): it was made without the hook",
                    rules.join(", ")
                ),
                "Install the hook (`scopecheck install`) where the commit was made and avoid --no-verify.".to_owned(),
            );
            f.commit = Some(commit.id.to_string());
            f.fingerprint = scopecheck_core::fingerprint(
                SKIPPED_HOOKS,
                &path,
                commit.id.to_string().as_bytes(),
            );
            if let Some(a) = loaded.policy.action_for(SKIPPED_HOOKS, &path, Action::Warn) {
                f.action = a;
                report.findings.push(f);
            }
        }
        for mut f in per
            .findings
            .into_iter()
            .filter(|f| f.rule.starts_with("secret/"))
        {
            if seen.insert(f.fingerprint.clone()) {
                f.commit = Some(commit.id.to_string());
                report.findings.push(f);
            }
        }
        report.suppressed.extend(per.suppressed);
    }
    // The range view (scanned when it holds inline allows) and each commit see the same
    // suppressed secret: count it once.
    let mut counted = HashSet::new();
    report.suppressed.retain(|s| {
        counted.insert((
            s.finding.rule.clone(),
            s.finding.path.clone(),
            s.finding.fingerprint.clone(),
        ))
    });
    report
        .findings
        .sort_by(|a, b| (&a.path, a.line, &a.rule).cmp(&(&b.path, b.line, &b.rule)));
    authority::note_unused(&mut report, &approvals, &used);
    report
        .notes
        .push(format!("{} commit(s) checked", commits.len()));
    if from_parents + repeated > 0 {
        report.notes.push(format!(
            "judged once: {from_parents} path(s) that {merges} merge(s) took unchanged from a parent, {repeated} change(s) repeated from an earlier commit"
        ));
    }
    Ok((report, range))
}

/// The policy and baseline as of `base`, the signers that judge (`--allowed-signers`, else
/// the base's), and the work order: `--task`, else the one committed at `head`, else
/// (pre-push) the working tree's, else the base's. Trust comes from its signature (or,
/// for pre-push, the local record of `task start`), wherever it was found.
fn load_at(
    args: &crate::args::CommitCheckArgs,
    repo: &Repo,
    base: Option<ObjectId>,
    head: ObjectId,
    local: bool,
    allowed_signers: Option<&Path>,
) -> Result<(Loaded, Signers), CliError> {
    use scopecheck_core::task::DEFAULT_TASK_FILE;
    let mut loaded = policy::at_commit(&args.policy, repo, base)?;
    let mut signers = match allowed_signers {
        Some(p) => authority::signers_from_file(p)?,
        None => {
            authority::signers_at(repo, base.map(|b| b.to_string()).as_deref(), &loaded.policy)?
        }
    };
    // A person pushing the commits that first bring the allowed-signers file (a new
    // repository's first push) may trust that file as pushed, as pre-commit did when it
    // was staged. Never for an agent, and never in `ci`, which takes --allowed-signers.
    if signers.signers.is_none() && local && base.is_none() && !crate::ancestry::actor().is_agent()
    {
        let at_head = authority::signers_at(repo, Some(&head.to_string()), &loaded.policy)?;
        if at_head.signers.is_some() {
            loaded.notes.push(format!(
                "trusting {} (nothing is committed at the base: first push of the policy)",
                at_head.origin
            ));
            signers = at_head;
        }
    }
    let committed = |rev: ObjectId| -> Result<Option<scopecheck_core::WorkOrder>, CliError> {
        let Some(bytes) = repo.file_at(&rev.to_string(), DEFAULT_TASK_FILE)? else {
            return Ok(None);
        };
        let text = String::from_utf8_lossy(&bytes).into_owned();
        Ok(Some(scopecheck_core::WorkOrder::parse(
            DEFAULT_TASK_FILE,
            &text,
        )?))
    };
    let mut order = policy::work_order(args.task.as_deref(), None)?;
    if order.is_none() {
        order = committed(head)?;
    }
    if order.is_none() && local {
        order = policy::work_order(None, repo.workdir())?;
    }
    if order.is_none() {
        if let Some(b) = base {
            order = committed(b)?;
        }
    }
    match order {
        Some(mut order) => {
            let record = local.then(|| authority::record_file(repo));
            authority::establish(&mut order, &signers, record.as_deref());
            if local {
                authority::check_active(repo, &mut order);
            }
            loaded.policy.task = Some(std::sync::Arc::new(order));
        }
        None if local => loaded.policy.missing_task = authority::missing_task(repo),
        None => {}
    }
    Ok((loaded, signers))
}

/// Whether `base` is an ancestor of `head`, given `commits`, those `head` reaches and
/// `base` does not: then `base` is `head` or the parent of one of them (the commit after
/// it on any path down from `head` is reachable from `head` and not from `base`).
fn base_is_ancestor(commits: &[CommitInfo], base: ObjectId, head: ObjectId) -> bool {
    base == head || commits.iter().any(|c| c.parents.contains(&base))
}

/// What `ci` compares the head against when no `--base` is given.
enum Base {
    /// A revision, and why it was chosen when the environment did not name it directly.
    Rev(String, Option<String>),
    /// Every commit up to the head (why): the first push of a repository's default branch.
    Everything(String),
}

/// [`Base`] with its revision resolved.
enum Resolved {
    /// The commit, the revision that named it, and why it was chosen.
    Rev(ObjectId, String, Option<String>),
    /// Every commit up to the head, and why.
    Everything(String),
}

fn is_zero(sha: &str) -> bool {
    !sha.is_empty() && sha.bytes().all(|b| b == b'0')
}

/// The base a CI run implies: pre-commit's pre-push stage, a GitHub pull request, push,
/// merge queue or manual run, a GitLab merge request or push pipeline. A push that
/// creates a branch (its `before` is all zeros) is compared from where it left the default
/// branch, never treated as "cannot tell".
fn base_from_env(repo: &Repo) -> Option<Base> {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
    let direct = var("SCOPECHECK_BASE")
        // The pre-commit framework's pre-push stage.
        .or_else(|| var("PRE_COMMIT_FROM_REF"))
        .or_else(|| var("GITHUB_BASE_REF").map(|b| format!("origin/{b}")))
        .or_else(|| var("CI_MERGE_REQUEST_DIFF_BASE_SHA"))
        .or_else(|| var("CI_MERGE_REQUEST_TARGET_BRANCH_NAME").map(|b| format!("origin/{b}")));
    if let Some(rev) = direct {
        return Some(Base::Rev(rev, None));
    }
    if let Some(event) = var("GITHUB_EVENT_NAME") {
        let payload: serde_json::Value = var("GITHUB_EVENT_PATH")
            .and_then(|p| std::fs::read(p).ok())
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        let text = |v: &serde_json::Value| v.as_str().filter(|s| !s.is_empty()).map(str::to_owned);
        let default = text(&payload["repository"]["default_branch"]);
        return match event.as_str() {
            "push" => match text(&payload["before"]).filter(|b| !is_zero(b)) {
                Some(before) if repo.resolve_commit(&before).is_ok() => Some(Base::Rev(
                    before,
                    Some("the push event's previous tip (`before`)".to_owned()),
                )),
                // A force push's old tip is not in the clone: judge the branch as new.
                _ => new_branch_base(default, var("GITHUB_REF_NAME")),
            },
            "merge_group" => text(&payload["merge_group"]["base_sha"])
                .map(|b| Base::Rev(b, Some("the merge queue's base".to_owned()))),
            // workflow_dispatch, schedule and the rest: what the branch adds to the
            // default branch.
            _ => default.map(|d| {
                Base::Rev(
                    format!("origin/{d}"),
                    Some(format!(
                        "a `{event}` run: the branch against the default branch"
                    )),
                )
            }),
        };
    }
    if let Some(before) = var("CI_COMMIT_BEFORE_SHA") {
        if !is_zero(&before) && repo.resolve_commit(&before).is_ok() {
            return Some(Base::Rev(before, None));
        }
        let default = var("CI_DEFAULT_BRANCH");
        let branch = var("CI_COMMIT_BRANCH");
        return match var("CI_PIPELINE_SOURCE").as_deref() {
            // A push that made the branch (or whose old tip a force push discarded).
            None | Some("push") => new_branch_base(default, branch),
            // Scheduled, web, API and trigger pipelines have no previous tip either: the
            // branch against the default branch, and on the default branch itself no
            // range at all (that is `scan --history`'s job, not a merge gate's).
            Some(source) => default
                .filter(|d| branch.as_deref() != Some(d.as_str()))
                .map(|d| {
                    Base::Rev(
                        format!("origin/{d}"),
                        Some(format!(
                            "a `{source}` pipeline: the branch against the default branch"
                        )),
                    )
                }),
        };
    }
    None
}

/// The base for a push that created `pushed`: the default branch it grew from, or, when
/// it is the default branch itself (a repository's first push), everything.
fn new_branch_base(default: Option<String>, pushed: Option<String>) -> Option<Base> {
    match default {
        Some(d) if pushed.as_deref() != Some(d.as_str()) => Some(Base::Rev(
            format!("origin/{d}"),
            Some(format!(
                "a new branch (the push has no previous tip): compared from where it left origin/{d}"
            )),
        )),
        Some(_) => Some(Base::Everything(
            "the first push of the default branch (no previous tip): every commit is checked"
                .to_owned(),
        )),
        None => None,
    }
}

/// A judged range: what `ci` reports and `approve --base/--head` approves.
pub struct Judged {
    pub repo: Repo,
    pub report: Report,
    pub range: ChangeSet,
    pub loaded: Loaded,
    pub signers: Signers,
    /// `None` when every commit up to the head was judged.
    pub merge_base: Option<ObjectId>,
    pub head: ObjectId,
    pub commits: usize,
}

/// Judges `base..head` (defaults from the CI environment) with the base's policy.
pub fn judge_ci(
    base: Option<&str>,
    head: Option<&str>,
    check: &crate::args::CommitCheckArgs,
    allowed_signers: Option<&Path>,
) -> Result<Judged, CliError> {
    let repo = open_repo()?;
    let Some(base_choice) = base
        .map(|b| Base::Rev(b.to_owned(), None))
        .or_else(|| base_from_env(&repo))
    else {
        return Err(CliError::usage(
            "cannot tell what to compare against",
            Some("pass --base REV (e.g. origin/main), or run in GitHub Actions / GitLab CI, or set SCOPECHECK_BASE".to_owned()),
        ));
    };
    let head_rev = head
        .map(str::to_owned)
        .or_else(|| {
            std::env::var("SCOPECHECK_HEAD")
                .ok()
                .filter(|s| !s.is_empty())
        })
        .unwrap_or_else(|| "HEAD".to_owned());
    let resolve = |rev: &str| {
        repo.resolve_commit(rev)
            .map_err(|e| match shallow_help(&repo) {
                Some(help) => CliError::usage(format!("cannot resolve `{rev}`: {e}"), Some(help)),
                None => CliError::from(e),
            })
    };
    let head = resolve(&head_rev)?;
    let base = match base_choice {
        Base::Rev(rev, why) => Resolved::Rev(resolve(&rev)?, rev, why),
        Base::Everything(why) => Resolved::Everything(why),
    };
    // The commits to judge are those the head reaches and the base does not, which is
    // also what the merge base does not reach: the walk need not wait for the merge
    // base. It runs on its own handle beside the merge base, the policy and the range
    // read, which were otherwise a serial quarter of a range run.
    let walker = repo.for_another_thread();
    let hidden: Vec<ObjectId> = match &base {
        Resolved::Rev(id, ..) => vec![*id],
        Resolved::Everything(_) => Vec::new(),
    };
    std::thread::scope(|scope| {
        let walk = scope.spawn(move || walker.commits_between(&hidden, head));
        let commits = || match walk.join() {
            Ok(found) => found.map_err(CliError::from),
            Err(panic) => std::panic::resume_unwind(panic),
        };
        judge_ci_range(repo, base, head, &head_rev, check, allowed_signers, commits)
    })
}

/// [`judge_ci`] once the base and head are resolved; `commits` waits for the walk.
fn judge_ci_range(
    repo: Repo,
    base: Resolved,
    head: ObjectId,
    head_rev: &str,
    check: &crate::args::CommitCheckArgs,
    allowed_signers: Option<&Path>,
    commits: impl FnOnce() -> Result<Vec<CommitInfo>, CliError>,
) -> Result<Judged, CliError> {
    // What the policy at a merge base makes of the range from it to the head.
    let prepare = |merge_base: Option<ObjectId>| -> Result<(Loaded, Signers, ChangeSet), CliError> {
        let (mut loaded, signers) =
            load_at(check, &repo, merge_base, head, false, allowed_signers)?;
        loaded.policy.gate_edits_need_review();
        if let Some(f) = check.fail_on {
            loaded.policy.fail_on = f;
        }
        let range = repo.range_ids(merge_base, head, &read_options(&loaded))?;
        Ok((loaded, signers, range))
    };
    let (merge_base, why, (loaded, signers, range), commits) = match base {
        Resolved::Rev(base, base_rev, why) => {
            // The base is nearly always an ancestor of the head (a release range, a
            // fast-forward push, GitHub's merge ref for a pull request, GitLab's diff
            // base), and then it is the merge base. So the range from the base is read
            // while the commits are walked, and the walk tells whether the base was
            // their ancestor: computing the merge base first put a whole walk (~110 ms
            // on git.git) in front of everything else.
            let guess = prepare(Some(base));
            let commits = commits()?;
            let prepared = if base_is_ancestor(&commits, base, head) {
                (Some(base), guess?)
            } else {
                let Some(merge_base) = repo.merge_base(base, head)? else {
                    return Err(CliError::usage(
                        format!("`{base_rev}` and `{head_rev}` have no common history"),
                        shallow_help(&repo),
                    ));
                };
                let prepared = if merge_base == base {
                    guess?
                } else {
                    prepare(Some(merge_base))?
                };
                (Some(merge_base), prepared)
            };
            (
                prepared.0,
                why.map(|w| format!("comparing with {base_rev}: {w}")),
                prepared.1,
                commits,
            )
        }
        Resolved::Everything(why) => {
            let prepared = prepare(None)?;
            (
                None,
                Some(format!(
                    "{why}; with no base, the embedded default policy judges it (the policy this history adds applies from the next push)"
                )),
                prepared,
                commits()?,
            )
        }
    };
    let (mut report, range) = judge(&repo, &loaded, &signers, merge_base, range, &commits)?;
    report.fail_on = loaded.policy.fail_on;
    report.notes.extend(why);
    report.notes.extend(loaded.notes.iter().cloned());
    note_work_order(&mut report, &loaded);
    Ok(Judged {
        repo,
        report,
        range,
        loaded,
        signers,
        merge_base,
        head,
        commits: commits.len(),
    })
}

pub fn ci(args: &CiArgs, style: &Style) -> Result<i32, CliError> {
    let j = judge_ci(
        args.base.as_deref(),
        args.head.as_deref(),
        &args.check,
        args.allowed_signers.as_deref(),
    )?;
    audit::record(
        &j.repo,
        &j.loaded.policy.audit,
        audit::decision_entry(
            "ci",
            &j.report.actor,
            serde_json::json!({"base": j.merge_base.map(|b| b.to_string()), "head": j.head.to_string(), "commits": j.commits, "work-order": work_order_json(&j.loaded)}),
            &[&j.range],
            &j.report,
        ),
    )?;
    let origin = Origin::Range {
        // No base: the range starts from nothing, git's empty tree.
        base: j
            .merge_base
            .map_or_else(|| EMPTY_TREE.to_owned(), |b| b.to_string()),
        head: j.head.to_string(),
    };
    render::emit(
        args.check.format,
        args.check.output.as_deref(),
        &j.report,
        &origin,
        &j.loaded.origin,
        style,
    )?;
    Ok(j.report.exit_code())
}

/// The commits the remote `target` (a name or URL) advertises as branch and tag tips,
/// those this repository has. git runs pre-push with the connection to the remote open,
/// so asking it once more (with the same credentials; git is told not to prompt) costs
/// one round trip, and only for a push that creates a branch.
fn remote_heads(repo: &Repo, target: &str) -> Result<Vec<ObjectId>, String> {
    let out = std::process::Command::new("git")
        .args(["ls-remote", "--heads", "--tags", "--", target])
        .env("GIT_TERMINAL_PROMPT", "0")
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| format!("git ls-remote: {e}"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(err
            .lines()
            .next()
            .unwrap_or("git ls-remote failed")
            .trim()
            .to_owned());
    }
    let mut tips = Vec::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Some(id) = line
            .split_whitespace()
            .next()
            .and_then(|h| ObjectId::from_hex(h.as_bytes()).ok())
        else {
            continue;
        };
        // An annotated tag is advertised by its own id: what it hides is its commit.
        if !repo.has_object(id) {
            continue;
        }
        if let Ok(commit) = repo.resolve_commit(&id.to_string()) {
            if !tips.contains(&commit) {
                tips.push(commit);
            }
        }
    }
    Ok(tips)
}

pub fn pre_push(args: &PrePushArgs, style: &Style) -> Result<i32, CliError> {
    let repo = open_repo()?;
    let mut input = String::new();
    std::io::stdin()
        .read_to_string(&mut input)
        .map_err(CliError::io("standard input"))?;
    let remote = args.remote.clone().unwrap_or_else(|| "origin".to_owned());
    let mut total = Report::empty(Action::Review);
    let mut loaded_origin = String::from("embedded default policy");
    let mut any = false;
    // The remote's advertised tips, asked at most once per push.
    let mut advertised: Option<Result<Vec<ObjectId>, String>> = None;
    let mut fallback_notes: Vec<String> = Vec::new();
    for line in input.lines().filter(|l| !l.trim().is_empty()) {
        let parts: Vec<&str> = line.split_whitespace().collect();
        let [local_ref, local_sha, remote_ref, remote_sha] = parts[..] else {
            return Err(CliError::usage(
                format!("unexpected pre-push input line: {line}"),
                Some(
                    "git passes `<local ref> <local sha> <remote ref> <remote sha>` lines"
                        .to_owned(),
                ),
            ));
        };
        if local_sha == ZERO {
            // Deleting a remote ref pushes no content.
            continue;
        }
        let local = repo.resolve_commit(local_sha)?;
        let known_remote = (remote_sha != ZERO)
            .then(|| ObjectId::from_hex(remote_sha.as_bytes()).ok())
            .flatten()
            .filter(|id| repo.has_object(*id));
        // Hide what the remote already has: the ref's old value (git read it from the
        // remote), or for a new branch the remote's own branches and tags, asked of the
        // remote. Local remote-tracking refs are anyone's to write
        // (`git update-ref refs/remotes/origin/x HEAD` would hide every new commit), so
        // they are used only when the remote cannot be asked, and the report says so.
        let hidden: Vec<ObjectId> = match known_remote {
            Some(id) => vec![id],
            None => {
                if advertised.is_none() {
                    let target = args.url.as_deref().unwrap_or(&remote);
                    advertised = Some(remote_heads(&repo, target));
                }
                match advertised.as_ref() {
                    Some(Ok(tips)) => tips.clone(),
                    Some(Err(why)) => {
                        fallback_notes.push(format!(
                            "the remote's branches could not be listed ({why}): what it already has was taken from the local refs/remotes/{remote}/*, which this machine can rewrite"
                        ));
                        repo.remote_tips(&remote)?
                    }
                    None => Vec::new(),
                }
            }
        };
        let commits = repo.commits_between(&hidden, local)?;
        if commits.is_empty() {
            continue;
        }
        // A first push to an empty remote checks the whole history: say so, or a long
        // run (thousands of commits) looks like a bug.
        let whole_history = known_remote.is_none() && hidden.is_empty();
        any = true;
        let base = commits.first().and_then(|c| c.parent);
        let (mut loaded, signers) = load_at(&args.check, &repo, base, local, true, None)?;
        if let Some(f) = args.check.fail_on {
            loaded.policy.fail_on = f;
        }
        let range = repo.range_ids(base, local, &read_options(&loaded))?;
        let (mut report, range) = judge(&repo, &loaded, &signers, base, range, &commits)?;
        note_work_order(&mut report, &loaded);
        report.fail_on = loaded.policy.fail_on;
        report
            .notes
            .push(format!("{local_ref}: {} new commit(s)", commits.len()));
        if whole_history {
            report.notes.push(format!(
                "{local_ref}: the remote has none of this history (an empty remote, or none of its branches and tags are in this clone), so every commit up to {} is checked",
                crate::cmd::short_id(&local.to_string())
            ));
        }
        let branch = remote_ref.strip_prefix("refs/heads/").unwrap_or(remote_ref);
        // The actor of the push as judged: the environment, else the commits' trailers
        // (an agent's commit pushed from a plain shell is still an agent's).
        if let Actor::Agent { name, .. } = report.actor.clone() {
            if loaded.policy.agent_protected_branches.is_match(branch) {
                if let Some(action) =
                    loaded
                        .policy
                        .action_for(AGENT_PUSH, remote_ref, Action::Block)
                {
                    report.findings.push(Finding::for_file(
                        AGENT_PUSH,
                        action,
                        remote_ref,
                        format!("{name} is pushing directly to the protected branch `{branch}`"),
                        "Push to a feature branch and open a pull request for a person to merge."
                            .to_owned(),
                    ));
                }
            }
        }
        report.notes.extend(loaded.notes.iter().cloned());
        audit::record(
            &repo,
            &loaded.policy.audit,
            audit::decision_entry(
                "pre-push",
                &report.actor,
                serde_json::json!({"local-ref": local_ref, "remote-ref": remote_ref, "remote": remote, "base": base.map(|b| b.to_string()), "head": local.to_string(), "commits": commits.len(), "work-order": work_order_json(&loaded)}),
                &[&range],
                &report,
            ),
        )?;
        total.fail_on = loaded.policy.fail_on;
        total.merge(report);
        loaded_origin = loaded.origin.clone();
    }
    if !any {
        total.notes.push("nothing new to push".to_owned());
    }
    fallback_notes.dedup();
    total.notes.extend(fallback_notes);
    let origin = Origin::Custom;
    render::emit(
        args.check.format,
        args.check.output.as_deref(),
        &total,
        &origin,
        &loaded_origin,
        style,
    )?;
    Ok(total.exit_code())
}

fn note_work_order(report: &mut Report, loaded: &Loaded) {
    if let Some(task) = &loaded.policy.task {
        report.notes.push(format!(
            "work order in force: {} ({})",
            task.file,
            trust_text(&task.trust)
        ));
    }
}
