//! The keyword pass over large inputs, as several searches run in lockstep.
//!
//! A DFA search is a chain of dependent table lookups: each state is known only once
//! the previous one is loaded, so the CPU spends most of each byte waiting on memory
//! (the keyword DFA is a few MiB, larger than a core's L2). Splitting the input into
//! [`STREAMS`] parts and advancing one search per part at every step gives the CPU
//! that many independent chains to overlap; on the keyword pack this is ~1.4× the
//! throughput of one search, with the same matches.

use std::ops::Range;

use aho_corasick::automaton::{Automaton, OverlappingState};
use aho_corasick::dfa::DFA;
use aho_corasick::{Anchored, Input, PatternID};

/// Searches run side by side (more spill registers and gain nothing on two cores).
const STREAMS: usize = 4;
// The lockstep loop below zips exactly four parts.
const _: () = assert!(STREAMS == 4);

/// Below this many bytes per stream the single search is as fast (and simpler).
const MIN_PER_STREAM: usize = 512;

/// Calls `f(pattern, range)` for every match of `dfa` in `hay`, overlapping ones
/// included (the same set as `try_find_overlapping`, not in the same order).
/// `longest` is the length of the longest pattern.
pub(super) fn overlapping_hits(
    dfa: &DFA,
    hay: &[u8],
    longest: usize,
    mut f: impl FnMut(usize, Range<usize>),
) {
    let per = hay.len() / STREAMS;
    let start = dfa.start_state(Anchored::No);
    let (true, Ok(start)) = (per >= MIN_PER_STREAM.max(longest), start) else {
        return one_search(dfa, hay, &mut f);
    };
    // Stream k owns the matches that start in [k * per, (k + 1) * per) (the last one
    // to the end). Starting fresh at k * per it finds every match starting there or
    // later; running `longest - 1` bytes past its part it sees each of its own to the
    // end. Matches it finds beyond its part belong to the next stream, which finds them
    // too.
    let parts: [&[u8]; STREAMS] = std::array::from_fn(|k| &hay[k * per..(k + 1) * per]);
    let mut state = [start; STREAMS];
    let mut found: [Vec<(PatternID, usize)>; STREAMS] = Default::default();
    for (i, bytes) in parts[0]
        .iter()
        .zip(parts[1])
        .zip(parts[2])
        .zip(parts[3])
        .map(|(((a, b), c), d)| [*a, *b, *c, *d])
        .enumerate()
    {
        for k in 0..STREAMS {
            state[k] = dfa.next_state(Anchored::No, state[k], bytes[k]);
            if dfa.is_special(state[k]) {
                record(dfa, state[k], k * per + i + 1, &mut found[k]);
            }
        }
    }
    for (k, found) in found.iter_mut().enumerate() {
        let owned_end = if k + 1 == STREAMS {
            hay.len()
        } else {
            (k + 1) * per
        };
        let tail_end = if k + 1 == STREAMS {
            hay.len()
        } else {
            (owned_end + longest - 1).min(hay.len())
        };
        let mut s = state[k];
        for (at, &b) in hay[(k + 1) * per..tail_end].iter().enumerate() {
            s = dfa.next_state(Anchored::No, s, b);
            if dfa.is_special(s) {
                record(dfa, s, (k + 1) * per + at + 1, found);
            }
        }
        for &(pattern, end) in found.iter() {
            let begin = end - dfa.pattern_len(pattern);
            if begin < owned_end {
                f(pattern.as_usize(), begin..end);
            }
        }
    }
}

/// The patterns matching at `state`, which the search reached at `end`.
fn record(
    dfa: &DFA,
    state: aho_corasick::automaton::StateID,
    end: usize,
    out: &mut Vec<(PatternID, usize)>,
) {
    // A special state is a match, dead or start state; only matches carry patterns.
    if dfa.is_match(state) {
        for i in 0..dfa.match_len(state) {
            out.push((dfa.match_pattern(state, i), end));
        }
    }
}

/// The crate's own overlapping search, for inputs too small to split.
fn one_search(dfa: &DFA, hay: &[u8], f: &mut impl FnMut(usize, Range<usize>)) {
    let input = Input::new(hay);
    let mut state = OverlappingState::start();
    // An unanchored search of a DFA built for unanchored searches cannot fail.
    while let Ok(()) = dfa.try_find_overlapping(&input, &mut state) {
        let Some(m) = state.get_match() else { break };
        f(m.pattern().as_usize(), m.range());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aho_corasick::{AhoCorasick, MatchKind};

    fn all_hits(dfa: &DFA, hay: &[u8], longest: usize) -> Vec<(usize, usize, usize)> {
        let mut out = Vec::new();
        overlapping_hits(dfa, hay, longest, |p, r| out.push((r.start, r.end, p)));
        out.sort_unstable();
        out
    }

    /// On random text sown with keywords (many across the borders of the parts, and at
    /// both ends), the interleaved search finds exactly what one search finds.
    #[test]
    fn interleaved_search_finds_what_one_search_finds() {
        let keywords = [
            "key",
            "api_key",
            "token",
            "ghp_",
            "xoxb-",
            "secret",
            "secret_access_key",
            "ke",
            "aaaa",
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        ];
        let longest = keywords.iter().map(|k| k.len()).max().unwrap_or(0);
        let dfa = aho_corasick::dfa::Builder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(keywords)
            .unwrap();
        let reference = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(keywords)
            .unwrap();
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut compared = 0;
        for len in [
            0,
            1,
            100,
            4 * MIN_PER_STREAM - 1,
            4 * MIN_PER_STREAM,
            70_001,
            200_003,
        ] {
            let mut hay: Vec<u8> = (0..len)
                .map(|_| b"aeky_-Tx \n"[(next() % 10) as usize])
                .collect();
            for _ in 0..len / 50 {
                let k = keywords[(next() % keywords.len() as u64) as usize].as_bytes();
                let at = (next() as usize) % len.max(1);
                let end = (at + k.len()).min(len);
                hay[at..end].copy_from_slice(&k[..end - at]);
            }
            // Keywords straddling each border between parts, and at both ends.
            let per = len / STREAMS;
            for k in 1..STREAMS {
                for (shift, kw) in [(1, "secret_access_key"), (3, "api_key"), (2, "xoxb-")] {
                    let at = (k * per).saturating_sub(shift);
                    if at + kw.len() <= len {
                        hay[at..at + kw.len()].copy_from_slice(kw.as_bytes());
                    }
                }
            }
            if len >= 20 {
                hay[..5].copy_from_slice(b"TOKEN");
                hay[len - 3..].copy_from_slice(b"KEY");
            }
            let mut want: Vec<_> = reference
                .find_overlapping_iter(&hay)
                .map(|m| (m.start(), m.end(), m.pattern().as_usize()))
                .collect();
            want.sort_unstable();
            let got = all_hits(&dfa, &hay, longest);
            assert_eq!(got, want, "length {len}");
            compared += want.len();
        }
        assert!(compared > 5_000, "only {compared} hits compared");
    }
}
