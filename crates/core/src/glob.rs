//! Repository-path globs, read the same way by every setting that takes one.

use globset::{Glob, GlobBuilder};

/// Compiles a repository-path glob the way every scopecheck path setting reads it:
/// `/` is a real separator (`*` stays within a directory, `**` crosses them), and a
/// pattern without `/` matches a file name at any depth, as in `.gitignore`.
pub fn path_glob(pattern: &str) -> Result<Glob, globset::Error> {
    let anchored = pattern.trim_start_matches('/');
    let full = if pattern.contains('/') {
        anchored.to_owned()
    } else {
        format!("**/{anchored}")
    };
    GlobBuilder::new(&full)
        .literal_separator(true)
        .backslash_escape(true)
        .build()
}

/// Whether the last component of `path` matches the file-name `pattern` (no `/`), as
/// globset matches `**/pattern` with `*` not crossing `/`; case-sensitive, so callers
/// lower-case both.
pub(crate) fn name_matches(pattern: &str, path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    wildcard(pattern.as_bytes(), name.as_bytes())
}

/// `*` matches any run of bytes; everything else matches itself.
fn wildcard(pattern: &[u8], name: &[u8]) -> bool {
    let mut parts = pattern.split(|&b| b == b'*');
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = name.strip_prefix(first) else {
        return false;
    };
    let mut parts: Vec<&[u8]> = parts.collect();
    let Some(last) = parts.pop() else {
        // No `*`: the whole name.
        return rest.is_empty();
    };
    // Each middle literal at its first occurrence leaves the most room for the rest.
    for part in parts {
        match memchr::memmem::find(rest, part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.ends_with(last)
}
