//! A rule's regex, built for as much searching as it has done so far.
//!
//! Most runs (a pre-commit of a few files) search a rule in a handful of windows of a
//! few hundred bytes. For those, building the regex crate's whole engine (lazy DFAs in
//! both directions, a one-pass DFA, a literal prefilter) costs far more than the search:
//! 1.6 ms for `database-url-password`, whose counted repetitions and case-insensitive
//! alternation make large automata, in a 16 ms pre-commit. So a rule first gets the NFA
//! with only the bounded backtracker and the PikeVM, about five times cheaper to build,
//! and the whole engine once it has searched enough bytes for faster search to pay for
//! the build, as in a range or history scan. Both are one regex run by different
//! engines, so they find the same matches with the same groups.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use regex_automata::meta::{self, Regex};
use regex_automata::util::syntax;
use regex_automata::MatchKind;

/// Bytes a rule searches with the cheap engines before it gets the whole one. The
/// backtracker runs at a few dozen MB/s on the generic rules' patterns: with 256 KiB,
/// `generic-api-key` spent ~70 ms on a range of git.git (43 ms with 32 KiB), finding
/// nothing in 2,690 of its 2,735 windows, and the whole range took 1.12× as long. A
/// pre-commit rarely searches that much with one rule, so it keeps the cheap build.
const FULL_AFTER_BYTES: usize = 32 << 10;

/// Upper bound on a compiled rule's size: a custom rule cannot make scanning explode.
pub(crate) const REGEX_SIZE_LIMIT: usize = 4 << 20;

/// How much of the engine to build.
#[derive(Clone, Copy)]
pub(crate) enum Engine {
    /// NFA, bounded backtracker and PikeVM: cheap to build, slow per byte.
    Light,
    /// Everything the regex crate builds, prefilter and lazy DFAs included.
    Full,
}

/// Compiles `source` as the scanner's byte regexes are: no Unicode classes, matching
/// arbitrary bytes, leftmost-first as the regex crate.
pub(crate) fn build(source: &str, engine: Engine) -> Result<Regex, Box<meta::BuildError>> {
    let mut config = meta::Config::new()
        .match_kind(MatchKind::LeftmostFirst)
        .utf8_empty(false)
        .nfa_size_limit(Some(REGEX_SIZE_LIMIT));
    config = match engine {
        Engine::Light => config
            .auto_prefilter(false)
            .hybrid(false)
            .dfa(false)
            .onepass(false),
        Engine::Full => config.hybrid_cache_capacity(2 << 20),
    };
    meta::Builder::new()
        .configure(config)
        .syntax(syntax::Config::new().unicode(false).utf8(false))
        .build(source)
        .map_err(Box::new)
}

/// A regex built on first use, cheaply, and again whole once it has searched
/// [`FULL_AFTER_BYTES`].
#[derive(Debug, Default)]
pub(crate) struct Tiered {
    light: OnceLock<Regex>,
    full: OnceLock<Regex>,
    searched: AtomicUsize,
}

impl Tiered {
    /// The regex to search `len` more bytes with. `source` must compile: it was checked
    /// when the rule was (custom rules) or by the test suite (built-in ones).
    pub(crate) fn get(&self, source: &str, id: &str, len: usize) -> &Regex {
        if let Some(full) = self.full.get() {
            return full;
        }
        let total = self
            .searched
            .fetch_add(len, Ordering::Relaxed)
            .saturating_add(len);
        let (cell, engine) = if total < FULL_AFTER_BYTES {
            (&self.light, Engine::Light)
        } else {
            (&self.full, Engine::Full)
        };
        cell.get_or_init(|| {
            // The whole engine also compiles the regex reversed, which the size limit
            // could refuse where the forward one passed: the cheap engines then stay.
            build(source, engine)
                .or_else(|_| build(source, Engine::Light))
                .unwrap_or_else(|e| panic!("rule {id}: {e}"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_whole_engine_is_built_once_enough_bytes_were_searched() {
        let tiered = Tiered::default();
        let re = tiered.get("a+b", "test", 100);
        assert!(re.is_match("xaab"));
        assert!(tiered.light.get().is_some() && tiered.full.get().is_none());
        tiered.get("a+b", "test", FULL_AFTER_BYTES);
        assert!(tiered.full.get().is_some());
        // From then on the whole engine answers, whatever the size.
        assert!(std::ptr::eq(
            tiered.get("a+b", "test", 1),
            tiered.full.get().unwrap()
        ));
    }

    #[test]
    fn bad_regexes_and_oversized_ones_are_errors() {
        assert!(build("(unclosed", Engine::Light).is_err());
        assert!(build("[a-z]{1000}{1000}", Engine::Light).is_err());
    }
}
