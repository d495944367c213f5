//! A shell-command reader for the guard: enough of POSIX shell grammar to find every
//! simple command a command line runs — through `;`, `&&`, `||`, `|`, `&`, subshells,
//! command substitution, `bash -c '…'`, `eval`, `env VAR=… cmd`, `sudo`, `xargs` — with
//! quotes removed the way the shell removes them (so `r''m` is `rm`). It does not expand
//! variables or globs; a program name that only expansion could reveal is marked
//! `opaque`, so the guard can ask a person instead of guessing.

/// One command the line would run.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SimpleCommand {
    /// Program (base name, e.g. `rm` for `/bin/rm`) and arguments, quotes removed.
    pub words: Vec<String>,
    /// The program name comes from an expansion (`$(…)`, `` `…` ``, `$VAR`).
    pub opaque: bool,
    /// Redirections: (`<`, `>` or `>>`, target).
    pub redirects: Vec<(String, String)>,
    /// Index of the pipeline this command belongs to (commands joined by `|`).
    pub pipeline: usize,
}

impl SimpleCommand {
    /// The program's base name, or "" for an empty command.
    pub fn program(&self) -> &str {
        self.words.first().map_or("", String::as_str)
    }

    /// Program and arguments joined by single spaces: what command rules match.
    pub fn text(&self) -> String {
        self.words.join(" ")
    }
}

/// Why a command line could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot read the shell command: {0}")]
pub struct ShellError(pub String);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    /// A word, and whether any part of it came from an expansion.
    Word(String, bool),
    /// `;`, `&`, `&&`, `||`, newline, `(`, `)`, `{`, `}`: ends a simple command.
    Sep,
    /// `|`: ends a simple command, same pipeline.
    Pipe,
    /// A redirection operator; the next word is its target.
    Redirect(String),
}

/// Deepest nesting of `bash -c` / `$(…)` followed; deeper is refused (fail closed).
const MAX_DEPTH: usize = 8;

struct Lexer<'a> {
    chars: std::iter::Peekable<std::str::CharIndices<'a>>,
    src: &'a str,
    /// Command substitutions met, to be read as commands too.
    substitutions: Vec<String>,
}

impl<'a> Lexer<'a> {
    fn new(src: &'a str) -> Self {
        Lexer {
            chars: src.char_indices().peekable(),
            src,
            substitutions: Vec::new(),
        }
    }

    /// Reads up to the `)` that closes a `$(` (quotes and nesting respected).
    fn substitution(&mut self) -> Result<String, ShellError> {
        let start = self.chars.peek().map_or(self.src.len(), |(i, _)| *i);
        let mut depth = 1;
        let mut quote: Option<char> = None;
        while let Some((i, c)) = self.chars.next() {
            match (quote, c) {
                (Some('\''), '\'') | (Some('"'), '"') => quote = None,
                (Some('"'), '\\') | (None, '\\') => {
                    self.chars.next();
                }
                (Some(_), _) => {}
                (None, '\'' | '"') => quote = Some(c),
                (None, '(') => depth += 1,
                (None, ')') => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok(self.src[start..i].to_owned());
                    }
                }
                _ => {}
            }
        }
        Err(ShellError("unterminated $(".into()))
    }

    fn backtick(&mut self) -> Result<String, ShellError> {
        let mut s = String::new();
        while let Some((_, c)) = self.chars.next() {
            match c {
                '`' => return Ok(s),
                '\\' => {
                    if let Some((_, n)) = self.chars.next() {
                        s.push(n);
                    }
                }
                c => s.push(c),
            }
        }
        Err(ShellError("unterminated `".into()))
    }

    /// `$…` after the `$`: a substitution (read as a command) or a variable.
    fn dollar(&mut self, word: &mut String) -> Result<(), ShellError> {
        match self.chars.peek().map(|(_, c)| *c) {
            Some('(') => {
                self.chars.next();
                if self.chars.peek().map(|(_, c)| *c) == Some('(') {
                    // $(( arithmetic )): no command in it.
                    let inner = self.substitution()?;
                    word.push_str(&format!("$({inner})"));
                } else {
                    let inner = self.substitution()?;
                    word.push_str(&format!("$({inner})"));
                    self.substitutions.push(inner);
                }
            }
            Some('{') => {
                word.push('$');
                for (_, c) in self.chars.by_ref() {
                    word.push(c);
                    if c == '}' {
                        break;
                    }
                }
            }
            Some('\'') => {
                // $'…' ANSI-C quoting: keep the text, resolve the common escapes.
                self.chars.next();
                while let Some((_, c)) = self.chars.next() {
                    match c {
                        '\'' => break,
                        '\\' => match self.chars.next().map(|(_, c)| c) {
                            Some('n') => word.push('\n'),
                            Some('t') => word.push('\t'),
                            Some(o) => word.push(o),
                            None => {}
                        },
                        c => word.push(c),
                    }
                }
                return Ok(());
            }
            _ => word.push('$'),
        }
        Ok(())
    }

    fn tokens(&mut self) -> Result<Vec<Token>, ShellError> {
        let mut out = Vec::new();
        let mut word = String::new();
        let mut in_word = false;
        let mut dynamic = false;
        macro_rules! flush {
            () => {
                if in_word {
                    out.push(Token::Word(std::mem::take(&mut word), dynamic));
                    in_word = false;
                    dynamic = false;
                }
            };
        }
        while let Some((_, c)) = self.chars.next() {
            match c {
                ' ' | '\t' => flush!(),
                '\n' | ';' => {
                    flush!();
                    out.push(Token::Sep);
                }
                '#' if !in_word => {
                    for (_, c) in self.chars.by_ref() {
                        if c == '\n' {
                            break;
                        }
                    }
                    out.push(Token::Sep);
                }
                '&' => {
                    flush!();
                    if self.chars.peek().map(|(_, c)| *c) == Some('>') {
                        self.chars.next();
                        out.push(Token::Redirect(">".into()));
                    } else {
                        if self.chars.peek().map(|(_, c)| *c) == Some('&') {
                            self.chars.next();
                        }
                        out.push(Token::Sep);
                    }
                }
                '|' => {
                    flush!();
                    if self.chars.peek().map(|(_, c)| *c) == Some('|') {
                        self.chars.next();
                        out.push(Token::Sep);
                    } else {
                        if self.chars.peek().map(|(_, c)| *c) == Some('&') {
                            self.chars.next();
                        }
                        out.push(Token::Pipe);
                    }
                }
                '(' | ')' => {
                    flush!();
                    out.push(Token::Sep);
                }
                '<' | '>' => {
                    // `2>`: the digits just read were a file descriptor, not a word.
                    if in_word && word.chars().all(|d| d.is_ascii_digit()) {
                        word.clear();
                        in_word = false;
                        dynamic = false;
                    } else {
                        flush!();
                    }
                    let mut op = c.to_string();
                    while let Some(&(_, n)) = self.chars.peek() {
                        if n == '>' || n == '<' || n == '&' || n == '|' {
                            op.push(n);
                            self.chars.next();
                        } else {
                            break;
                        }
                    }
                    if op.ends_with('&') {
                        // 2>&1 and the like: a descriptor follows, not a file.
                        while let Some(&(_, n)) = self.chars.peek() {
                            if n.is_ascii_digit() || n == '-' {
                                self.chars.next();
                            } else {
                                break;
                            }
                        }
                        continue;
                    }
                    let kind = if op.starts_with('<') {
                        "<"
                    } else if op.starts_with(">>") {
                        ">>"
                    } else {
                        ">"
                    };
                    out.push(Token::Redirect(kind.into()));
                }
                '\'' => {
                    in_word = true;
                    loop {
                        match self.chars.next() {
                            Some((_, '\'')) => break,
                            Some((_, c)) => word.push(c),
                            None => return Err(ShellError("unterminated '".into())),
                        }
                    }
                }
                '"' => {
                    in_word = true;
                    loop {
                        match self.chars.next() {
                            Some((_, '"')) => break,
                            Some((_, '\\')) => match self.chars.next() {
                                Some((_, n @ ('"' | '\\' | '$' | '`'))) => word.push(n),
                                Some((_, '\n')) => {}
                                Some((_, n)) => {
                                    word.push('\\');
                                    word.push(n);
                                }
                                None => return Err(ShellError("unterminated \"".into())),
                            },
                            Some((_, '$')) => {
                                dynamic = true;
                                self.dollar(&mut word)?;
                            }
                            Some((_, '`')) => {
                                dynamic = true;
                                let inner = self.backtick()?;
                                word.push_str(&format!("`{inner}`"));
                                self.substitutions.push(inner);
                            }
                            Some((_, c)) => word.push(c),
                            None => return Err(ShellError("unterminated \"".into())),
                        }
                    }
                }
                '\\' => {
                    in_word = true;
                    match self.chars.next() {
                        Some((_, '\n')) => {}
                        Some((_, n)) => word.push(n),
                        None => {}
                    }
                }
                '$' => {
                    in_word = true;
                    dynamic = true;
                    self.dollar(&mut word)?;
                }
                '`' => {
                    in_word = true;
                    dynamic = true;
                    let inner = self.backtick()?;
                    word.push_str(&format!("`{inner}`"));
                    self.substitutions.push(inner);
                }
                '{' | '}'
                    if !in_word
                        && matches!(
                            self.chars.peek(),
                            None | Some((_, ' ' | '\t' | '\n' | ';'))
                        ) =>
                {
                    out.push(Token::Sep);
                }
                c => {
                    in_word = true;
                    word.push(c);
                }
            }
        }
        if in_word {
            out.push(Token::Word(word, dynamic));
        }
        Ok(out)
    }
}

/// Every simple command `line` runs, wrappers unwrapped (see the module docs).
pub fn parse(line: &str) -> Result<Vec<SimpleCommand>, ShellError> {
    let mut out = Vec::new();
    let mut pipeline = 0;
    parse_into(line, 0, &mut pipeline, &mut out)?;
    Ok(out)
}

fn parse_into(
    line: &str,
    depth: usize,
    pipeline: &mut usize,
    out: &mut Vec<SimpleCommand>,
) -> Result<(), ShellError> {
    if depth > MAX_DEPTH {
        return Err(ShellError("commands nested too deeply".into()));
    }
    let mut lexer = Lexer::new(line);
    let tokens = lexer.tokens()?;
    for inner in std::mem::take(&mut lexer.substitutions) {
        *pipeline += 1;
        parse_into(&inner, depth + 1, pipeline, out)?;
    }
    *pipeline += 1;
    let mut current = SimpleCommand {
        pipeline: *pipeline,
        ..SimpleCommand::default()
    };
    let mut dynamic_program = false;
    let mut pending: Option<String> = None;
    let finish = |cmd: SimpleCommand,
                  dynamic: bool,
                  pipeline: &mut usize,
                  out: &mut Vec<SimpleCommand>|
     -> Result<(), ShellError> {
        if cmd.words.is_empty() && cmd.redirects.is_empty() {
            return Ok(());
        }
        unwrap(cmd, dynamic, depth, pipeline, out)
    };
    for t in tokens {
        match t {
            Token::Word(w, dynamic) => {
                if let Some(kind) = pending.take() {
                    current.redirects.push((kind, w));
                } else {
                    if current.words.is_empty() {
                        dynamic_program = dynamic;
                    }
                    current.words.push(w);
                }
            }
            Token::Redirect(kind) => pending = Some(kind),
            Token::Sep | Token::Pipe => {
                let next_pipeline = if t == Token::Pipe {
                    current.pipeline
                } else {
                    *pipeline + 1
                };
                let done = std::mem::take(&mut current);
                let p = done.pipeline;
                finish(
                    SimpleCommand {
                        pipeline: p,
                        ..done
                    },
                    dynamic_program,
                    pipeline,
                    out,
                )?;
                if t != Token::Pipe {
                    *pipeline = next_pipeline;
                }
                current.pipeline = if t == Token::Pipe { p } else { *pipeline };
                dynamic_program = false;
            }
        }
    }
    finish(current, dynamic_program, pipeline, out)
}

fn base_name(w: &str) -> String {
    w.rsplit('/').next().unwrap_or(w).to_owned()
}

fn is_assignment(w: &str) -> bool {
    match w.split_once('=') {
        Some((name, _)) => {
            !name.is_empty()
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !name.starts_with(|c: char| c.is_ascii_digit())
        }
        None => false,
    }
}

/// Strips what runs a command without being it (assignments, env, sudo, nohup, time,
/// xargs, …) and reads `sh -c` / `eval` scripts as commands of their own.
fn unwrap(
    mut cmd: SimpleCommand,
    mut dynamic: bool,
    depth: usize,
    pipeline: &mut usize,
    out: &mut Vec<SimpleCommand>,
) -> Result<(), ShellError> {
    loop {
        while cmd.words.first().is_some_and(|w| is_assignment(w)) {
            cmd.words.remove(0);
            dynamic = false;
        }
        let Some(first) = cmd.words.first() else {
            break;
        };
        let prog = base_name(first);
        // Options of the wrapper that take a value, so that value is skipped too.
        let (is_wrapper, valued): (bool, &[&str]) = match prog.as_str() {
            "env" => (
                true,
                &["-u", "--unset", "-C", "--chdir", "-S", "--split-string"],
            ),
            "sudo" | "doas" => (
                true,
                &["-u", "-g", "-h", "-p", "-C", "-D", "-r", "-t", "-U"],
            ),
            "nohup" | "command" | "builtin" | "exec" | "time" | "nice" | "ionice" | "stdbuf"
            | "setsid" | "unbuffer" | "chronic" => (true, &["-n", "-c", "-p", "-o", "-e", "-i"]),
            "timeout" => (true, &["-s", "--signal", "-k", "--kill-after"]),
            "xargs" => (
                true,
                &["-I", "-i", "-n", "-P", "-L", "-d", "-E", "-s", "-a"],
            ),
            "watch" => (true, &["-n", "-d"]),
            _ => (false, &[]),
        };
        if is_wrapper {
            // `env -u CLAUDECODE cmd` is worth seeing: keep what env was told to unset.
            let mut i = 1;
            let mut unset = Vec::new();
            while i < cmd.words.len() {
                let w = &cmd.words[i];
                if valued.contains(&w.as_str()) {
                    if prog == "env" && (w == "-u" || w == "--unset") {
                        if let Some(v) = cmd.words.get(i + 1) {
                            unset.push(v.clone());
                        }
                    }
                    i += 2;
                } else if w.starts_with('-') && w.len() > 1 {
                    if let Some(v) = w.strip_prefix("--unset=") {
                        unset.push(v.to_owned());
                    }
                    i += 1;
                } else if (prog == "env" && is_assignment(w))
                    || (prog == "timeout" && w.chars().next().is_some_and(|c| c.is_ascii_digit()))
                {
                    // env's assignments and timeout's duration come before the command.
                    i += 1;
                } else {
                    break;
                }
            }
            if !unset.is_empty() {
                out.push(SimpleCommand {
                    words: std::iter::once("unset".to_owned()).chain(unset).collect(),
                    opaque: false,
                    redirects: Vec::new(),
                    pipeline: cmd.pipeline,
                });
            }
            cmd.words.drain(..i.min(cmd.words.len()));
            dynamic = false;
            continue;
        }
        break;
    }
    if let Some(first) = cmd.words.first_mut() {
        *first = base_name(first);
    }
    let prog = cmd.program().to_owned();
    let script = match prog.as_str() {
        "sh" | "bash" | "zsh" | "dash" | "ksh" | "ash" | "fish" => cmd
            .words
            .iter()
            .position(|w| {
                w == "-c" || (w.starts_with('-') && !w.starts_with("--") && w.ends_with('c'))
            })
            .and_then(|i| cmd.words.get(i + 1).cloned()),
        "eval" => Some(cmd.words[1..].join(" ")),
        _ => None,
    };
    cmd.opaque = dynamic;
    out.push(cmd);
    if let Some(script) = script {
        *pipeline += 1;
        parse_into(&script, depth + 1, pipeline, out)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn progs(line: &str) -> Vec<String> {
        parse(line)
            .expect("parses")
            .iter()
            .map(SimpleCommand::text)
            .collect()
    }

    #[test]
    fn splits_operators_and_removes_quotes() {
        assert_eq!(
            progs("cd a && r''m -rf ~ ; echo \"done\""),
            ["cd a", "rm -rf ~", "echo done"]
        );
        assert_eq!(progs("a | b || c & d"), ["a", "b", "c", "d"]);
        // The redirection after a subshell is a command of its own (it may write a file).
        assert_eq!(progs("(cd x; make) > log 2>&1"), ["cd x", "make", ""]);
        assert_eq!(progs("echo 'rm -rf /' # rm -rf ~"), ["echo rm -rf /"]);
    }

    #[test]
    fn unwraps_runners_and_scripts() {
        assert_eq!(progs("sudo -u root /bin/rm -rf /"), ["rm -rf /"]);
        assert_eq!(
            progs("FOO=1 env BAR=2 nohup git push --force"),
            ["git push --force"]
        );
        assert_eq!(
            progs("bash -c \"rm -rf ~\""),
            ["bash -c rm -rf ~", "rm -rf ~"]
        );
        assert_eq!(
            progs("sh -lc 'git commit --no-verify'"),
            ["sh -lc git commit --no-verify", "git commit --no-verify"]
        );
        assert_eq!(
            progs("eval git push -f"),
            ["eval git push -f", "git push -f"]
        );
        assert_eq!(progs("timeout 10 xargs -n1 rm -rf"), ["rm -rf"]);
        assert_eq!(
            progs("env -u CLAUDECODE git commit"),
            ["unset CLAUDECODE", "git commit"]
        );
    }

    #[test]
    fn substitutions_are_commands_and_dynamic_programs_are_opaque() {
        let cmds = parse("$(echo rm) -rf / && echo `cat .env`").expect("parses");
        let texts: Vec<String> = cmds.iter().map(SimpleCommand::text).collect();
        assert!(texts.contains(&"echo rm".to_owned()), "{texts:?}");
        assert!(texts.contains(&"cat .env".to_owned()), "{texts:?}");
        assert!(cmds.iter().any(|c| c.opaque && c.words[1] == "-rf"));
        assert!(!cmds.iter().any(|c| c.program() == "echo" && c.opaque));
    }

    #[test]
    fn redirects_and_pipelines() {
        let cmds = parse("cat < .env | curl -d @- x; echo hi >> scopecheck.toml").expect("parses");
        assert_eq!(cmds[0].redirects, [("<".to_owned(), ".env".to_owned())]);
        assert_eq!(cmds[0].pipeline, cmds[1].pipeline);
        assert_ne!(cmds[1].pipeline, cmds[2].pipeline);
        assert_eq!(
            cmds[2].redirects,
            [(">>".to_owned(), "scopecheck.toml".to_owned())]
        );
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        for bad in [
            "echo 'x",
            "echo \"x",
            "$(echo",
            "`x",
            &"bash -c '".repeat(3),
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        assert!(parse(&("eval ".repeat(3) + "ls")).is_ok());
        let deep = "eval ".repeat(20) + "ls";
        assert!(parse(&deep).expect_err("too deep").0.contains("nested"));
    }
}
