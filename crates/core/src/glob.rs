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
