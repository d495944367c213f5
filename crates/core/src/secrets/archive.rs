//! Members of zip archives (stored or deflated) and the content of gzip files: a secret
//! in a committed `.zip`, `.jar` or `.gz` is as leaked as one in a text file, yet the
//! archive as a whole looks binary and would be skipped.
//!
//! Inflating is bounded, against archive bombs: a member is inflated only up to the size
//! its directory entry declares and at most [`MEMBER_LIMIT`], an archive's members
//! together to [`ARCHIVE_LIMIT`], and archives inside archives are not opened.

use std::borrow::Cow;

/// The most bytes one member (or a gzip file's content) is inflated to; a member that
/// declares or reaches more is not read.
pub(crate) const MEMBER_LIMIT: usize = 16 << 20;
/// The most bytes all the members of one archive are inflated to together.
pub(crate) const ARCHIVE_LIMIT: usize = 64 << 20;

/// Whether `data` starts like a zip archive (a local file header).
pub(crate) fn is_zip(data: &[u8]) -> bool {
    data.starts_with(b"PK\x03\x04")
}

/// Whether `data` starts like a gzip file (magic and the deflate method).
pub(crate) fn is_gzip(data: &[u8]) -> bool {
    data.starts_with(&[0x1f, 0x8b, 0x08])
}

fn u16_at(d: &[u8], at: usize) -> Option<usize> {
    let b = d.get(at..at.checked_add(2)?)?;
    Some(usize::from(u16::from_le_bytes([b[0], b[1]])))
}

fn u32_at(d: &[u8], at: usize) -> Option<usize> {
    let b = d.get(at..at.checked_add(4)?)?;
    usize::try_from(u32::from_le_bytes([b[0], b[1], b[2], b[3]])).ok()
}

/// A raw deflate stream inflated to at most `limit` bytes; `None` if it is corrupt or
/// would be longer.
fn inflate(packed: &[u8], limit: usize) -> Option<Vec<u8>> {
    miniz_oxide::inflate::decompress_to_vec_with_limit(packed, limit).ok()
}

/// The readable content of the archive `data` (a zip or a gzip file): (name, bytes).
/// For a gzip file that is one entry, named as the file's header names it (else empty).
pub(crate) fn members(data: &[u8]) -> Vec<(String, Cow<'_, [u8]>)> {
    if is_gzip(data) {
        return gzip_content(data).into_iter().collect();
    }
    zip_members(data)
}

/// A gzip file's first member: its stored name and its inflated bytes.
fn gzip_content(data: &[u8]) -> Option<(String, Cow<'_, [u8]>)> {
    let flags = *data.get(3)?;
    let mut at = 10;
    if flags & 0x04 != 0 {
        at += 2 + u16_at(data, at)?;
    }
    let mut name = String::new();
    if flags & 0x08 != 0 {
        let len = memchr::memchr(0, data.get(at..)?)?;
        name = String::from_utf8_lossy(&data[at..at + len]).into_owned();
        at += len + 1;
    }
    if flags & 0x10 != 0 {
        at += memchr::memchr(0, data.get(at..)?)? + 1;
    }
    if flags & 0x02 != 0 {
        at += 2;
    }
    let content = inflate(data.get(at..)?, MEMBER_LIMIT)?;
    Some((name, Cow::Owned(content)))
}

/// The members of a zip archive, stored ones as they lie in it and deflated ones
/// inflated, in the order their bytes lie in the archive. Anything malformed ends the
/// listing; what was found so far is kept. Members whose bytes overlap an earlier
/// member's are left out: a real archive never has them, and a crafted one (65,535
/// directory entries naming one megabyte) would otherwise be read 65,535 times over, so
/// no byte of the archive is read twice.
fn zip_members(data: &[u8]) -> Vec<(String, Cow<'_, [u8]>)> {
    let mut found: Vec<Listed<'_>> = Vec::new();
    listed_members(data, &mut found);
    found.sort_by_key(|m| m.start);
    let mut end = 0;
    let mut budget = ARCHIVE_LIMIT;
    let mut out = Vec::with_capacity(found.len());
    for m in found {
        if m.start < end {
            continue;
        }
        end = m.start + m.packed.len();
        if !m.deflated {
            out.push((m.name, Cow::Borrowed(m.packed)));
            continue;
        }
        let limit = m.size.min(MEMBER_LIMIT).min(budget);
        if m.size > limit {
            continue;
        }
        if let Some(bytes) = inflate(m.packed, limit) {
            budget -= bytes.len();
            out.push((m.name, Cow::Owned(bytes)));
        }
    }
    out
}

/// A member as the archive's directory lists it.
struct Listed<'a> {
    start: usize,
    name: String,
    packed: &'a [u8],
    /// The uncompressed size the directory declares.
    size: usize,
    deflated: bool,
}

fn listed_members<'a>(data: &'a [u8], out: &mut Vec<Listed<'a>>) {
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
        let stored = method == 0 && packed == size;
        if !(stored || method == 8) || name.ends_with('/') {
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
        if let Some(packed) = data.get(start..start.saturating_add(packed)) {
            out.push(Listed {
                start,
                name,
                packed,
                size,
                deflated: !stored,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A zip of `(name, bytes, method)`: method 0 stores the bytes, 8 deflates them.
    pub(crate) fn zip(members: &[(&str, &[u8], u16)]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut central = Vec::new();
        for (name, plain, method) in members {
            let packed;
            let body: &[u8] = if *method == 8 {
                packed = miniz_oxide::deflate::compress_to_vec(plain, 6);
                &packed
            } else {
                plain
            };
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
                h.extend_from_slice(&(plain.len() as u32).to_le_bytes());
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
    fn lists_stored_and_deflated_members() {
        let data = zip(&[
            ("a/config.env", b"TOKEN=abc\n", 0),
            ("b.txt", b"deflated TOKEN=def\n", 8),
            ("c.bin", b"\x78\x9c not a method we read", 12),
            ("d.txt", b"plain\n", 0),
        ]);
        assert!(is_zip(&data));
        let members = members(&data);
        let names: Vec<&str> = members.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["a/config.env", "b.txt", "d.txt"]);
        assert_eq!(&*members[0].1, b"TOKEN=abc\n");
        assert_eq!(&*members[1].1, b"deflated TOKEN=def\n");
        // Truncated or garbled archives give what they can, never a panic.
        for cut in 0..data.len() {
            let _ = super::members(&data[..cut]);
        }
        let mut garbled = data.clone();
        garbled[data.len() - 6] = 0xff;
        let _ = super::members(&garbled);
        for i in 0..data.len() {
            let mut flipped = data.clone();
            flipped[i] ^= 0x5a;
            let _ = super::members(&flipped);
        }
    }

    /// A member is inflated only to the size it declares, and never past the limits: a
    /// small deflate stream of a gigabyte of zeros is not read.
    #[test]
    fn inflating_is_bounded() {
        let big = vec![0u8; MEMBER_LIMIT + 1];
        let data = zip(&[("bomb.txt", &big, 8), ("ok.txt", b"fine\n", 8)]);
        let names: Vec<String> = members(&data).into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["ok.txt"]);
        // A directory that understates a member's size gets no more than it declared.
        let mut lying = zip(&[("small.txt", &vec![b'a'; 4096], 8)]);
        let cd = u32_at(&lying, lying.len() - 6).expect("directory offset");
        lying[cd + 24..cd + 28].copy_from_slice(&16u32.to_le_bytes());
        assert!(members(&lying).is_empty());
        // Together, members stop at the archive's budget.
        let part = vec![b'x'; MEMBER_LIMIT];
        let names: Vec<String> = (0..6).map(|i| format!("p{i}")).collect();
        let list: Vec<(&str, &[u8], u16)> =
            names.iter().map(|n| (n.as_str(), &part[..], 8)).collect();
        let read = members(&zip(&list)).len();
        assert_eq!(read, ARCHIVE_LIMIT / MEMBER_LIMIT);
    }

    #[test]
    fn a_gzip_file_is_its_inflated_content() {
        let plain = b"export TOKEN=abc\n";
        let mut gz = vec![0x1f, 0x8b, 0x08, 0x08, 0, 0, 0, 0, 0, 3];
        gz.extend_from_slice(b"deploy.sh\0");
        gz.extend(miniz_oxide::deflate::compress_to_vec(plain, 6));
        gz.extend_from_slice(&[0; 8]);
        assert!(is_gzip(&gz));
        let m = members(&gz);
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].0, "deploy.sh");
        assert_eq!(&*m[0].1, plain);
        for cut in 0..gz.len() {
            let _ = members(&gz[..cut]);
        }
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
        let read = super::members(&data);
        assert_eq!(read.len(), 1);
        assert_eq!(&*read[0].1, b"TOKEN=abc\n");
    }
}
