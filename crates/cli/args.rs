//! Command-line arguments (clap derive).

use std::path::PathBuf;

use clap::{Args as ClapArgs, Parser, Subcommand, ValueEnum};
use scopecheck_core::Action;

/// A fast, local, offline policy gate for changes made by people and AI agents.
///
/// Exit codes: 0 the change may proceed, 1 a finding needs review or blocks it,
/// 2 usage, configuration or repository error.
#[derive(Debug, Parser)]
#[command(name = "scopecheck", version, propagate_version = true)]
pub struct Args {
    /// When to use colour (NO_COLOR is honoured in `auto`).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check what is staged (the index against HEAD): what `git commit` would record.
    PreCommit(CheckArgs),
    /// Check every file under a directory, or with --history every blob ever committed.
    Scan(ScanArgs),
    /// Record every current finding (of a scan) as accepted, in the baseline file.
    Baseline(BaselineArgs),
    /// Check the commits being pushed (reads git's pre-push lines on standard input).
    PrePush(PrePushArgs),
    /// Check a pull/merge request: base..head, with the policy of the base.
    Ci(CiArgs),
    /// Install scopecheck as a git hook (an existing hook is kept and still runs).
    Install(HookArgs),
    /// Remove scopecheck's git hook and restore a hook it had kept.
    Uninstall(HookArgs),
    /// Write a commented starter scopecheck.toml at the top of the repository.
    Init(InitArgs),
    /// Print the effective policy.
    Config(ConfigArgs),
    /// Manage the work order: the task, its scope and its limits.
    #[command(subcommand)]
    Task(TaskCommand),
    /// Approve the `review` findings of the staged change (or of --base..--head) with
    /// your SSH signing key: a signed approval bound to the exact content.
    Approve(ApproveArgs),
    /// Judge an agent's tool call before it runs (reads one hook event on stdin, answers
    /// in the agent's protocol); `guard install|uninstall` manage the agent's hook config.
    Guard(GuardArgs),
    /// The audit log of decisions: verify its hash chain, or show entries.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// List every rule with its default action.
    Rules,
    /// Explain a rule: what it detects, why it matters, how to fix it.
    Explain(ExplainArgs),
    /// Is this repository (and this session) protected? Hooks, policy, baseline, work
    /// order, agent guard; with --env, the credentials within the session's reach.
    Doctor(DoctorArgs),
    /// Print a shell completion script (e.g. `scopecheck completions bash >
    /// ~/.local/share/bash-completion/completions/scopecheck`).
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page, generated from this command line's definition
    /// (`scopecheck man > scopecheck.1`).
    Man,
}

#[derive(Debug, ClapArgs)]
pub struct DoctorArgs {
    /// Also look for credentials the session can read: environment variables, untracked
    /// credential files in the work tree, well-known files in the home directory
    /// (reported by name, values redacted).
    #[arg(long)]
    pub env: bool,
    /// Output format: human or json.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people: each finding with its file, line and (redacted) source line.
    Human,
    /// Stable machine-readable report (schema in README.md).
    Json,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
    /// JUnit XML, for CI test reports.
    Junit,
    /// GitHub Actions annotations (`::error file=…`).
    Github,
    /// A Markdown summary (PR comment, $GITHUB_STEP_SUMMARY).
    Markdown,
}

#[derive(Debug, ClapArgs)]
pub struct ApproveArgs {
    /// Approve every `review` finding.
    #[arg(long, conflicts_with_all = ["rule", "path"])]
    pub all: bool,
    /// Approve the `review` findings of this rule (with --path: at this path only).
    #[arg(long, value_name = "RULE")]
    pub rule: Option<String>,
    /// Approve the `review` findings at this path (a file, or a directory ending in /).
    #[arg(long, value_name = "PATH")]
    pub path: Option<String>,
    /// Why these findings may pass (recorded, signed, and shown wherever it is used).
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,
    /// Do not ask for confirmation (needed when standard input is not a terminal).
    #[arg(long)]
    pub yes: bool,
    /// Approve findings of a range instead of the staged change: its base.
    #[arg(long, requires = "head")]
    pub base: Option<String>,
    /// The range's head.
    #[arg(long, requires = "base")]
    pub head: Option<String>,
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// The work order in force (as for pre-commit).
    #[arg(long, value_name = "FILE", env = "SCOPECHECK_TASK")]
    pub task: Option<PathBuf>,
}

#[derive(Debug, ClapArgs)]
#[command(args_conflicts_with_subcommands = true)]
pub struct GuardArgs {
    /// Whose hook protocol to speak.
    #[arg(long, value_enum)]
    pub agent: Option<AgentKind>,
    #[command(subcommand)]
    pub action: Option<GuardAction>,
}

#[derive(Debug, Subcommand)]
pub enum GuardAction {
    /// Add the guard to the agent's project hook settings (merged, never clobbered).
    Install {
        #[arg(long, value_enum)]
        agent: AgentKind,
    },
    /// Remove only what `guard install` added.
    Uninstall {
        #[arg(long, value_enum)]
        agent: AgentKind,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AgentKind {
    /// Claude Code (`PreToolUse` hooks in .claude/settings.json).
    Claude,
    /// Cursor (`beforeShellExecution`, `beforeReadFile`, `beforeMCPExecution` in
    /// .cursor/hooks.json).
    Cursor,
    /// Gemini CLI (`BeforeTool` hooks in .gemini/settings.json).
    Gemini,
}

impl AgentKind {
    pub fn display(self) -> &'static str {
        match self {
            AgentKind::Claude => "Claude Code",
            AgentKind::Cursor => "Cursor",
            AgentKind::Gemini => "Gemini CLI",
        }
    }

    /// The name on the command line (`--agent NAME`).
    pub fn name(self) -> &'static str {
        match self {
            AgentKind::Claude => "claude",
            AgentKind::Cursor => "cursor",
            AgentKind::Gemini => "gemini",
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the hash chain: exit 0 when intact, 1 naming the first bad line.
    Verify(AuditVerifyArgs),
    /// Show decisions, filtered.
    Show(AuditShowArgs),
}

#[derive(Debug, ClapArgs)]
pub struct AuditVerifyArgs {
    /// A tip recorded elsewhere (`seq:hash`, printed by verify): it must still be in the
    /// chain, so a rewrite of the whole log is detected.
    #[arg(long, value_name = "SEQ:HASH")]
    pub expect: Option<String>,
}

#[derive(Debug, ClapArgs)]
pub struct AuditShowArgs {
    /// Only entries at or after this time (RFC 3339, or a date YYYY-MM-DD).
    #[arg(long)]
    pub since: Option<String>,
    /// Only entries before this time (RFC 3339, or a date YYYY-MM-DD).
    #[arg(long)]
    pub until: Option<String>,
    /// Only entries by `human` or `agent`.
    #[arg(long, value_parser = ["human", "agent"])]
    pub actor: Option<String>,
    /// Only entries with this decision (allow, warn, review, block).
    #[arg(long)]
    pub decision: Option<Action>,
    /// Only entries with a finding (or approval) of this rule.
    #[arg(long)]
    pub rule: Option<String>,
    /// Only entries of this command (pre-commit, pre-push, ci, approve, task start, …).
    #[arg(long)]
    pub command: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = AuditFormat::Human)]
    pub format: AuditFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuditFormat {
    Human,
    Json,
}

/// Where the policy comes from.
#[derive(Debug, Default, Clone, ClapArgs)]
pub struct PolicyArgs {
    /// Use this policy file instead of the repository's scopecheck.toml.
    #[arg(long, value_name = "FILE", conflicts_with = "default_policy")]
    pub config: Option<PathBuf>,
    /// Ignore the repository's scopecheck.toml and use the embedded default policy.
    #[arg(long)]
    pub default_policy: bool,
}

#[derive(Debug, ClapArgs)]
pub struct CheckArgs {
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// Write the report in --format to FILE, and the human report to stdout.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The work order in force (default: .scopecheck/task.toml if it exists).
    #[arg(long, value_name = "FILE", env = "SCOPECHECK_TASK")]
    pub task: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// The lowest action that fails the check (overrides the policy's `fail-on`).
    #[arg(long, value_parser = parse_fail_on)]
    pub fail_on: Option<Action>,
    /// Tracked files to check as they are in the index, besides the staged change (what
    /// `pre-commit run --all-files` passes): a named file with no staged change is
    /// checked whole, so a token already committed is found too.
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

fn parse_fail_on(s: &str) -> Result<Action, String> {
    match s.parse::<Action>() {
        Ok(Action::Allow) => {
            Err("`allow` would fail every change; use warn, review or block".into())
        }
        Ok(a) => Ok(a),
        Err(e) => Err(e.to_string()),
    }
}

/// What a scan looks at.
#[derive(Debug, ClapArgs)]
pub struct ScanTarget {
    /// The directory (or repository, with --history) to scan; default: the current one.
    pub path: Option<PathBuf>,
    /// Scan every blob reachable from any reference, each once, reporting the first
    /// commit and path where each finding appeared.
    #[arg(long)]
    pub history: bool,
    /// Also scan files that .gitignore / .ignore exclude.
    #[arg(long)]
    pub no_ignore: bool,
    #[command(flatten)]
    pub policy: PolicyArgs,
}

/// What pre-push and ci share: where the policy and work order come from, and output.
#[derive(Debug, ClapArgs)]
pub struct CommitCheckArgs {
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// A work order to apply (default: the one committed at the head, else (pre-push)
    /// the working tree's, else the base's). It counts only when signed (or, for
    /// pre-push, recorded by `task start` on this machine).
    #[arg(long, value_name = "FILE", env = "SCOPECHECK_TASK")]
    pub task: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Write the report in --format to FILE, and the human report to stdout.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The lowest action that fails the check (overrides the policy's `fail-on`).
    #[arg(long, value_parser = parse_fail_on)]
    pub fail_on: Option<Action>,
}

#[derive(Debug, ClapArgs)]
pub struct PrePushArgs {
    /// The remote's name (git passes it).
    pub remote: Option<String>,
    /// The remote's URL (git passes it; unused).
    pub url: Option<String>,
    #[command(flatten)]
    pub check: CommitCheckArgs,
}

#[derive(Debug, ClapArgs)]
pub struct CiArgs {
    /// The base revision (default: from GitHub Actions, GitLab CI or SCOPECHECK_BASE).
    #[arg(long)]
    pub base: Option<String>,
    /// The head revision (default: SCOPECHECK_HEAD or HEAD).
    #[arg(long)]
    pub head: Option<String>,
    /// Verify work orders and approvals against this allowed-signers file (one the
    /// pipeline owns) instead of the one committed at the base.
    #[arg(long, value_name = "FILE")]
    pub allowed_signers: Option<PathBuf>,
    #[command(flatten)]
    pub check: CommitCheckArgs,
}

#[derive(Debug, ClapArgs)]
pub struct ScanArgs {
    #[command(flatten)]
    pub target: ScanTarget,
    /// Write the report in --format to FILE, and the human report to stdout.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// The lowest action that fails the scan (overrides the policy's `fail-on`).
    #[arg(long, value_parser = parse_fail_on)]
    pub fail_on: Option<Action>,
}

#[derive(Debug, ClapArgs)]
pub struct BaselineArgs {
    #[command(flatten)]
    pub target: ScanTarget,
    /// Where to write the baseline (default: the policy's `defaults.baseline`).
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum TaskCommand {
    /// Write a work order (default .scopecheck/task.toml).
    Start(Box<TaskStartArgs>),
    /// Print the work order in force, as instructions (or --format toml).
    Show(TaskShowArgs),
    /// Remove the work order (and with --remove-worktree, the task's worktree, once its
    /// branch is pushed or merged).
    End(TaskEndArgs),
    /// List the open work orders of every worktree of this repository.
    List,
}

#[derive(Debug, ClapArgs)]
pub struct TaskEndArgs {
    #[command(flatten)]
    pub file: TaskFileArgs,
    /// Also remove this worktree (run it inside the task's worktree): refused while it has
    /// uncommitted changes or commits that are neither pushed nor merged into another
    /// branch. The branch itself is kept.
    #[arg(long)]
    pub remove_worktree: bool,
}

#[derive(Debug, ClapArgs)]
pub struct TaskFileArgs {
    /// The work order file (default: .scopecheck/task.toml at the top of the repository).
    #[arg(long, value_name = "FILE", env = "SCOPECHECK_TASK")]
    pub task: Option<PathBuf>,
}

#[derive(Debug, ClapArgs)]
pub struct TaskStartArgs {
    #[command(flatten)]
    pub file: TaskFileArgs,
    /// What the task is for.
    #[arg(long)]
    pub goal: String,
    /// A glob of paths the task may change (repeatable).
    #[arg(long = "scope", value_name = "GLOB")]
    pub scope: Vec<String>,
    /// A glob of paths the task must not change (repeatable).
    #[arg(long = "out-of-scope", value_name = "GLOB")]
    pub out_of_scope: Vec<String>,
    /// A command the task may run (repeatable).
    #[arg(long = "allow-command", value_name = "CMD")]
    pub allowed_commands: Vec<String>,
    /// A command the task must not run (glob, repeatable; the guard denies it).
    #[arg(long = "deny-command", value_name = "GLOB")]
    pub deny_commands: Vec<String>,
    /// A command that needs a person's decision first (glob, repeatable; the guard asks).
    #[arg(long = "stop-if", value_name = "GLOB")]
    pub stop_if: Vec<String>,
    /// When to stop and ask a person (repeatable).
    #[arg(long = "stop-when", value_name = "CONDITION")]
    pub stop_conditions: Vec<String>,
    /// Most files one commit may touch.
    #[arg(long)]
    pub max_files: Option<u64>,
    /// Most changed lines (added plus removed) one commit may touch.
    #[arg(long)]
    pub max_lines: Option<u64>,
    /// Replace an existing work order.
    #[arg(long)]
    pub force: bool,
    /// Start the task in a new git worktree (default path: next to this one, named after
    /// the branch), on a new branch (--branch) from --base; the work order is written
    /// there, and the main working tree is not touched.
    #[arg(long, value_name = "PATH", num_args = 0..=1)]
    pub worktree: Option<Option<PathBuf>>,
    /// The new branch for --worktree.
    #[arg(long, value_name = "NAME", requires = "worktree")]
    pub branch: Option<String>,
    /// Where the --worktree branch starts (default HEAD).
    #[arg(long, value_name = "REV", requires = "worktree")]
    pub base: Option<String>,
}

#[derive(Debug, ClapArgs)]
pub struct TaskShowArgs {
    #[command(flatten)]
    pub file: TaskFileArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TaskFormat::Text)]
    pub format: TaskFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TaskFormat {
    Text,
    Toml,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Hook {
    /// Runs `scopecheck pre-commit` before every commit.
    PreCommit,
    /// Runs `scopecheck pre-push` on the commits of every push.
    PrePush,
}

impl Hook {
    pub fn name(self) -> &'static str {
        match self {
            Hook::PreCommit => "pre-commit",
            Hook::PrePush => "pre-push",
        }
    }
}

#[derive(Debug, ClapArgs)]
pub struct HookArgs {
    /// Which hook.
    #[arg(long, value_enum, default_value_t = Hook::PreCommit)]
    pub hook: Hook,
}

#[derive(Debug, ClapArgs)]
pub struct InitArgs {
    /// Overwrite an existing scopecheck.toml.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, ClapArgs)]
pub struct ConfigArgs {
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ConfigFormat::Toml)]
    pub format: ConfigFormat,
    /// Print every setting and every rule, not only what differs from the embedded
    /// default policy.
    #[arg(long)]
    pub all: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ConfigFormat {
    Toml,
    Json,
}

#[derive(Debug, ClapArgs)]
pub struct ExplainArgs {
    /// A rule id, e.g. secret/sensitive-file.
    pub rule: String,
}
