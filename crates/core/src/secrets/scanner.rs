//! The scanning engine: one Aho-Corasick pass over every rule keyword, then each rule's
//! regex only in windows around its keyword hits. Regexes compile on first use, so a run
//! that never sees `xoxb-` never pays for Slack's patterns.

use std::borrow::Cow;
use std::ops::Range;
use std::sync::OnceLock;

use aho_corasick::automaton::Automaton;
use aho_corasick::dfa::DFA;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use globset::GlobSet;
use regex_automata::meta::{self, Regex};
use regex_automata::{Input, PatternID};

use super::keyword_index::{self, pair_index, KeywordIndex};
use super::tiered::{self, Engine, Tiered};

use super::spec::{RuleSpec, SpecRef, StaticSpec};
use crate::Action;

/// How far before a keyword a match may start, and after it a match may end.
const WINDOW_BEFORE: usize = 256;
const WINDOW_AFTER: usize = 512;
const WINDOW_AFTER_MULTILINE: usize = 16 * 1024;
/// The longest `span` a multi-line rule may ask for.
const MAX_SPAN: u32 = 64 * 1024;
const WINDOW_BEFORE_MULTILINE: usize = 4 * 1024;
/// Bytes scanned by comparing keywords directly (no automaton at all) before the NFA is
/// built: the NFA costs ~2 ms, the direct comparison ~25 ns a byte, and a typical commit
/// puts a few KiB near its added lines.
const NFA_AFTER_BYTES: usize = 64 << 10;
/// Bytes scanned with the quick-to-build NFA before the DFA is built: about what the DFA
/// saves per MiB scanned against what it costs to build.
const DFA_AFTER_BYTES: usize = 2 << 20;

/// Why a rule cannot be compiled; `span` points into the rule's source text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    /// The rule.
    pub id: String,
    /// Byte range of the offending value in its file (empty when unknown).
    pub span: Range<usize>,
    /// What is wrong.
    pub message: String,
}

/// A compiled secret rule.
#[derive(Debug)]
pub struct SecretRule {
    /// Stable id.
    pub id: Cow<'static, str>,
    /// What the secret is.
    pub name: Cow<'static, str>,
    /// The action when it fires.
    pub action: Action,
    /// Texts it must match.
    pub examples: Vec<String>,
    /// Texts it must not match.
    pub negative_examples: Vec<String>,
    /// Keywords (lower-case).
    pub keywords: Vec<Cow<'static, str>>,
    /// The spec, for deriving [`Derived`] on first use.
    origin: Origin,
    /// Boxed: a process builds every built-in rule and derives this for the handful whose
    /// keywords it meets, and kept inline it tripled the size of a rule (the table of
    /// 1,300 rules took 570 KiB of fresh pages on every run).
    derived: OnceLock<Box<Derived>>,
    entropy: Option<f64>,
    has_paths: bool,
    window_after: usize,
    /// How far before its keyword a multi-line match may begin.
    window_before: usize,
    multiline: bool,
    fallback: bool,
    keep_placeholders: bool,
    keyword_boundary: bool,
    /// Context rules: a short value with no digit is an identifier, not a secret.
    require_digit_below: usize,
}

/// Where a rule came from.
#[derive(Debug)]
enum Origin {
    Builtin(&'static StaticSpec),
    Custom(Box<RuleSpec>),
}

impl Origin {
    fn borrowed(&self) -> SpecRef<'_> {
        match self {
            Origin::Builtin(s) => s.borrowed(),
            Origin::Custom(s) => s.borrowed(),
        }
    }

    /// `text` of this rule's spec as a rule's own text, ASCII lower-cased if `lower`:
    /// borrowed from the static table for a built-in rule where that needs no change,
    /// so building the 1,300 built-in rules allocates no strings.
    fn text(&self, text: &str, lower: bool) -> Cow<'static, str> {
        let changes = lower && text.bytes().any(|b| b.is_ascii_uppercase());
        if let (Origin::Builtin(_), false) = (self, changes) {
            if let Some(s) = super::spec::static_text(text) {
                return Cow::Borrowed(s);
            }
        }
        Cow::Owned(if lower {
            text.to_ascii_lowercase()
        } else {
            text.to_owned()
        })
    }
}

/// A rule's state built on its first keyword hit: its [`Details`], its regex, and the
/// `allow` regexes and `paths` filter once they are needed.
#[derive(Debug)]
struct Derived {
    details: Details,
    regex: Tiered,
    allow: OnceLock<Vec<Regex>>,
    paths: OnceLock<Option<PathFilter>>,
}

impl Derived {
    fn new(details: Details) -> Derived {
        Derived {
            details,
            regex: Tiered::default(),
            allow: OnceLock::new(),
            paths: OnceLock::new(),
        }
    }
}

/// What a rule needs only once one of its keywords is found, derived from its spec then:
/// a hook meets the keywords of a handful of the 600 rules, and deriving these for all
/// of them (context regexes, lower-cased stopwords) cost every run half a millisecond.
#[derive(Debug)]
struct Details {
    source: String,
    stopwords: Vec<String>,
    context_stopwords: Vec<String>,
    symbols_context: Vec<String>,
    allow_sources: Vec<String>,
    /// `paths` as full globs (`**/` added to bare names).
    path_globs: Vec<String>,
}

impl Details {
    /// `spec` has a `regex`, or `context` and `secret` (`SecretRule::build` checks).
    fn new(spec: &SpecRef<'_>) -> Details {
        let source = match (&spec.regex, &spec.secret) {
            (Some((r, _)), _) => (*r).to_owned(),
            (None, Some((s, _))) => context_regex(&spec.context, s),
            (None, None) => String::new(),
        };
        let lower = |v: &[&str]| v.iter().map(|s| s.to_ascii_lowercase()).collect();
        Details {
            source,
            stopwords: lower(&spec.stopwords),
            context_stopwords: lower(&spec.context_stopwords),
            symbols_context: lower(&spec.symbols_context),
            allow_sources: spec.allow.iter().map(|a| a.0.to_owned()).collect(),
            path_globs: spec
                .paths
                .iter()
                .map(|(pattern, _)| {
                    if pattern.contains('/') {
                        pattern.trim_start_matches('/').to_owned()
                    } else {
                        format!("**/{pattern}")
                    }
                })
                .collect(),
        }
    }
}

/// Whether `src` compiles as a rule regex, and if not, what is wrong with it.
fn check_regex(src: &str) -> Result<(), String> {
    tiered::build(src, Engine::Light)
        .map(drop)
        .map_err(|e| build_error(&e))
}

/// The parser's own message (with the position) rather than the builder's summary.
fn build_error(e: &meta::BuildError) -> String {
    match (e.syntax_error(), e.size_limit()) {
        (Some(syntax), _) => syntax.to_string(),
        (None, Some(limit)) => {
            format!("the compiled regex exceeds the size limit of {limit} bytes")
        }
        _ => e.to_string(),
    }
}

/// The assignment shape shared by context rules: an identifier containing one of the
/// context words (perhaps a quoted subscript, `cfg["acme_key"]`), an assignment-like
/// operator (`=`, `:`, `:=`, `=>`, `>` of an XML tag, `,` of a call), optional quotes,
/// then the secret and a delimiter.
fn context_regex(words: &[&str], secret: &str) -> String {
    let alternatives: Vec<String> = words.iter().map(|w| regex::escape(w)).collect();
    format!(
        r#"(?im)(?:{kw})(?:[\w.\-]|[ \t]){{0,25}}?[\\"'`]{{0,2}}\]?[ \t]{{0,3}}(?:::?:?=|\?=|=>|=|:|>|,|\|\|)[ \t]{{0,3}}(?:[\\"'`]|\s){{0,6}}?(?P<secret>{secret})(?:[\\"'`\s;<>,)\]}}&]|$)"#,
        kw = alternatives.join("|"),
    )
}

impl SecretRule {
    /// Compiles a rule, checking its regex (so a bad custom rule is a configuration error).
    /// The regex used for scanning is still built lazily, on the rule's first keyword hit.
    pub fn compile(spec: &RuleSpec) -> Result<SecretRule, RuleError> {
        Self::build(Origin::Custom(Box::new(spec.clone())), true)
    }

    /// Compiles a built-in rule without checking its regex up front: the test suite builds
    /// every built-in regex, and skipping it here keeps start-up (and so every pre-commit
    /// run) from paying for hundreds of regexes it will never use.
    pub fn compile_trusted(spec: &RuleSpec) -> Result<SecretRule, RuleError> {
        Self::build(Origin::Custom(Box::new(spec.clone())), false)
    }

    /// Compiles a rule of the built-in table (as [`SecretRule::compile_trusted`]).
    pub(crate) fn compile_builtin(spec: &'static StaticSpec) -> Result<SecretRule, RuleError> {
        Self::build(Origin::Builtin(spec), false)
    }

    fn build(origin: Origin, validate: bool) -> Result<SecretRule, RuleError> {
        let spec = origin.borrowed();
        let err = |span: Range<usize>, message: String| RuleError {
            id: spec.id.0.to_owned(),
            span,
            message,
        };
        let span = match (&spec.regex, &spec.secret) {
            (Some((_, span)), None) if spec.context.is_empty() => span.clone(),
            (None, Some((_, span))) if !spec.context.is_empty() => span.clone(),
            _ => {
                return Err(err(
                    spec.id.1.clone(),
                    "give either `regex`, or `context` together with `secret`".into(),
                ))
            }
        };
        let keywords: Vec<Cow<'static, str>> = if spec.keywords.is_empty() {
            &spec.context
        } else {
            &spec.keywords
        }
        .iter()
        .map(|&k| origin.text(k, true))
        .collect();
        if keywords.iter().any(|k| k.len() < 2) || keywords.is_empty() {
            return Err(err(
                spec.id.1.clone(),
                "every rule needs keywords of at least 2 characters (they drive the prefilter)"
                    .into(),
            ));
        }
        // Built-in rules build these on first use like their regex (9 of 361 have any,
        // and a glob set or a regex costs ~0.2 ms); custom rules are checked now, so a
        // bad one is a configuration error pointing at its line.
        let derived = OnceLock::new();
        if validate {
            let d = Derived::new(Details::new(&spec));
            let source = &d.details.source;
            check_regex(source).map_err(|e| err(span.clone(), format!("invalid regex: {e}")))?;
            let built = build_allow(&d.details.allow_sources).map_err(|(i, e)| {
                err(
                    spec.allow[i].1.clone(),
                    format!("invalid `allow` regex: {e}"),
                )
            })?;
            let _ = d.allow.set(built);
            let globs = &d.details.path_globs;
            let built = build_paths(globs).map_err(|(i, e)| match i {
                Some(i) => err(spec.paths[i].1.clone(), format!("invalid glob: {e}")),
                None => err(spec.id.1.clone(), e),
            })?;
            let _ = d
                .paths
                .set(PathFilter::names(globs).or(built.map(PathFilter::Globs)));
            let _ = derived.set(Box::new(d));
        }
        if let Some(e) = spec.entropy {
            if !(0.0..=8.0).contains(&e) {
                return Err(err(
                    spec.id.1.clone(),
                    "`entropy` is in bits per byte: 0 to 8".into(),
                ));
            }
        }
        let id = origin.text(spec.id.0, false);
        let name = origin.text(spec.name, false);
        let examples = spec.examples.iter().map(|e| (*e).to_owned()).collect();
        let negative_examples = spec
            .negative_examples
            .iter()
            .map(|e| (*e).to_owned())
            .collect();
        let (multiline, fallback, entropy) = (spec.multiline, spec.fallback, spec.entropy);
        let window_after = match spec.span {
            None if multiline => WINDOW_AFTER_MULTILINE,
            None => WINDOW_AFTER,
            Some(n) if multiline && (64..=MAX_SPAN).contains(&n) => n as usize,
            Some(_) => {
                return Err(err(
                    spec.id.1.clone(),
                    format!("`span` is for `multiline` rules: 64 to {MAX_SPAN} bytes"),
                ))
            }
        };
        let keep_placeholders = spec.keep_placeholders;
        let keyword_boundary = spec.keyword_boundary || !spec.context.is_empty();
        let require_digit_below = if spec.context.is_empty() { 0 } else { 40 };
        let has_paths = !spec.paths.is_empty();
        let action = spec.action.unwrap_or(Action::Block);
        drop(spec);
        Ok(SecretRule {
            id,
            name,
            action,
            examples,
            negative_examples,
            keywords,
            origin,
            derived,
            entropy,
            has_paths,
            window_after,
            window_before: WINDOW_BEFORE_MULTILINE.min(window_after),
            multiline,
            fallback,
            keep_placeholders,
            keyword_boundary,
            require_digit_below,
        })
    }

    fn derived(&self) -> &Derived {
        self.derived
            .get_or_init(|| Box::new(Derived::new(Details::new(&self.origin.borrowed()))))
    }

    fn details(&self) -> &Details {
        &self.derived().details
    }

    /// The regex to search `len` more bytes with.
    fn regex(&self, len: usize) -> &Regex {
        let d = self.derived();
        d.regex.get(&d.details.source, &self.id, len)
    }

    /// Whether this rule looks at files at `path` (always, for rules without `paths`).
    pub fn applies_to(&self, path: Option<&str>) -> bool {
        if !self.has_paths {
            return true;
        }
        let paths = self.derived().paths.get_or_init(|| {
            let globs = &self.details().path_globs;
            PathFilter::names(globs).or_else(|| {
                build_paths(globs)
                    .unwrap_or_else(|(_, e)| panic!("rule {}: {e}", self.id))
                    .map(PathFilter::Globs)
            })
        });
        match (paths, path) {
            (None, _) => true,
            (Some(f), Some(p)) => f.is_match(p),
            (Some(_), None) => false,
        }
    }

    fn context_ok(&self, context: &[u8], secret: &[u8]) -> bool {
        let details = self.details();
        let (stopwords, symbols) = (&details.context_stopwords, &details.symbols_context);
        let chosen = !symbols.is_empty() && secret.iter().any(|b| b"!@#$%^&*".contains(b));
        if stopwords.is_empty() && !chosen {
            return true;
        }
        let lower = context.to_ascii_lowercase();
        let has = |w: &String| memchr::memmem::find(&lower, w.as_bytes()).is_some();
        !stopwords.iter().any(has) && (!chosen || symbols.iter().any(has))
    }

    /// Whether the keyword the match starts with stands as its own identifier segment.
    fn keyword_is_segment(&self, hay: &[u8], start: usize) -> bool {
        if !self.keyword_boundary {
            return true;
        }
        let rest = &hay[start..];
        let Some(len) = self
            .keywords
            .iter()
            .filter(|k| rest.len() >= k.len() && rest[..k.len()].eq_ignore_ascii_case(k.as_bytes()))
            .map(|k| k.len())
            .max()
        else {
            return true;
        };
        let at = |i: usize| hay.get(i).copied();
        let first = hay[start];
        let last = hay[start + len - 1];
        let before_ok = match start.checked_sub(1).and_then(at) {
            None => true,
            Some(p) if !p.is_ascii_alphabetic() => true,
            // camelCase: `myEtsy`.
            Some(p) => p.is_ascii_lowercase() && first.is_ascii_uppercase(),
        };
        let word_is_upper = hay[start..start + len]
            .iter()
            .all(|b| !b.is_ascii_lowercase());
        let after_ok = match at(start + len) {
            None => true,
            Some(n) if !n.is_ascii_alphabetic() => true,
            // camelCase `etsyToken`, or an upper-case word then a capitalised one `ETSYToken`.
            Some(n) if n.is_ascii_uppercase() => last.is_ascii_lowercase() || word_is_upper,
            // A plural: `credentials`, `SECRETS`.
            Some(n) if n.eq_ignore_ascii_case(&b's') => {
                at(start + len + 1).is_none_or(|m| !m.is_ascii_lowercase())
            }
            Some(_) => false,
        };
        before_ok && after_ok
    }

    fn accepts(&self, secret: &[u8]) -> bool {
        if secret.len() < self.require_digit_below && !secret.iter().any(u8::is_ascii_digit) {
            return false;
        }
        if let Some(min) = self.entropy {
            // A value of n bytes has at most log2(n) bits per byte: a floor of 3.0 would
            // pass an 8-character password only if no character repeats, and none shorter.
            // The floor is kept below what the value's length can reach.
            let reachable = 0.9 * (secret.len() as f64).log2();
            if shannon_entropy(secret) < min.min(reachable) {
                return false;
            }
        }
        let details = self.details();
        if !details.stopwords.is_empty() || !self.keep_placeholders {
            let lower = secret.to_ascii_lowercase();
            if details
                .stopwords
                .iter()
                .any(|w| memchr::memmem::find(&lower, w.as_bytes()).is_some())
            {
                return false;
            }
            if !self.keep_placeholders
                && (looks_like_placeholder(&lower)
                    || PUBLIC_VALUES.iter().any(|v| lower == v.as_bytes())
                    // Only for catch-all rules: where the context itself says
                    // "credential" (a Kubernetes Secret, an Authorization header), even
                    // `admin:password` in base64 is one.
                    || (self.fallback && encodes_words(secret)))
            {
                return false;
            }
        }
        if details.allow_sources.is_empty() {
            return true;
        }
        let allow = self.derived().allow.get_or_init(|| {
            build_allow(&details.allow_sources)
                .unwrap_or_else(|(_, e)| panic!("rule {}: {e}", self.id))
        });
        !allow.iter().any(|a| a.is_match(secret))
    }
}

/// A rule's `allow` regexes; the error names the index of the bad one.
/// They only ever test a matched value, so the cheapest engine is the right one.
fn build_allow(sources: &[String]) -> Result<Vec<Regex>, (usize, String)> {
    sources
        .iter()
        .enumerate()
        .map(|(i, s)| tiered::build(s, Engine::Light).map_err(|e| (i, build_error(&e))))
        .collect()
}

/// How a rule's `paths` are matched.
#[derive(Debug)]
enum PathFilter {
    /// File-name patterns with no directory and no wildcard but `*` (`*.yaml`,
    /// `Dockerfile.*`), lower case, matched against the lower-cased file name: building a
    /// glob set for them cost a pre-commit run more than scanning its files.
    Names(Vec<String>),
    Globs(GlobSet),
}

impl PathFilter {
    /// The name patterns of `globs` (as [`Details::path_globs`] writes them, `**/` before
    /// a bare name), if every glob is one.
    fn names(globs: &[String]) -> Option<PathFilter> {
        globs
            .iter()
            .map(|g| {
                let name = g.strip_prefix("**/")?;
                let plain = !name.is_empty()
                    && !name.contains(['/', '?', '[', ']', '{', '}', '\\'])
                    && !name.contains("**");
                plain.then(|| name.to_ascii_lowercase())
            })
            .collect::<Option<Vec<String>>>()
            .map(PathFilter::Names)
    }

    fn is_match(&self, path: &str) -> bool {
        match self {
            PathFilter::Names(names) => {
                let path = path.to_ascii_lowercase();
                names.iter().any(|p| crate::glob::name_matches(p, &path))
            }
            PathFilter::Globs(g) => g.is_match(path),
        }
    }
}

/// A rule's `paths`, matched case-insensitively: `NuGet.Config` is `nuget.config` on the
/// systems where such files live. The error names the index of a bad glob.
fn build_paths(globs: &[String]) -> Result<Option<GlobSet>, (Option<usize>, String)> {
    if globs.is_empty() {
        return Ok(None);
    }
    let mut b = globset::GlobSetBuilder::new();
    for (i, g) in globs.iter().enumerate() {
        b.add(
            globset::GlobBuilder::new(g)
                .literal_separator(true)
                .case_insensitive(true)
                .build()
                .map_err(|e| (Some(i), e.kind().to_string()))?,
        );
    }
    b.build().map(Some).map_err(|e| (None, e.to_string()))
}

/// Shannon entropy in bits per byte.
pub fn shannon_entropy(data: &[u8]) -> f64 {
    if data.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in data {
        counts[b as usize] += 1;
    }
    let n = data.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

/// Whether the value at `s..e` repeats the name just before it, as in
/// `user%40host:user%40host@127.0.0.1` or `bob:bob`: a stand-in a test or document
/// writes where a credential goes, not one.
fn repeats_the_name(hay: &[u8], s: usize, e: usize) -> bool {
    let len = e - s;
    if s <= len || hay[s - 1] != b':' {
        return false;
    }
    let name = s - 1 - len;
    hay[name..s - 1] == hay[s..e] && (name == 0 || !is_word(hay[name - 1]))
}

/// Credentials published on purpose, identical in every installation (local emulators'
/// documented keys): reporting them says nothing. Lower-cased.
const PUBLIC_VALUES: &[&str] = &[
    // Azurite / the Azure Storage Emulator: the key of account `devstoreaccount1`.
    "eby8vdm02xnocqflquwjpllmetlcdxj1ouzft50usrz6ifsufq2uvercz4i6tq/k1szfptotr/kbhbeksogmgw==",
];

/// A base64 value that decodes to lower-case words (`YW5vdGhlci10b2tlbg==` is
/// `another-token`, `YWxpY2U6c2VjcmV0LXBhc3N3ZA==` is `alice:secret-passwd`): a test's
/// readable stand-in. Key material decodes to arbitrary bytes, and a real `user:password`
/// pair almost always has a digit, a capital or a symbol.
fn encodes_words(secret: &[u8]) -> bool {
    if secret.len() < 8 || !secret.len().is_multiple_of(4) {
        return false;
    }
    let body = secret
        .strip_suffix(b"==")
        .or_else(|| secret.strip_suffix(b"="))
        .unwrap_or(secret);
    // Every decoded byte must be a lower-case letter or a separator.
    super::encoded::decode(body).is_some_and(|d| {
        d.len() >= 4
            && d.iter()
                .all(|&b| b.is_ascii_lowercase() || matches!(b, b':' | b'-' | b'_' | b'.' | b' '))
    })
}

/// Values people write where a secret will go: `xxxx`, `your-api-key`, `<token>`,
/// `${TOKEN}`, `EXAMPLE`, long runs of one character. `lower` is lower-cased.
fn looks_like_placeholder(lower: &[u8]) -> bool {
    const MARKERS: &[&str] = &[
        "example",
        "xxxxx",
        "placeholder",
        "changeme",
        "change_me",
        "your_",
        "your-",
        "yourapikey",
        "redacted",
        "dummy",
        "<",
        "${",
        "{{",
        "***",
        "...",
        "abcdefghij",
        "abc123",
        "qwerty",
        "insert",
        "replace_me",
        "replace_with",
        "todo",
        // `invalid_token_here`, `paste-key-here`: a value that says where one goes.
        "_here",
        "-here",
    ];
    if MARKERS
        .iter()
        .any(|m| memchr::memmem::find(lower, m.as_bytes()).is_some())
    {
        return true;
    }
    if is_stand_in_password(lower) {
        return true;
    }
    // One character repeated over half the value, or 16 times in a row: `AKIAXXXX…`.
    let mut run = 1;
    for w in lower.windows(2) {
        if w[0] == w[1] {
            run += 1;
            if run >= 16 || (run >= 6 && run * 2 >= lower.len()) {
                return true;
            }
        } else {
            run = 1;
        }
    }
    false
}

/// The words documentation makes example passwords of.
const STAND_IN_WORDS: &[&str] = &[
    "my", "your", "the", "top", "super", "very", "custom", "strong", "secure", "secret", "secrets",
    "password", "passwd", "pass", "pwd", "admin", "root", "user", "default", "change", "me",
    "test", "demo", "sample", "fake", "letmein", "welcome", "hunter", "foo", "bar", "baz", "db",
    "api", "key", "token", "new", "mongo", "mysql", "postgres", "redis",
];

/// A password documentation writes: stand-in words in leetspeak (`s3cret`, `T0pS3cr3t`,
/// `My-Cust0m_S3cR3T`), perhaps with a short number or `!` after. A generated or real
/// password does not split into these words; `lower` is the lower-cased value.
fn is_stand_in_password(lower: &[u8]) -> bool {
    if lower.len() < 4 || lower.len() > 32 {
        return false;
    }
    let like = |c: u8, w: u8| {
        c == w
            || matches!(
                (c, w),
                (b'0', b'o')
                    | (b'1', b'i' | b'l')
                    | (b'3', b'e')
                    | (b'4' | b'@', b'a')
                    | (b'5' | b'$', b's')
                    | (b'7', b't')
            )
    };
    // The suffix: up to four digits or `!@#$%*?` after the words.
    let mut end = lower.len();
    while end > 0
        && lower.len() - end < 4
        && (lower[end - 1].is_ascii_digit() || b"!@#$%*?".contains(&lower[end - 1]))
    {
        end -= 1;
    }
    // reach[i]: the first i bytes are stand-in words and separators.
    let mut reach = vec![false; lower.len() + 1];
    reach[0] = true;
    for i in 0..lower.len() {
        if !reach[i] {
            continue;
        }
        if i > 0 && b"-_. ".contains(&lower[i]) {
            reach[i + 1] = true;
            continue;
        }
        for w in STAND_IN_WORDS.iter().map(|w| w.as_bytes()) {
            if lower.len() - i >= w.len()
                && lower[i..i + w.len()]
                    .iter()
                    .zip(w)
                    .all(|(&c, &x)| like(c, x))
            {
                reach[i + w.len()] = true;
            }
        }
    }
    // Only leetspeak says "stand-in": `rootpasswd` may be a real (weak) password, and tests
    // of secret scanners write exactly that as a positive.
    let leet = lower[..end].iter().any(|c| b"013457@$".contains(c));
    leet && (end..=lower.len()).any(|i| reach[i])
}

/// One secret found in a buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretMatch {
    /// Index of the rule in the [`Scanner`].
    pub rule: usize,
    /// Byte range of the secret itself.
    pub secret: Range<usize>,
    /// Byte range of the whole regex match (the secret and its context).
    pub whole: Range<usize>,
    /// Found in the decoded text of an encoded run: `secret` and `whole` are the run.
    pub encoding: Option<super::Encoding>,
}

/// Every secret rule, with the keyword automaton that drives them.
#[derive(Debug)]
pub struct Scanner {
    rules: Vec<SecretRule>,
    /// The keywords as a full DFA (one table lookup per byte, the fastest scan, but a few
    /// ms and MiB to build) once enough bytes were scanned to pay for it...
    dfa: OnceLock<DFA>,
    /// ...and before that as a contiguous NFA, which builds in a fraction of the time:
    /// a pre-commit hook scanning a few KiB should not build a DFA for 600 keywords.
    nfa: OnceLock<AhoCorasick>,
    /// Bytes scanned so far (by any thread).
    scanned: std::sync::atomic::AtomicUsize,
    /// A thread is building the DFA: the others keep to the NFA meanwhile.
    building_dfa: std::sync::atomic::AtomicBool,
    /// Keyword indexes grouped by their first two bytes: (pair, range in `pair_order`),
    /// sorted by pair, for inputs too small to pay for building an automaton.
    by_pair: Vec<(u16, u32, u32)>,
    pair_order: Vec<u32>,
    /// For each entry of `pair_order`, the keyword's next four bytes (after the pair)
    /// case-folded as [`fold4`] folds them, and the mask of those it has: one integer
    /// comparison rejects nearly every keyword of a pair's group, where comparing them
    /// byte by byte was a tenth of a pre-commit run once the group of a common pair held
    /// dozens of keywords.
    pair_heads: Vec<(u32, u32)>,
    /// One bit per (first, second) lower-case byte pair some keyword starts with: most
    /// positions of a text start no keyword, and this says so in one lookup.
    starts: Vec<u64>,
    /// For each keyword pattern, the rules it triggers.
    keyword_rules: Vec<usize>,
    /// Where each keyword's rules start in `keyword_rules` (one more entry than there
    /// are keywords).
    keyword_rules_at: Vec<u32>,
    keywords: Vec<Cow<'static, str>>,
    longest_keyword: usize,
    /// The keywords of multi-line rules (whose windows reach far); see
    /// [`Scanner::multiline_automata`].
    multiline: OnceLock<Vec<FarKeywords>>,
}

/// The first four bytes of `bytes` (zeros past its end) as an integer, each with its
/// 0x20 bit set: ASCII letters compare equal in either case. Other bytes may collide
/// (`@` with a backquote), so an equal fold is only a candidate, compared in full after.
fn fold4(bytes: &[u8]) -> u32 {
    let mut b = [0u8; 4];
    let n = bytes.len().min(4);
    b[..n].copy_from_slice(&bytes[..n]);
    u32::from_le_bytes(b) | 0x2020_2020
}

/// Whether `w` overlaps any of the sorted ranges `near` (an empty range counts as
/// its position, like an empty added line).
fn touches(near: &[Range<usize>], w: &Range<usize>) -> bool {
    let i = near.partition_point(|r| r.end.max(r.start + 1) <= w.start);
    near.get(i).is_some_and(|r| r.start < w.end)
}

/// How far from a line a keyword can be and still open a window that reaches the line:
/// (before the line, after it), for single-line rules and for multi-line ones.
const REACH: (usize, usize) = (WINDOW_AFTER + 1024, WINDOW_BEFORE + 64);
/// The same for multi-line rules whose matches reach `before` bytes before their
/// keyword and `after` bytes past it.
const fn reach_multiline(before: usize, after: usize) -> (usize, usize) {
    (after + 1024, before)
}

/// How many leading bytes of a far keyword are searched for in every spelling...
const FAR_HEAD: usize = 4;
/// ...while that makes at most this many literals (more and the automaton's SIMD
/// prefilter gives up; the keywords are then searched case-blind).
const FAR_HEADS: usize = 64;

/// Every ASCII upper/lower-case spelling of `bytes`.
fn case_variants(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = vec![Vec::with_capacity(bytes.len())];
    for &b in bytes {
        let (lower, upper) = (b.to_ascii_lowercase(), b.to_ascii_uppercase());
        if lower == upper {
            out.iter_mut().for_each(|v| v.push(b));
        } else {
            out = out
                .into_iter()
                .flat_map(|v| {
                    let mut other = v.clone();
                    other.push(upper);
                    let mut v = v;
                    v.push(lower);
                    [v, other]
                })
                .collect();
        }
    }
    out
}

/// Keywords of multi-line rules that reach equally far, searched for around a change
/// beyond where the main pass looks.
#[derive(Debug)]
struct FarKeywords {
    reach: (usize, usize),
    finder: FarFinder,
    /// Each pattern's index in [`Scanner::keywords`].
    keywords: Vec<usize>,
}

/// How [`FarKeywords`] finds where a keyword may start.
#[derive(Debug)]
enum FarFinder {
    /// The bytes every keyword starts with, when they have no letter and so no case
    /// (`-----` of `-----BEGIN`): a plain substring search finds them many times faster
    /// than an automaton's case-blind one, which stops at every `g` and `n`.
    Prefix(Box<memchr::memmem::Finder<'static>>),
    /// Every spelling of the keywords' first bytes, searched with SIMD (Teddy): an
    /// automaton's own prefilter for such a set skipped only to its rare start bytes,
    /// stopping at every `k` of the far reach for `kind: Secret`.
    Heads(Box<aho_corasick::packed::Searcher>),
    Automaton(AhoCorasick),
}

impl FarKeywords {
    /// `keywords` (indexes into `all`) that reach `reach`; `None` if their automaton
    /// cannot be built.
    fn new(reach: (usize, usize), keywords: Vec<usize>, all: &[Cow<'static, str>]) -> Option<Self> {
        let first = all[*keywords.first()?].as_bytes();
        let shared = keywords.iter().fold(first.len(), |n, &k| {
            let kw = all[k].as_bytes();
            n.min(first.iter().zip(kw).take_while(|(a, b)| a == b).count())
        });
        let caseless = first[..shared]
            .iter()
            .take_while(|b| !b.is_ascii_alphabetic())
            .count();
        let finder = if caseless >= 3 {
            FarFinder::Prefix(Box::new(
                memchr::memmem::Finder::new(&first[..caseless]).into_owned(),
            ))
        } else {
            // Every spelling of each keyword's first few bytes (`curl`, `Curl`, `cURL`…),
            // searched case-sensitively: a handful of literals get the automaton's SIMD
            // prefilter, where a case-blind automaton only skips to rare bytes and stopped
            // at every `c` of the far reach (a twentieth of a range scan). Each keyword is
            // compared whole at a candidate anyway.
            let mut heads: Vec<Vec<u8>> = Vec::new();
            for &k in &keywords {
                if heads.len() > FAR_HEADS {
                    break;
                }
                let kw = all[k].as_bytes();
                for head in case_variants(&kw[..kw.len().min(FAR_HEAD)]) {
                    if !heads.contains(&head) {
                        heads.push(head);
                    }
                }
            }
            let packed = (heads.len() <= FAR_HEADS)
                .then(|| aho_corasick::packed::Searcher::new(&heads))
                .flatten();
            if let Some(searcher) = packed {
                return Some(FarKeywords {
                    reach,
                    finder: FarFinder::Heads(Box::new(searcher)),
                    keywords,
                });
            }
            let automaton = if heads.len() <= FAR_HEADS {
                AhoCorasickBuilder::new()
                    .match_kind(MatchKind::LeftmostFirst)
                    .build(&heads)
            } else {
                let patterns: Vec<&str> = keywords.iter().map(|&k| all[k].as_ref()).collect();
                AhoCorasickBuilder::new()
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::LeftmostFirst)
                    .build(&patterns)
            };
            FarFinder::Automaton(automaton.ok()?)
        };
        Some(FarKeywords {
            reach,
            finder,
            keywords,
        })
    }

    /// Where the next keyword might start in `hay` at or after `from` (each keyword is
    /// still to be compared there).
    fn find(&self, hay: &[u8], from: usize) -> Option<usize> {
        let rest = hay.get(from..)?;
        match &self.finder {
            FarFinder::Prefix(f) => f.find(rest).map(|i| from + i),
            FarFinder::Heads(s) => s
                .find_in(hay, aho_corasick::Span::from(from..hay.len()))
                .map(|m| m.start()),
            FarFinder::Automaton(a) => a
                .find(aho_corasick::Input::new(hay).span(from..hay.len()))
                .map(|m| m.start()),
        }
    }
}

impl Scanner {
    /// Builds the automaton over the rules' keywords.
    pub fn new(rules: Vec<SecretRule>) -> Scanner {
        let lists: Vec<&[Cow<'static, str>]> = rules.iter().map(|r| &r.keywords[..]).collect();
        let index = keyword_index::build(&lists);
        Scanner::with_index(rules, index)
    }

    /// The scanner over `rules` with their keyword index, made by
    /// [`keyword_index::build`] (at run time, or when the crate is built for the built-in
    /// rules).
    pub(crate) fn with_index(rules: Vec<SecretRule>, index: KeywordIndex) -> Scanner {
        let KeywordIndex {
            keywords,
            keyword_rules,
            keyword_rules_at,
            pair_order,
            by_pair,
        } = index;
        // Borrowed for a built-in rule: a clone copies no text.
        let keywords: Vec<Cow<'static, str>> = keywords
            .iter()
            .map(|&(rule, slot)| rules[rule].keywords[slot].clone())
            .collect();
        let longest_keyword = keywords.iter().map(|k| k.len()).max().unwrap_or(0);
        let pair_heads = pair_order
            .iter()
            .map(|&k| {
                let kw = keywords[k as usize].as_bytes();
                let tail = kw.get(2..).unwrap_or_default();
                let n = tail.len().min(4);
                let mask = if n == 4 {
                    u32::MAX
                } else {
                    (1u32 << (8 * n)) - 1
                };
                (fold4(tail) & mask, mask)
            })
            .collect();
        let mut starts = vec![0u64; 1024];
        for &(pair, _, _) in &by_pair {
            let pair = usize::from(pair);
            starts[pair / 64] |= 1 << (pair % 64);
        }
        Scanner {
            by_pair,
            pair_order,
            pair_heads,
            starts,
            rules,
            dfa: OnceLock::new(),
            nfa: OnceLock::new(),
            scanned: std::sync::atomic::AtomicUsize::new(0),
            building_dfa: std::sync::atomic::AtomicBool::new(false),
            keyword_rules,
            keyword_rules_at,
            keywords,
            longest_keyword,
            multiline: OnceLock::new(),
        }
    }

    /// Calls `f(keyword, range)` for every occurrence of every keyword in `hay`
    /// (ASCII case-insensitively, overlapping ones included), with the cheapest method
    /// for what this scanner has searched so far: direct comparison for the first few
    /// KiB, then an NFA, then, once enough bytes went through to pay for it, a DFA.
    fn for_each_keyword(&self, hay: &[u8], mut f: impl FnMut(usize, Range<usize>)) {
        use std::sync::atomic::Ordering;
        if self.dfa.get().is_none() {
            let len = hay.len();
            let total = self
                .scanned
                .fetch_add(len, Ordering::Relaxed)
                .saturating_add(len);
            if total < NFA_AFTER_BYTES && self.nfa.get().is_none() {
                return self.compare_keywords(hay, f);
            }
            let nfa = if total < DFA_AFTER_BYTES {
                Some(
                    self.nfa
                        .get_or_init(|| self.build(AhoCorasickKind::ContiguousNFA)),
                )
            } else if self.building_dfa.swap(true, Ordering::AcqRel) {
                // Another thread builds the DFA (tens of ms for the whole pack): go on
                // with the NFA if there is one rather than wait for it.
                self.nfa.get()
            } else {
                None
            };
            if let Some(nfa) = nfa.filter(|_| self.dfa.get().is_none()) {
                for hit in nfa.find_overlapping_iter(hay) {
                    f(hit.pattern().as_usize(), hit.range());
                }
                return;
            }
        }
        let dfa = self.dfa.get_or_init(|| self.build_dfa());
        super::interleaved::overlapping_hits(dfa, hay, self.longest_keyword, f);
    }

    /// The same hits as the automaton, by comparing the keywords that start with each pair
    /// of bytes of `hay` against it.
    fn compare_keywords(&self, hay: &[u8], mut f: impl FnMut(usize, Range<usize>)) {
        for (at, pair) in hay.windows(2).enumerate() {
            let i = pair_index(pair[0], pair[1]);
            if self.starts[i / 64] & (1 << (i % 64)) == 0 {
                continue;
            }
            let Ok(group) = self.by_pair.binary_search_by_key(&(i as u16), |g| g.0) else {
                continue;
            };
            let (_, from, to) = self.by_pair[group];
            let rest = &hay[at..];
            let next = fold4(rest.get(2..).unwrap_or_default());
            let (from, to) = (from as usize, to as usize);
            for (&k, &(head, mask)) in self.pair_order[from..to]
                .iter()
                .zip(&self.pair_heads[from..to])
            {
                if next & mask != head {
                    continue;
                }
                let k = k as usize;
                let kw = self.keywords[k].as_bytes();
                if rest.len() >= kw.len() && rest[2..kw.len()].eq_ignore_ascii_case(&kw[2..]) {
                    f(k, at..at + kw.len());
                }
            }
        }
    }

    /// The keywords as a DFA searched directly (see [`super::interleaved`]), with no
    /// prefilter: nothing filters 600 keywords better than the DFA itself.
    fn build_dfa(&self) -> DFA {
        aho_corasick::dfa::Builder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .prefilter(false)
            .build(self.keywords.iter().map(|k| k.as_bytes()))
            // As in `build`: plain keywords cannot fail to compile.
            .unwrap_or_else(|e| panic!("keyword automaton: {e}"))
    }

    fn build(&self, kind: AhoCorasickKind) -> AhoCorasick {
        // Overlapping matches are needed (`xoxb-` inside a longer keyword's hit).
        AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .kind(Some(kind))
            .build(self.keywords.iter().map(|k| k.as_bytes()))
            // Keywords are plain strings and ascii-case-insensitive building cannot fail
            // for them; an error here is a defect in a rule pack.
            .unwrap_or_else(|e| panic!("keyword automaton: {e}"))
    }

    /// Builds now what a scan of many MiB ends up needing: the keyword DFA and the far
    /// keywords of multi-line rules. Built lazily, the DFA arrives mid-scan, after the
    /// slower engines searched the first MiB and while the other threads keep to them
    /// (on git.git's v2.50..v2.55 range, 3–4% of the run's CPU); a range or history scan
    /// calls this on a spare thread before its blobs are read.
    pub fn prepare_for_bulk(&self) {
        self.dfa.get_or_init(|| self.build_dfa());
        self.multiline_automata();
    }

    /// The rules keyword `k` belongs to.
    fn rules_of(&self, k: usize) -> &[usize] {
        &self.keyword_rules
            [self.keyword_rules_at[k] as usize..self.keyword_rules_at[k + 1] as usize]
    }

    /// The rules, indexed as in [`SecretMatch::rule`].
    pub fn rules(&self) -> &[SecretRule] {
        &self.rules
    }

    /// Hits per keyword in `data` (for tuning rule keywords).
    pub fn keyword_hit_counts(&self, data: &[u8]) -> Vec<(String, usize)> {
        let mut counts = vec![0usize; self.keywords.len()];
        self.for_each_keyword(data, |k, _| counts[k] += 1);
        counts
            .into_iter()
            .enumerate()
            .filter(|(_, n)| *n > 0)
            .map(|(i, n)| (self.keywords[i].to_string(), n))
            .collect()
    }

    /// Heap bytes used by the keyword automaton.
    pub fn automaton_memory(&self) -> usize {
        self.dfa.get_or_init(|| self.build_dfa()).memory_usage()
    }

    /// How many keyword hits `data` has (for benchmarks of the prefilter alone).
    pub fn keyword_hits(&self, data: &[u8]) -> usize {
        let mut n = 0;
        self.for_each_keyword(data, |_, _| n += 1);
        n
    }

    /// Every secret in `data`, once each. `path` selects rules restricted to some paths.
    pub fn scan(&self, data: &[u8], path: Option<&str>) -> Vec<SecretMatch> {
        let mut found = self.scan_all(data, path);
        self.scan_encoded(
            data,
            std::slice::from_ref(&(0..data.len())),
            path,
            &mut found,
        );
        self.one_per_secret(found)
    }

    /// Secrets in the text that base64 runs of `data` overlapping `within` decode to,
    /// each reported at its whole run (see [`super::encoded`]).
    fn scan_encoded(
        &self,
        data: &[u8],
        within: &[Range<usize>],
        path: Option<&str>,
        out: &mut Vec<SecretMatch>,
    ) {
        use super::encoded::{self, Encoding};
        let mut runs = Vec::new();
        let mut found = Vec::new();
        for w in within {
            encoded::runs(data, w.clone(), &mut found);
            runs.extend(found.drain(..).map(|r| (r, Encoding::Base64)));
            encoded::percent_runs(data, w.clone(), &mut found);
            runs.extend(found.drain(..).map(|r| (r, Encoding::Percent)));
        }
        // A run overlapping two of the ranges is listed twice.
        runs.sort_unstable_by_key(|(r, e)| (r.start, r.end, *e as u8));
        runs.dedup();
        for (run, encoding) in runs {
            let bytes = &data[run.clone()];
            let text = match encoding {
                Encoding::Base64 => encoded::decode_base64(bytes),
                Encoding::Percent => encoded::decode_percent(bytes),
            };
            let Some(text) = text else { continue };
            // No decoding inside the decoded text: one level bounds the work.
            for m in self.one_per_secret(self.scan_all(&text, path)) {
                out.push(SecretMatch {
                    rule: m.rule,
                    secret: run.clone(),
                    whole: run.clone(),
                    encoding: Some(encoding),
                });
            }
        }
    }

    /// Every match of every rule, overlapping ones included (what each rule finds on its
    /// own; used to test rules against their examples).
    pub fn scan_all(&self, data: &[u8], path: Option<&str>) -> Vec<SecretMatch> {
        let mut windows: Vec<(usize, Range<usize>)> = Vec::new();
        self.for_each_keyword(data, |k, at| {
            self.open_windows(data, k, at, false, &mut windows);
        });
        self.search_windows(data, path, windows)
    }

    /// The secrets that could touch the byte ranges `near` (sorted, e.g. a change's added
    /// lines): the same matches as [`Scanner::scan`] that overlap them, found by running
    /// the keyword automaton only where a keyword's window could reach those ranges. A
    /// one-line edit of a large file searches a few KiB instead of the whole file.
    pub fn scan_near(
        &self,
        data: &[u8],
        near: &[Range<usize>],
        path: Option<&str>,
    ) -> Vec<SecretMatch> {
        let mut windows: Vec<(usize, Range<usize>)> = Vec::new();
        let main = self.regions(data.len(), near, REACH);
        for region in &main {
            self.for_each_keyword(&data[region.clone()], |k, at| {
                let at = region.start + at.start..region.start + at.end;
                self.open_windows(data, k, at, false, &mut windows);
            });
        }
        for far in self.multiline_automata() {
            // The main pass already found multi-line keywords inside its regions: search
            // only the far reach around them (overlapping them by a keyword's length, so
            // a keyword across the border is seen whole), as far as these keywords'
            // rules reach.
            let far_regions = subtract(
                &self.regions(data.len(), near, far.reach),
                &main,
                self.longest_keyword,
            );
            for region in far_regions {
                // Leftmost search, which skips ahead with a prefilter (an overlapping
                // search steps the automaton over every byte of the far reach, a few
                // dozen KiB per change), restarted one byte past each hit; every keyword
                // found at a hit's start is taken, so the hits are the overlapping ones.
                let hay = &data[region.clone()];
                let mut from = 0;
                while let Some(start) = far.find(hay, from) {
                    for &keyword in &far.keywords {
                        let kw = self.keywords[keyword].as_bytes();
                        if hay
                            .get(start..start + kw.len())
                            .is_some_and(|h| h.eq_ignore_ascii_case(kw))
                        {
                            let at = region.start + start..region.start + start + kw.len();
                            self.open_windows(data, keyword, at, true, &mut windows);
                        }
                    }
                    from = start + 1;
                }
            }
        }
        // A keyword near the change opens windows that may end before it or start after
        // it: their matches cannot touch `near`, and searching them would compile regexes
        // for nothing (keywords are common words in prose and code).
        windows.retain(|(_, w)| touches(near, w));
        // A keyword inside both kinds of region opens the same window twice; merging
        // overlapping windows below makes that harmless.
        let mut found = self.search_windows(data, path, windows);
        self.scan_encoded(data, near, path, &mut found);
        self.one_per_secret(found)
    }

    /// `near`, each range widened by `reach` (before, after) plus a keyword's length,
    /// overlapping results merged.
    fn regions(
        &self,
        len: usize,
        near: &[Range<usize>],
        reach: (usize, usize),
    ) -> Vec<Range<usize>> {
        let mut out: Vec<Range<usize>> = Vec::new();
        for r in near {
            let start = r.start.saturating_sub(reach.0 + self.longest_keyword);
            let end = (r.end + reach.1 + self.longest_keyword).min(len);
            match out.last_mut() {
                Some(last) if start <= last.end => last.end = last.end.max(end),
                _ => out.push(start..end),
            }
        }
        out
    }

    /// The keywords of multi-line rules, grouped by how far their rules reach (a PEM
    /// block's 16 KiB, a continued command line's few KiB), each group with its own
    /// automaton; built on first use.
    fn multiline_automata(&self) -> &[FarKeywords] {
        self.multiline.get_or_init(|| {
            let mut by_reach: std::collections::BTreeMap<(usize, usize), Vec<usize>> =
                Default::default();
            for k in 0..self.keywords.len() {
                let reach = self
                    .rules_of(k)
                    .iter()
                    .map(|&r| &self.rules[r])
                    .filter(|r| r.multiline)
                    .map(|r| (r.window_before, r.window_after))
                    .reduce(|a, b| (a.0.max(b.0), a.1.max(b.1)));
                if let Some(reach) = reach {
                    by_reach.entry(reach).or_default().push(k);
                }
            }
            by_reach
                .into_iter()
                .filter_map(|((before, after), keywords)| {
                    FarKeywords::new(reach_multiline(before, after), keywords, &self.keywords)
                })
                .collect()
        })
    }

    /// The windows a keyword hit opens for the rules it triggers.
    fn open_windows(
        &self,
        data: &[u8],
        keyword: usize,
        hit: Range<usize>,
        multiline_only: bool,
        windows: &mut Vec<(usize, Range<usize>)>,
    ) {
        for &rule in self.rules_of(keyword) {
            let r = &self.rules[rule];
            if multiline_only && !r.multiline {
                continue;
            }
            // A rule whose keyword must stand as its own identifier segment rejects any
            // match that starts at this hit when it does not (`lob` of `blob`, `key` of
            // `monkey`), and its matches start at a keyword, so the window would find
            // nothing another hit's window does not: in git.git's C sources such hits
            // opened two thirds of the windows.
            if !r.keyword_is_segment(data, hit.start) {
                continue;
            }
            let start = if r.multiline {
                // A multi-line match may begin well before its keyword (a YAML
                // `data:` block above `kind: Secret`): start at a line boundary.
                let floor = hit.start.saturating_sub(r.window_before);
                if floor == 0 {
                    0
                } else {
                    memchr::memchr(b'\n', &data[floor..hit.start])
                        .map_or(hit.start, |i| floor + i + 1)
                }
            } else {
                window_start(data, hit.start)
            };
            let end = window_end(data, hit.end, r.window_after);
            windows.push((rule, start..end));
        }
    }

    /// Runs each rule's regex over its windows, overlapping windows of a rule merged so
    /// no byte is searched twice.
    fn search_windows(
        &self,
        data: &[u8],
        path: Option<&str>,
        mut windows: Vec<(usize, Range<usize>)>,
    ) -> Vec<SecretMatch> {
        if windows.is_empty() {
            return Vec::new();
        }
        windows.sort_by_key(|(rule, w)| (*rule, w.start));
        let mut out = Vec::new();
        let mut i = 0;
        while i < windows.len() {
            let (rule, mut w) = windows[i].clone();
            i += 1;
            while i < windows.len() && windows[i].0 == rule && windows[i].1.start <= w.end {
                w.end = w.end.max(windows[i].1.end);
                i += 1;
            }
            let r = &self.rules[rule];
            if !r.applies_to(path) {
                continue;
            }
            self.scan_window(rule, r, data, w, &mut out);
        }
        out
    }

    /// Several rules can find the same secret (a provider rule and the generic one, two
    /// generations of a provider's format): report each secret once, preferring a
    /// specific rule over a fallback, then the longer match, then the earlier rule.
    fn one_per_secret(&self, mut found: Vec<SecretMatch>) -> Vec<SecretMatch> {
        found.sort_by_key(|m| (m.secret.start, m.rule));
        let mut out: Vec<SecretMatch> = Vec::with_capacity(found.len());
        for m in found {
            if let Some(last) = out.last_mut() {
                if m.secret.start < last.secret.end {
                    let key = |x: &SecretMatch| {
                        (
                            !self.rules[x.rule].fallback,
                            x.secret.len(),
                            std::cmp::Reverse(x.rule),
                        )
                    };
                    if key(&m) > key(last) {
                        *last = m;
                    }
                    continue;
                }
            }
            out.push(m);
        }
        out
    }

    fn scan_window(
        &self,
        idx: usize,
        r: &SecretRule,
        data: &[u8],
        w: Range<usize>,
        out: &mut Vec<SecretMatch>,
    ) {
        let hay = &data[w.clone()];
        let re = r.regex(hay.len());
        // The secret is the first participating group named `secret…`, else group 1,
        // else the whole match.
        let groups = re.group_info();
        let named: Vec<usize> = groups
            .pattern_names(PatternID::ZERO)
            .enumerate()
            .filter(|(_, n)| n.is_some_and(|n| n.starts_with("secret")))
            .map(|(i, _)| i)
            .collect();
        let fallback = if groups.group_len(PatternID::ZERO) > 1 {
            1
        } else {
            0
        };
        let mut caps = re.create_captures();
        let mut at = 0;
        while at <= hay.len() {
            // The input keeps the bytes before `at` as context, so `\b` sees them.
            re.search_captures(&Input::new(hay).range(at..), &mut caps);
            let Some(m) = caps.get_match() else {
                break;
            };
            let whole = m.range();
            at = if whole.end > whole.start {
                whole.end
            } else {
                whole.end + 1
            };
            let group = if named.is_empty() {
                caps.get_group(fallback)
            } else {
                named.iter().find_map(|&i| caps.get_group(i))
            };
            let Some(span) = group.or_else(|| caps.get_group(0)) else {
                continue;
            };
            let (s, e) = (span.start, span.end);
            if !r.keyword_is_segment(hay, whole.start) {
                // The match began at a keyword inside a longer word (`api` of `ipapi`):
                // a later keyword in the same text (`ipapi_token = …`) may still open a
                // real match, so search on from just after this one's start.
                at = whole.start + 1;
                continue;
            }
            if s == e || !r.accepts(&hay[s..e]) || repeats_the_name(hay, s, e) {
                continue;
            }
            // The identifier the secret is assigned to starts before the keyword that
            // matched (`public_key` for a match at `key`): include it.
            let mut ctx_start = whole.start;
            while ctx_start > 0
                && whole.start - ctx_start < 64
                && (is_word(hay[ctx_start - 1]) || hay[ctx_start - 1] == b'.')
            {
                ctx_start -= 1;
            }
            let mut context = hay[ctx_start..s].to_vec();
            context.extend_from_slice(&hay[e..whole.end]);
            if !r.context_ok(&context, &hay[s..e]) {
                continue;
            }
            out.push(SecretMatch {
                rule: idx,
                secret: w.start + s..w.start + e,
                whole: w.start + whole.start..w.start + whole.end,
                encoding: None,
            });
        }
    }
}

/// The parts of sorted ranges `outer` not in sorted ranges `inner`, each widened by
/// `overlap` into what was removed.
fn subtract(outer: &[Range<usize>], inner: &[Range<usize>], overlap: usize) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    for o in outer {
        let mut start = o.start;
        for i in inner.iter().filter(|i| i.start < o.end && i.end > o.start) {
            if i.start > start {
                out.push(start..(i.start + overlap).min(o.end));
            }
            start = start.max(i.end.saturating_sub(overlap));
        }
        if start < o.end {
            out.push(start..o.end);
        }
    }
    out
}

/// Start a window at the beginning of the keyword's line, or at most `WINDOW_BEFORE`
/// bytes back, and never inside a word (which would invent a `\b`).
fn window_start(data: &[u8], hit: usize) -> usize {
    let floor = hit.saturating_sub(WINDOW_BEFORE);
    match memchr::memrchr(b'\n', &data[floor..hit]) {
        Some(nl) => floor + nl + 1,
        None => {
            let mut s = floor;
            while s > 0 && s > floor.saturating_sub(64) && is_word(data[s - 1]) {
                s -= 1;
            }
            s
        }
    }
}

/// End a window `after` bytes past the keyword, extended to the end of that line (up to
/// 1 KiB more) so a match is never cut short.
fn window_end(data: &[u8], hit_end: usize, after: usize) -> usize {
    let base = (hit_end + after).min(data.len());
    let cap = (base + 1024).min(data.len());
    match memchr::memchr(b'\n', &data[base..cap]) {
        Some(nl) => base + nl,
        None => cap,
    }
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Documentation's leetspeak passwords are stand-ins; generated values, real words
    /// without leetspeak and passwords that only start like a word are not.
    #[test]
    fn leetspeak_stand_in_passwords() {
        for v in [
            "s3cret",
            "T0pS3cr3t",
            "My-Cust0m_S3cR3T",
            "p@ssw0rd1!",
            "Sup3rS3cr3t2024",
        ] {
            assert!(
                is_stand_in_password(v.to_ascii_lowercase().as_bytes()),
                "{v}"
            );
        }
        for v in [
            "rootpasswd",
            "N7kq2Lm9Vx4Rt",
            "s3cretXq9Lm",
            "Tr0ub4dor&3",
            "abc",
            "secret",
        ] {
            assert!(
                !is_stand_in_password(v.to_ascii_lowercase().as_bytes()),
                "{v}"
            );
        }
    }

    /// Every spelling of a far keyword's head, and only those: a far search finds a
    /// keyword in any case, or a multi-line secret is missed.
    #[test]
    fn far_heads_are_every_spelling() {
        let mut v = case_variants(b"c-Url");
        v.sort();
        let mut want: Vec<Vec<u8>> = Vec::new();
        for c in [b'c', b'C'] {
            for u in [b'u', b'U'] {
                for r in [b'r', b'R'] {
                    for l in [b'l', b'L'] {
                        want.push(vec![c, b'-', u, r, l]);
                    }
                }
            }
        }
        want.sort();
        assert_eq!(v, want);
        assert_eq!(case_variants(b"-----"), vec![b"-----".to_vec()]);
        // The built-in far groups find their keywords written in any case.
        let scanner = super::super::builtin_scanner();
        for far in scanner.multiline_automata() {
            for &k in &far.keywords {
                let kw = scanner.keywords[k].to_ascii_uppercase();
                let hay = format!("xx {kw} yy");
                assert_eq!(far.find(hay.as_bytes(), 0), Some(3), "{kw}");
            }
        }
    }

    /// File-name patterns matched by hand agree with the glob set built from them.
    #[test]
    fn name_patterns_match_as_their_glob_set_does() {
        let patterns = [
            "*.yaml",
            ".env",
            ".env.*",
            "Dockerfile",
            "Dockerfile.*",
            "*.tfvars",
            "nuget.config",
            "*.nuget.config",
            "settings.xml",
            "a*b*c",
            "*",
        ];
        let globs: Vec<String> = patterns.iter().map(|p| format!("**/{p}")).collect();
        let names = PathFilter::names(&globs).expect("all are name patterns");
        let set = PathFilter::Globs(build_paths(&globs).ok().flatten().expect("globs build"));
        let paths = [
            "a.yaml",
            "deploy/A.YAML",
            "x.yaml.bak",
            ".env",
            "app/.env.local",
            "env",
            ".envrc",
            "Dockerfile",
            "ci/dockerfile.dev",
            "Dockerfile2",
            "infra/prod.tfvars",
            "NuGet.Config",
            "src/my.nuget.config",
            "maven/settings.xml",
            "axbxc",
            "dir/abc",
            "dir/a/b/c",
            "yaml",
            "deep/dir/tree/file.txt",
        ];
        for one in 0..=patterns.len() {
            // Each pattern alone, then all together.
            let pick = |v: &[String]| -> Vec<String> {
                if one == patterns.len() {
                    v.to_vec()
                } else {
                    vec![v[one].clone()]
                }
            };
            let names = PathFilter::names(&pick(&globs)).expect("a name pattern");
            let set = PathFilter::Globs(
                build_paths(&pick(&globs))
                    .ok()
                    .flatten()
                    .expect("globs build"),
            );
            for p in paths {
                assert_eq!(
                    names.is_match(p),
                    set.is_match(p),
                    "{:?} on {p}",
                    pick(&globs)
                );
            }
        }
        assert!(names.is_match("x/Dockerfile") && set.is_match("x/Dockerfile"));
        for g in [
            "**/a/b.txt",
            "**/*.{yml,yaml}",
            "**/file?.txt",
            "src/*.rs",
            "**/x/**",
        ] {
            assert!(PathFilter::names(&[g.to_owned()]).is_none(), "{g}");
        }
    }

    /// Every match and group of the successive searches a window makes.
    fn groups_found(re: &Regex, hay: &[u8]) -> Vec<Vec<Option<Range<usize>>>> {
        let mut caps = re.create_captures();
        let mut out = Vec::new();
        let mut at = 0;
        while at <= hay.len() {
            re.search_captures(&Input::new(hay).range(at..), &mut caps);
            let Some(m) = caps.get_match() else { break };
            out.push(
                (0..caps.group_len())
                    .map(|g| caps.get_group(g).map(|s| s.range()))
                    .collect(),
            );
            at = m.end().max(m.start() + 1);
        }
        out
    }

    /// The cheap engines a rule starts with find what the whole engine finds, group for
    /// group, on every example and negative example of every built-in rule, each behind
    /// a line of other text so that matches start mid-input.
    #[test]
    fn light_and_full_engines_find_the_same_groups() {
        let scanner = crate::secrets::builtin_scanner();
        let mut searches = 0;
        for r in scanner.rules() {
            let light = tiered::build(&r.details().source, Engine::Light).unwrap();
            let full = tiered::build(&r.details().source, Engine::Full).unwrap();
            for e in r.examples.iter().chain(&r.negative_examples) {
                let hay = format!("x := f(y) // token\n{e}");
                let found = groups_found(&light, hay.as_bytes());
                assert_eq!(found, groups_found(&full, hay.as_bytes()), "{}: {e}", r.id);
                searches += found.len();
            }
        }
        assert!(searches > 500, "only {searches} matches compared");
    }

    /// Every hit of the automaton, and no other, is found by direct comparison (the
    /// method used for the first KiBs a process scans).
    #[test]
    fn comparing_keywords_finds_what_the_automaton_finds() {
        let scanner = crate::secrets::builtin_scanner();
        let mut text = Vec::new();
        for r in scanner.rules() {
            for e in r.examples.iter().chain(&r.negative_examples) {
                text.extend_from_slice(e.as_bytes());
                text.push(b'\n');
            }
        }
        // Upper case, keywords overlapping each other and cut at the end of the input.
        text.extend_from_slice(b"API_KEY=x XOXB-1 ghp_ghp_ tokentoken Secret_Access_Key\xff\x00ap");
        for case in [&text[..], b"", b"a", &text[text.len() - 7..]] {
            let mut direct = Vec::new();
            scanner.compare_keywords(case, |k, at| direct.push((at.start, at.end, k)));
            let mut automaton: Vec<_> = scanner
                .build(AhoCorasickKind::ContiguousNFA)
                .find_overlapping_iter(case)
                .map(|h| (h.start(), h.end(), h.pattern().as_usize()))
                .collect();
            direct.sort_unstable();
            automaton.sort_unstable();
            assert_eq!(direct, automaton);
            if case.len() > 10_000 {
                assert!(direct.len() > 1_000, "only {} hits", direct.len());
            }
        }
        assert!(text.len() > 10_000);
    }

    /// Base64 of lower-case words is a readable stand-in; base64 of key material, or of a
    /// `user:password` with digits or capitals, is not.
    #[test]
    fn base64_of_words_is_a_stand_in_and_key_material_is_not() {
        assert!(encodes_words(b"YW5vdGhlci10b2tlbg=="));
        assert!(encodes_words(b"YWxpY2U6c2VjcmV0LXBhc3N3ZA=="));
        assert!(
            !encodes_words(b"YWRtaW46UzNjcjN0UEBzcw=="),
            "admin:S3cr3tP@ss"
        );
        assert!(!encodes_words(b"q8vT3nW5xLrZk2mB"));
        assert!(
            !encodes_words(b"YW5vdGhlci10b2tlbg"),
            "not padded to a multiple of 4"
        );
        assert!(!encodes_words(b"not base64!"));
    }

    /// The emulator key every Azurite installation shares is not reported; a real account
    /// key in the same place is.
    #[test]
    fn published_emulator_credentials_are_not_secrets() {
        let scanner = crate::secrets::builtin_scanner();
        let found = |text: &str| !scanner.scan_all(text.as_bytes(), None).is_empty();
        assert!(!found(
            "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;"
        ));
        assert!(found(
            "DefaultEndpointsProtocol=https;AccountName=acmeprod;AccountKey=Qx7Hk2Lp9Vz3Rt6Yw1Nb4Mc8Df5Gs0Ja2Ue7Io3Pk9Wl6Zx1Cv4Bn8Mq2Er5Ty0Ui3Op7As1Dg6Fh9Jk==;"
        ));
    }

    /// A password that repeats its user name is a stand-in; a different one is not.
    #[test]
    fn a_value_repeating_its_name_is_a_stand_in() {
        let scanner = crate::secrets::builtin_scanner();
        let found = |text: &str| !scanner.scan_all(text.as_bytes(), None).is_empty();
        assert!(!found(
            "AUTH_HTTPD_URL=https://user%40host:user%40host@127.0.0.1:8080"
        ));
        assert!(!found(
            "url = https://deploy7:deploy7@git.acme-corp.net/repo.git"
        ));
        assert!(found(
            "url = https://deploy7:Zq8vT3nW5xLr@git.acme-corp.net/repo.git"
        ));
        assert!(found(
            "url = https://xdeploy7:deploy7@git.acme-corp.net/repo.git"
        ));
    }
}
