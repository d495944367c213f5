//! The keyword index of a set of rules: each distinct keyword once with the rules it
//! belongs to, and the keywords grouped by their first two bytes.
//!
//! Plain `std` code, because build.rs includes this file too: it indexes the built-in
//! rules when the crate is built, so a process does not sort 2,000 keywords before its
//! first byte (a third of a millisecond of every pre-commit run); a scanner with custom
//! rules indexes them at run time with the same function, and a unit test checks the two
//! agree on the built-in rules.

/// The bit of a two-byte keyword start, ASCII case folded.
pub(crate) fn pair_index(a: u8, b: u8) -> usize {
    usize::from(a.to_ascii_lowercase()) << 8 | usize::from(b.to_ascii_lowercase())
}

/// See the module documentation.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct KeywordIndex {
    /// Each distinct keyword, sorted, as where it first occurs: (rule, position in that
    /// rule's keywords).
    pub(crate) keywords: Vec<(usize, usize)>,
    /// For each keyword, the rules it triggers...
    pub(crate) keyword_rules: Vec<usize>,
    /// ...from `keyword_rules_at[k]` to `keyword_rules_at[k + 1]`.
    pub(crate) keyword_rules_at: Vec<u32>,
    /// The keywords ordered by their first two bytes, then by index...
    pub(crate) pair_order: Vec<u32>,
    /// ...in groups: (pair, range in `pair_order`), sorted by pair.
    pub(crate) by_pair: Vec<(u16, u32, u32)>,
}

/// The index of rules with these keywords, rule by rule (lower case, at least two bytes
/// each: rule compilation checks both).
pub(crate) fn build<K: AsRef<str>>(rules: &[&[K]]) -> KeywordIndex {
    // Sorted by the first eight bytes as a number first, computed once per pair: one
    // comparison settles almost every pair, where comparing the strings cost a call each
    // (keywords hold no NUL, so the zero padding keeps the order of the strings).
    // Sorting ~2,000 pairs is cheaper than hashing them.
    let head = |k: &str| {
        let mut b = [0u8; 8];
        let n = k.len().min(8);
        b[..n].copy_from_slice(&k.as_bytes()[..n]);
        u64::from_be_bytes(b)
    };
    let mut pairs: Vec<(u64, &str, usize, usize)> = rules
        .iter()
        .enumerate()
        .flat_map(|(rule, keywords)| {
            keywords.iter().enumerate().map(move |(slot, k)| {
                let k = k.as_ref();
                (head(k), k, rule, slot)
            })
        })
        .collect();
    pairs.sort_unstable();
    // A keyword listed twice by one rule triggers it once.
    pairs.dedup_by(|b, a| (a.1, a.2) == (b.1, b.2));
    let mut keywords: Vec<(usize, usize)> = Vec::new();
    let mut keyword_rules: Vec<usize> = Vec::with_capacity(pairs.len());
    let mut keyword_rules_at: Vec<u32> = Vec::new();
    for (at, &(_, k, rule, slot)) in pairs.iter().enumerate() {
        if at == 0 || pairs[at - 1].1 != k {
            keywords.push((rule, slot));
            keyword_rules_at.push(keyword_rules.len() as u32);
        }
        keyword_rules.push(rule);
    }
    keyword_rules_at.push(keyword_rules.len() as u32);
    // Grouping by one byte left ~25 keywords to compare at every candidate position of
    // ordinary code; by two, one or two.
    let pair_of = |k: u32| {
        let (rule, slot) = keywords[k as usize];
        let k = rules[rule][slot].as_ref().as_bytes();
        pair_index(k[0], k[1]) as u16
    };
    let mut pair_order: Vec<u32> = (0..keywords.len() as u32).collect();
    pair_order.sort_unstable_by_key(|&k| (pair_of(k), k));
    let mut by_pair: Vec<(u16, u32, u32)> = Vec::new();
    for (at, &k) in pair_order.iter().enumerate() {
        let pair = pair_of(k);
        match by_pair.last_mut() {
            Some(last) if last.0 == pair => last.2 += 1,
            _ => by_pair.push((pair, at as u32, at as u32 + 1)),
        }
    }
    KeywordIndex {
        keywords,
        keyword_rules,
        keyword_rules_at,
        pair_order,
        by_pair,
    }
}
