//! `scopecheck guard`: real Claude Code hook payloads through the real binary, run
//! exactly as the settings file written by `guard install` says.

mod common;

use std::process::Command;

use common::TestRepo;
use serde_json::{json, Value};

/// Installs the guard and returns the command line Claude Code would run.
fn installed(repo: &TestRepo) -> String {
    let run = repo.scopecheck(&["guard", "install", "--agent", "claude"]);
    assert_eq!(run.code, 0, "{}", run.all());
    let settings: Value = serde_json::from_str(
        &std::fs::read_to_string(repo.root.join(".claude/settings.json")).expect("settings"),
    )
    .expect("json");
    settings["hooks"]["PreToolUse"][0]["hooks"][0]["command"]
        .as_str()
        .expect("command")
        .to_owned()
}

/// Runs the hook command through sh with `event` on stdin: (exit code, stdout JSON).
fn call(repo: &TestRepo, command: &str, event: &Value) -> (i32, Value) {
    call_raw(repo, command, &event.to_string())
}

fn call_raw(repo: &TestRepo, command: &str, input: &str) -> (i32, Value) {
    let out = common::output_with_stdin(
        Command::new("sh")
            .arg("-c")
            .arg(command)
            .current_dir(&repo.root)
            .env("HOME", repo.home())
            .env("GIT_CONFIG_GLOBAL", repo.home().join(".gitconfig"))
            .env("GIT_CONFIG_NOSYSTEM", "1"),
        input.as_bytes(),
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let v = serde_json::from_str(stdout.trim()).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap_or(-1), v)
}

fn decision(v: &Value) -> &str {
    v["hookSpecificOutput"]["permissionDecision"]
        .as_str()
        .unwrap_or("none")
}

fn reason(v: &Value) -> String {
    v["hookSpecificOutput"]["permissionDecisionReason"]
        .as_str()
        .unwrap_or("")
        .to_owned()
}

fn bash(repo: &TestRepo, cmd: &str) -> Value {
    json!({"hook_event_name": "PreToolUse", "cwd": repo.root, "tool_name": "Bash", "tool_input": {"command": cmd}})
}

fn tool(repo: &TestRepo, name: &str, input: Value) -> Value {
    json!({"hook_event_name": "PreToolUse", "cwd": repo.root, "tool_name": name, "tool_input": input})
}

fn project() -> TestRepo {
    let repo = TestRepo::new();
    repo.stage(
        "scopecheck.toml",
        "[rules.\"migration/applied-edit\"]\naction = \"review\"\nreason = \"the data team reviews edits\"\n",
    );
    repo.stage("src/orders/api.rs", "fn list() {}\n");
    repo.stage("src/billing/pay.rs", "fn pay() {}\n");
    repo.stage(
        "db/migrate/20240101000000_create_orders.rb",
        "class CreateOrders < ActiveRecord::Migration[7.0]\n  def change\n    create_table :orders\n  end\nend\n",
    );
    repo.commit("base");
    let run = repo.scopecheck(&[
        "task",
        "start",
        "--goal",
        "paginate orders",
        "--scope",
        "src/orders/**",
        "--scope",
        "db/**",
    ]);
    assert_eq!(run.code, 0, "{}", run.all());
    repo
}

#[test]
fn the_issue_scenarios_through_the_installed_hook() {
    let repo = project();
    let hook = installed(&repo);
    let abs = |p: &str| repo.root.join(p).to_string_lossy().into_owned();

    // Out-of-scope write: denied, naming the work order.
    let (code, v) = call(
        &repo,
        &hook,
        &tool(
            &repo,
            "Write",
            json!({"file_path": abs("src/billing/pay.rs"), "content": "fn pay() { refund(); }\n"}),
        ),
    );
    assert_eq!((code, decision(&v)), (0, "deny"), "{v}");
    assert!(reason(&v).contains("scope/out-of-scope-path"), "{v}");
    assert!(reason(&v).contains(".scopecheck/task.toml"), "{v}");
    // In scope: nothing to say, the user's permissions decide.
    let (_, v) = call(
        &repo,
        &hook,
        &tool(
            &repo,
            "Edit",
            json!({"file_path": abs("src/orders/api.rs"), "old_string": "fn list() {}", "new_string": "fn list(page: u32) {}"}),
        ),
    );
    assert_eq!(v, json!({}));
    for cmd in [
        "rm -rf ~",
        "git commit --no-verify -m wip",
        "cat .env",
        "bash -c \"rm -rf /\"",
        "r''m -rf ~",
        "env -u CLAUDECODE scopecheck approve --all --yes --reason x",
    ] {
        let (_, v) = call(&repo, &hook, &bash(&repo, cmd));
        assert_eq!(decision(&v), "deny", "`{cmd}`: {v}");
    }
    let (_, v) = call(&repo, &hook, &bash(&repo, "cargo test"));
    assert_eq!(v, json!({}), "cargo test");
    // Editing an applied migration, under a policy that says review: ask a person.
    let (_, v) = call(
        &repo,
        &hook,
        &tool(
            &repo,
            "Edit",
            json!({"file_path": abs("db/migrate/20240101000000_create_orders.rb"), "old_string": "create_table :orders", "new_string": "create_table :orders, id: :uuid"}),
        ),
    );
    assert_eq!(decision(&v), "ask", "{v}");
    assert!(reason(&v).contains("migration/applied-edit"), "{v}");
    // A secret in written content, a credential read, a self-edit.
    let token = format!("ghp_{}", "Xq7Lm2Np9Rs4Tv6Wy8Za1Bc3De5Fg0Hj2Kk4");
    let (_, v) = call(
        &repo,
        &hook,
        &tool(
            &repo,
            "Write",
            json!({"file_path": abs("src/orders/cfg.rs"), "content": format!("const T: &str = \"{token}\";\n")}),
        ),
    );
    assert_eq!(decision(&v), "deny", "{v}");
    assert!(!v.to_string().contains(&token), "secret echoed: {v}");
    let (_, v) = call(
        &repo,
        &hook,
        &tool(&repo, "Read", json!({"file_path": abs(".env")})),
    );
    assert_eq!(decision(&v), "deny", "{v}");
    let (_, v) = call(
        &repo,
        &hook,
        &tool(
            &repo,
            "Edit",
            json!({"file_path": abs(".scopecheck/task.toml"), "old_string": "src/orders/**", "new_string": "**"}),
        ),
    );
    assert_ne!(decision(&v), "none", "self-edit of the work order: {v}");
    let (_, v) = call(
        &repo,
        &hook,
        &tool(
            &repo,
            "Write",
            json!({"file_path": "/tmp/scopecheck-guard-outside.txt", "content": "x"}),
        ),
    );
    assert_eq!(decision(&v), "ask", "{v}");
    let (_, v) = call(&repo, &hook, &tool(&repo, "Grep", json!({"pattern": "x"})));
    assert_eq!(v, json!({}));

    // Every decision is in the audit log, without the secret.
    let log = std::fs::read_to_string(repo.root.join(".git/scopecheck/audit.jsonl")).expect("log");
    assert!(
        log.lines()
            .filter(|l| l.contains("\"command\":\"guard\""))
            .count()
            >= 10
    );
    assert!(!log.contains(&token));
    assert_eq!(repo.scopecheck(&["audit", "verify"]).code, 0);
}

#[test]
fn malformed_events_are_denied() {
    let repo = project();
    let hook = installed(&repo);
    for input in [
        "",
        "garbage",
        "[]",
        "{\"tool_name\": \"Bash\"}",
        "{\"tool_name\": \"Bash\", \"tool_input\": {}}",
        "{\"tool_name\": \"Write\", \"tool_input\": {\"file_path\": \"a\"}}",
        "{\"tool_input\": {\"command\": \"ls\"}}",
    ] {
        let (code, v) = call_raw(&repo, &hook, input);
        assert_eq!((code, decision(&v)), (2, "deny"), "{input:?}: {v}");
    }
    // A broken committed policy denies too (fails closed).
    repo.stage("scopecheck.toml", "[defaults]\nfail-on = \"sometimes\"\n");
    repo.commit("break the policy");
    let (code, v) = call(&repo, &hook, &bash(&repo, "ls"));
    assert_eq!((code, decision(&v)), (2, "deny"), "{v}");
}

#[test]
fn install_merges_and_uninstall_removes_only_its_own_entry() {
    let repo = TestRepo::new();
    repo.write(
        ".claude/settings.json",
        r#"{"permissions": {"allow": ["Bash(cargo test:*)"]}, "hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "./my-lint.sh"}]}], "Stop": [{"hooks": [{"type": "command", "command": "notify"}]}]}}"#,
    );
    installed(&repo);
    installed(&repo); // idempotent
    let v: Value = serde_json::from_str(
        &std::fs::read_to_string(repo.root.join(".claude/settings.json")).expect("read"),
    )
    .expect("json");
    assert_eq!(v["permissions"]["allow"][0], "Bash(cargo test:*)");
    assert_eq!(v["hooks"]["Stop"][0]["hooks"][0]["command"], "notify");
    let pre = v["hooks"]["PreToolUse"].as_array().expect("list");
    assert_eq!(pre.len(), 2, "{v}");
    assert_eq!(pre[0]["hooks"][0]["command"], "./my-lint.sh");
    let run = repo.scopecheck(&["guard", "uninstall", "--agent", "claude"]);
    assert_eq!(run.code, 0, "{}", run.all());
    let v: Value = serde_json::from_str(
        &std::fs::read_to_string(repo.root.join(".claude/settings.json")).expect("read"),
    )
    .expect("json");
    assert_eq!(
        v["hooks"]["PreToolUse"].as_array().map(Vec::len),
        Some(1),
        "{v}"
    );
    assert_eq!(
        v["hooks"]["PreToolUse"][0]["hooks"][0]["command"],
        "./my-lint.sh"
    );
    // A settings file that is not JSON is never overwritten.
    repo.write(".claude/settings.json", "{ not json");
    let run = repo.scopecheck(&["guard", "install", "--agent", "claude"]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert_eq!(
        std::fs::read_to_string(repo.root.join(".claude/settings.json")).expect("read"),
        "{ not json"
    );
}

#[test]
fn cursor_and_gemini_speak_their_own_protocols() {
    let repo = project();
    let run = repo.scopecheck(&["guard", "install", "--agent", "cursor"]);
    assert_eq!(run.code, 0, "{}", run.all());
    let hooks: Value = serde_json::from_str(
        &std::fs::read_to_string(repo.root.join(".cursor/hooks.json")).expect("hooks"),
    )
    .expect("json");
    assert_eq!(hooks["version"], 1);
    let cursor = hooks["hooks"]["beforeShellExecution"][0]["command"]
        .as_str()
        .expect("cmd")
        .to_owned();
    assert_eq!(
        hooks["hooks"]["beforeReadFile"][0]["command"],
        cursor.as_str()
    );
    let root = repo.root.to_string_lossy().into_owned();
    let ev = |name: &str, extra: Value| {
        let mut v = json!({"hook_event_name": name, "conversation_id": "c", "generation_id": "g", "workspace_roots": [root]});
        for (k, x) in extra.as_object().expect("obj") {
            v[k] = x.clone();
        }
        v
    };
    let (_, v) = call(
        &repo,
        &cursor,
        &ev(
            "beforeShellExecution",
            json!({"command": "git push --force", "cwd": root}),
        ),
    );
    assert_eq!(v["permission"], "deny", "{v}");
    assert!(
        v["agent_message"]
            .as_str()
            .is_some_and(|m| m.contains("git-force-push")),
        "{v}"
    );
    let (_, v) = call(
        &repo,
        &cursor,
        &ev(
            "beforeShellExecution",
            json!({"command": "cargo test", "cwd": root}),
        ),
    );
    assert_eq!(v, json!({"permission": "allow"}));
    let (_, v) = call(
        &repo,
        &cursor,
        &ev(
            "beforeReadFile",
            json!({"file_path": format!("{root}/.env"), "content": "A=1"}),
        ),
    );
    assert_eq!(v["permission"], "deny", "{v}");
    let (code, v) = call(&repo, &cursor, &ev("somethingNew", json!({})));
    assert_eq!((code, v["permission"].as_str()), (2, Some("deny")), "{v}");

    let run = repo.scopecheck(&["guard", "install", "--agent", "gemini"]);
    assert_eq!(run.code, 0, "{}", run.all());
    let settings: Value = serde_json::from_str(
        &std::fs::read_to_string(repo.root.join(".gemini/settings.json")).expect("settings"),
    )
    .expect("json");
    let gemini = settings["hooks"]["BeforeTool"][0]["hooks"][0]["command"]
        .as_str()
        .expect("cmd")
        .to_owned();
    let gev = |tool: &str, input: Value| json!({"hook_event_name": "BeforeTool", "cwd": root, "session_id": "s", "tool_name": tool, "tool_input": input});
    let (_, v) = call(
        &repo,
        &gemini,
        &gev("run_shell_command", json!({"command": "terraform destroy"})),
    );
    assert_eq!(v["decision"], "deny", "{v}");
    let (_, v) = call(
        &repo,
        &gemini,
        &gev(
            "write_file",
            json!({"file_path": format!("{root}/src/billing/x.rs"), "content": "x"}),
        ),
    );
    assert_eq!(v["decision"], "deny", "{v}");
    assert!(
        v["reason"]
            .as_str()
            .is_some_and(|r| r.contains("out-of-scope")),
        "{v}"
    );
    let (_, v) = call(
        &repo,
        &gemini,
        &gev(
            "replace",
            json!({"file_path": format!("{root}/db/migrate/20240101000000_create_orders.rb"), "old_string": "create_table :orders", "new_string": "create_table :orders, id: :uuid"}),
        ),
    );
    assert_eq!(v["decision"], "deny", "review cannot ask in Gemini: {v}");
    assert!(
        v["reason"]
            .as_str()
            .is_some_and(|r| r.contains("needs a person")),
        "{v}"
    );
    let (_, v) = call(
        &repo,
        &gemini,
        &gev(
            "read_many_files",
            json!({"paths": ["src/orders/api.rs", ".env"]}),
        ),
    );
    assert_eq!(v["decision"], "deny", "{v}");
    let (_, v) = call(
        &repo,
        &gemini,
        &gev(
            "read_file",
            json!({"absolute_path": format!("{root}/src/orders/api.rs")}),
        ),
    );
    assert_eq!(v, json!({"decision": "allow"}));
    let run = repo.scopecheck(&["guard", "uninstall", "--agent", "gemini"]);
    assert_eq!(run.code, 0);
    let settings: Value = serde_json::from_str(
        &std::fs::read_to_string(repo.root.join(".gemini/settings.json")).expect("settings"),
    )
    .expect("json");
    assert_eq!(settings, json!({}));
}
