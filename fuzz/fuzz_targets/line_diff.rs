//! The line diff of a modified file: added lines, changed regions and line counts.
//!
//! Small inputs become long files: the first bytes pick a base text of up to a few
//! thousand lines (unique lines mixed with `}`, blank and repeated ones, which mislead
//! anchor searches), the rest is a script of edits (insert, delete, replace, move a
//! block, duplicate a block). Every result must be a valid diff of the two texts: the
//! lines it keeps appear in the old text in order, each added line is where it says and
//! inside a changed region, and the counts agree.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scopecheck_core::{looks_binary, mostly_text, ChangeStatus, Content, FileChange, FileMode, Side};

fn side(d: &[u8]) -> Side {
    Side {
        id: String::new(),
        mode: FileMode::Regular,
        size: d.len() as u64,
        content: Content::Loaded(d.to_vec().into()),
    }
}

fn base_line(i: usize, seed: u8) -> Vec<u8> {
    let h = (i as u32).wrapping_mul(2_654_435_761) ^ u32::from(seed);
    match h % 7 {
        0 => b"}\n".to_vec(),
        1 => b"\n".to_vec(),
        2 => format!("    return value_{};\n", h % 13).into_bytes(),
        _ => format!("    let line_{i} = compute({}, \"text\");\n", i / 3).into_bytes(),
    }
}

/// Old and new texts from `data`: a base text and a script of edits.
fn texts(data: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    let (head, script) = data.split_at_checked(3)?;
    let n = 1 + usize::from(u16::from_le_bytes([head[0], head[1]])) % 3000;
    let old: Vec<Vec<u8>> = (0..n).map(|i| base_line(i, head[2])).collect();
    let mut new = old.clone();
    for op in script.chunks_exact(4) {
        let at = usize::from(u16::from_le_bytes([op[1], op[2]])) % (new.len() + 1);
        let len = 1 + usize::from(op[3]) % 40;
        let end = (at + len).min(new.len());
        match op[0] % 5 {
            0 => new.insert(at, [&op[1..], b"\n"].concat()),
            1 => {
                new.drain(at..end);
            }
            2 if at < new.len() => new[at] = [&op[..], b"\r\n"].concat(),
            3 => {
                let block: Vec<Vec<u8>> = new.drain(at..end).collect();
                let to = usize::from(op[3]).wrapping_mul(31) % (new.len() + 1);
                new.splice(to..to, block);
            }
            _ => {
                let block: Vec<Vec<u8>> = new[at..end].to_vec();
                new.splice(end..end, block);
            }
        }
    }
    let (mut old, mut new) = (old.concat(), new.concat());
    // Sometimes without a final newline.
    if head[2] & 1 == 1 {
        old.pop();
    }
    if head[2] & 2 == 2 {
        new.pop();
    }
    Some((old, new))
}

fuzz_target!(|data: &[u8]| {
    let Some((old, new)) = texts(data) else {
        return;
    };
    let c = FileChange::new(
        "f.rs",
        None,
        ChangeStatus::Modified,
        Some(side(&old)),
        Some(side(&new)),
    );
    let added = c.added_lines();
    let regions = c.changed_regions();
    for l in added {
        assert_eq!(&new[l.offset..l.offset + l.text.len()], &l.text[..]);
        assert!(
            regions
                .iter()
                .any(|r| r.start <= l.offset && l.offset + l.text.len() <= r.end),
            "added line {} outside the changed regions",
            l.line
        );
    }
    for w in regions.windows(2) {
        assert!(w[0].end <= w[1].start, "regions overlap or are unsorted");
    }
    // A binary side is not diffed line by line: nothing more to compare.
    let binary = |t: &[u8]| looks_binary(t) && !mostly_text(t);
    if binary(&old) || binary(&new) {
        return;
    }
    let lines = |t: &[u8]| -> Vec<Vec<u8>> { t.split_inclusive(|&b| b == b'\n').map(<[u8]>::to_vec).collect() };
    let (ol, nl) = (lines(&old), lines(&new));
    let numbers: Vec<u32> = added.iter().map(|l| l.line).collect();
    let mut kept = nl
        .iter()
        .enumerate()
        .filter(|(i, _)| numbers.binary_search(&(*i as u32 + 1)).is_err())
        .map(|(_, l)| l);
    let mut next = kept.next();
    for l in &ol {
        if next == Some(l) {
            next = kept.next();
        }
    }
    assert!(next.is_none(), "a line the diff keeps is not in the old text in order");
    let (adds, dels) = c.line_stats();
    assert_eq!(adds, added.len());
    assert_eq!(
        adds as isize - dels as isize,
        nl.len() as isize - ol.len() as isize
    );
});
