//! The files a check reads besides those a change touches (the configuration that
//! declares where migrations live), as of the change's new side: the index for a staged
//! change, the new tree for a commit or a range.

use gix::bstr::{BStr, ByteSlice};
use gix::index::entry::Mode;
use gix::ObjectId;
use scopecheck_core::checks::migrations::{wanted_dirs, CONFIG_FILES};
use scopecheck_core::ChangeSet;

use crate::diff::{self, Src};
use crate::packs::Read;
use crate::Error;

/// A configuration file larger than this is not read: none is, and reading one must not
/// cost what a change's own files may.
const LIMIT: u64 = 1 << 20;

/// Each directory the checks ask about and every directory above it, root last.
fn directories(changes: &ChangeSet) -> Vec<String> {
    let wanted = wanted_dirs(changes);
    if wanted.is_empty() {
        return Vec::new();
    }
    let mut dirs = vec![String::new()];
    for dir in wanted {
        let mut d = dir.as_str();
        while !d.is_empty() {
            dirs.push(d.to_owned());
            d = d.rsplit_once('/').map_or("", |(parent, _)| parent);
        }
    }
    dirs.sort();
    dirs.dedup();
    dirs
}

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_owned()
    } else {
        format!("{dir}/{name}")
    }
}

/// Whether the change itself holds `path` (its contents then come from the change).
fn in_change(changes: &ChangeSet, path: &str) -> bool {
    changes.files.iter().any(|f| f.path == path)
}

/// Fills `changes.context` from the index.
pub(crate) fn from_index(
    src: &Src<'_>,
    index: &gix::index::File,
    changes: &mut ChangeSet,
) -> Result<(), Error> {
    let mut found = Vec::new();
    for dir in directories(changes) {
        for name in CONFIG_FILES {
            let path = join(&dir, name);
            if in_change(changes, &path) {
                continue;
            }
            if let Some(entry) = index.entry_by_path(path.as_bytes().as_bstr()) {
                if [Mode::FILE, Mode::FILE_EXECUTABLE].contains(&entry.mode) {
                    found.extend(read(src, entry.id)?.map(|data| (path, data)));
                }
            }
        }
    }
    found.sort();
    changes.context = found;
    Ok(())
}

/// Fills `changes.context` from `tree` (the change's new side), one tree read per
/// directory.
pub(crate) fn from_tree(
    src: &Src<'_>,
    tree: ObjectId,
    changes: &mut ChangeSet,
) -> Result<(), Error> {
    let mut found = Vec::new();
    for dir in directories(changes) {
        for (name, id) in diff::blobs_named(src, tree, BStr::new(&dir), CONFIG_FILES)? {
            let path = join(&dir, &name);
            if !in_change(changes, &path) {
                found.extend(read(src, id)?.map(|data| (path, data)));
            }
        }
    }
    found.sort();
    changes.context = found;
    Ok(())
}

fn read(src: &Src<'_>, id: ObjectId) -> Result<Option<Vec<u8>>, Error> {
    if let Some(reader) = src.packs {
        match reader.borrow_mut().blob(&id, LIMIT) {
            Some(Read::Data(data)) => return Ok(Some(crate::packs::owned(data))),
            Some(Read::TooLarge(_)) => return Ok(None),
            None => {}
        }
    }
    let blob = src
        .repo
        .find_blob(id)
        .map_err(Error::git("reading a configuration file"))?;
    Ok((blob.data.len() as u64 <= LIMIT).then(|| blob.data.clone()))
}
