//! Members of zip archives that are stored without compression: their bytes sit in the
//! archive as they are, so a secret in one is as readable as in a text file, yet the
//! archive as a whole looks binary and would be skipped.
//!
//! Deflated members are not read (the core does no decompression); a stored member is
//! what needs no tool to read, and what a hand-made archive hiding a file contains.

/// Whether `data` starts like a zip archive (a local file header).
pub(crate) fn is_zip(data: &[u8]) -> bool {
    data.starts_with(b"PK\x03\x04")
}

fn u16_at(d: &[u8], at: usize) -> Option<usize> {
    let b = d.get(at..at.checked_add(2)?)?;
    Some(usize::from(u16::from_le_bytes([b[0], b[1]])))
}

fn u32_at(d: &[u8], at: usize) -> Option<usize> {
    let b = d.get(at..at.checked_add(4)?)?;
    usize::try_from(u32::from_le_bytes([b[0], b[1], b[2], b[3]])).ok()
}

/// The stored members of the archive `data`: (name, bytes), in the order their bytes
/// lie in the archive. Anything malformed ends the listing; what was found so far is
/// kept. Members whose bytes overlap an earlier member's are left out: a real archive
/// never has them, and a crafted one (65,535 directory entries naming one megabyte) would
/// otherwise be scanned 65,535 times over, so no byte of the archive is read twice.
pub(crate) fn stored_members(data: &[u8]) -> Vec<(String, &[u8])> {
    let mut found: Vec<(usize, String, &[u8])> = Vec::new();
    listed_members(data, &mut found);
    found.sort_by_key(|m| m.0);
    let mut end = 0;
    let mut out = Vec::with_capacity(found.len());
    for (start, name, bytes) in found {
        if start >= end {
            end = start + bytes.len();
            out.push((name, bytes));
        }
    }
    out
}

fn listed_members<'a>(data: &'a [u8], out: &mut Vec<(usize, String, &'a [u8])>) {
    // The end-of-central-directory record: 22 bytes plus a comment of up to 64 KiB.
    let search_from = data.len().saturating_sub(22 + 0xffff);
    let Some(end) =
        memchr::memmem::rfind(&data[search_from..], b"PK\x05\x06").map(|i| search_from + i)
    else {
        return;
    };
    let (Some(count), Some(mut at)) = (u16_at(data, end + 10), u32_at(data, end + 16)) else {
        return;
    };
    for _ in 0..count {
        if data.get(at..at + 4) != Some(b"PK\x01\x02") {
            break;
        }
        let fields = (
            u16_at(data, at + 10),
            u32_at(data, at + 20),
            u32_at(data, at + 24),
            u16_at(data, at + 28),
            u16_at(data, at + 30),
            u16_at(data, at + 32),
            u32_at(data, at + 42),
        );
        let (
            Some(method),
            Some(packed),
            Some(size),
            Some(name_len),
            Some(extra),
            Some(comment),
            Some(local),
        ) = fields
        else {
            break;
        };
        let name = data
            .get(at + 46..at + 46 + name_len)
            .map(|n| String::from_utf8_lossy(n).into_owned());
        at += 46 + name_len + extra + comment;
        let Some(name) = name else { break };
        if method != 0 || packed != size || name.ends_with('/') {
            continue;
        }
        // The member's own header says how long its name and extra field are there.
        if data.get(local..local + 4) != Some(b"PK\x03\x04") {
            continue;
        }
        let (Some(n), Some(x)) = (u16_at(data, local + 26), u16_at(data, local + 28)) else {
            continue;
        };
        let start = local + 30 + n + x;
        if let Some(bytes) = data.get(start..start.saturating_add(size)) {
            out.push((start, name, bytes));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A zip with one stored member and one "deflated" one (its bytes are not read).
    pub(crate) fn zip(members: &[(&str, &[u8], u16)]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut central = Vec::new();
        for (name, body, method) in members {
            let local = out.len() as u32;
            let header = |sig: &[u8], central: bool| {
                let mut h = sig.to_vec();
                if central {
                    h.extend_from_slice(&20u16.to_le_bytes());
                }
                h.extend_from_slice(&20u16.to_le_bytes());
                h.extend_from_slice(&0u16.to_le_bytes());
                h.extend_from_slice(&method.to_le_bytes());
                h.extend_from_slice(&[0; 8]);
                h.extend_from_slice(&(body.len() as u32).to_le_bytes());
                h.extend_from_slice(&(body.len() as u32).to_le_bytes());
                h.extend_from_slice(&(name.len() as u16).to_le_bytes());
                h.extend_from_slice(&0u16.to_le_bytes());
                h
            };
            out.extend(header(b"PK\x03\x04", false));
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(body);
            central.extend(header(b"PK\x01\x02", true));
            central.extend_from_slice(&[0; 10]);
            central.extend_from_slice(&local.to_le_bytes());
            central.extend_from_slice(name.as_bytes());
        }
        let cd = out.len() as u32;
        out.extend_from_slice(&central);
        out.extend_from_slice(b"PK\x05\x06");
        out.extend_from_slice(&[0; 4]);
        out.extend_from_slice(&(members.len() as u16).to_le_bytes());
        out.extend_from_slice(&(members.len() as u16).to_le_bytes());
        out.extend_from_slice(&(central.len() as u32).to_le_bytes());
        out.extend_from_slice(&cd.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out
    }

    #[test]
    fn lists_stored_members_only() {
        let data = zip(&[
            ("a/config.env", b"TOKEN=abc\n", 0),
            ("b.bin", b"\x78\x9c packed", 8),
            ("c.txt", b"plain\n", 0),
        ]);
        assert!(is_zip(&data));
        let members = stored_members(&data);
        let names: Vec<&str> = members.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["a/config.env", "c.txt"]);
        assert_eq!(members[0].1, b"TOKEN=abc\n");
        // Truncated or garbled archives give what they can, never a panic.
        for cut in 0..data.len() {
            let _ = stored_members(&data[..cut]);
        }
        let mut garbled = data.clone();
        garbled[data.len() - 6] = 0xff;
        let _ = stored_members(&garbled);
    }

    #[test]
    fn directory_entries_naming_the_same_bytes_are_read_once() {
        let names: Vec<String> = (0..2000).map(|i| format!("m{i:04}")).collect();
        let members: Vec<(&str, &[u8], u16)> = names
            .iter()
            .map(|n| (n.as_str(), &b"TOKEN=abc\n"[..], 0))
            .collect();
        let mut data = zip(&members);
        // Point every directory entry (46 bytes and a 5-byte name each) at the first
        // member's header, as an overlapping-file bomb does.
        let cd = u32_at(&data, data.len() - 6).expect("directory offset");
        for i in 0..names.len() {
            let at = cd + i * 51 + 42;
            data[at..at + 4].copy_from_slice(&0u32.to_le_bytes());
        }
        let members = stored_members(&data);
        assert_eq!(members.len(), 1);
        assert_eq!(members[0].1, b"TOKEN=abc\n");
    }
}
