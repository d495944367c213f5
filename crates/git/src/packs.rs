//! Blob reads straight from the pack files, with a cache of every delta base on the way.
//!
//! gix's pack cache keeps only the object a read ends at: the bases a delta chain passes
//! through are inflated again by every read that crosses them. In a real pack many
//! versions of a file are deltas of one shared base several links down (in git.git the
//! recent versions of `refs.c` are all deltas of one older blob), so a range scan spent
//! a quarter of its time re-inflating the same bases. This reader keeps each object it
//! decodes, bases included, in a small LRU keyed by pack offset, as git's own
//! `delta_base_cache` does.
//!
//! It also reads loose objects, and both in the object directories named by
//! `objects/info/alternates`, so that a hook never opens gix's object store: gix
//! validates every pack index it loads by reading all of its offset table (3.4 MB for
//! git.git), which with unmapping it again was a quarter of a pre-commit run. Anything
//! the reader cannot read (a base outside its pack, a malformed object) returns `None`
//! and the caller falls back to gix, so the reader can only make a read faster, never
//! different.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::ops::Range;
use std::sync::{Arc, Mutex};

use gix::odb::pack;
use gix::odb::pack::data::entry::Header;
use gix::ObjectId;

/// One pack: its index, mapped (lookups binary-search it), and its data file, read with
/// positioned reads rather than mapped: a range scan touches objects all over a pack of
/// hundreds of MiB, and every mapped page it touched would count as the process's memory
/// (60 MiB of git.git's pack for v2.50..v2.55), while pages read stay in the page cache.
struct PackFile {
    index: Idx,
    data: std::fs::File,
    len: u64,
}

/// A version 2 pack index, mapped: a lookup touches the fan-out table and the pages its
/// search lands on, nothing else. Every read is bounds-checked, so a truncated or
/// corrupt index answers `None` (and gix, reading the same pack, reports it).
struct Idx {
    map: memmap2::Mmap,
    /// Objects in the pack.
    count: usize,
    hash_len: usize,
}

/// The v2 header: magic and version, then the 256-entry fan-out table.
const IDX_HEADER: usize = 8;
const FAN_OUT: usize = 256 * 4;

impl Idx {
    fn open(path: &std::path::Path, hash: gix::hash::Kind) -> Option<Idx> {
        let file = std::fs::File::open(path).ok()?;
        // SAFETY: git never changes a pack index in place: it writes a new file and
        // renames it, and removing the old one leaves this mapping intact. gix maps the
        // same files the same way.
        let map = unsafe { memmap2::Mmap::map(&file) }.ok()?;
        if map.get(..IDX_HEADER)? != b"\xfftOc\x00\x00\x00\x02" {
            return None;
        }
        let count = be32(&map, IDX_HEADER + 255 * 4)? as usize;
        let hash_len = hash.len_in_bytes();
        // Names, CRCs, offsets, and the two trailing checksums must fit.
        let needed = count
            .checked_mul(hash_len + 8)?
            .checked_add(IDX_HEADER + FAN_OUT + 2 * hash_len)?;
        (map.len() >= needed).then_some(Idx {
            map,
            count,
            hash_len,
        })
    }

    /// The pack offset of `id`, if the pack holds it.
    fn offset_of(&self, id: &ObjectId) -> Option<u64> {
        let id = id.as_slice();
        let first = usize::from(*id.first()?);
        let mut lo = match first {
            0 => 0,
            _ => be32(&self.map, IDX_HEADER + (first - 1) * 4)? as usize,
        };
        let mut hi = (be32(&self.map, IDX_HEADER + first * 4)? as usize).min(self.count);
        let names = IDX_HEADER + FAN_OUT;
        // The eight bytes after the first (which the fan-out bucket fixes) as a number.
        let key = |name: &[u8]| Some(u64::from_be_bytes(name.get(1..9)?.try_into().ok()?));
        let want = key(id)?;
        // Ids are hashes, spread evenly over their bucket: guessing the position from the
        // id's value lands next to it, where halving takes a dozen probes of an index of
        // tens of MiB, each a likely cache miss, for every object a range scan reads.
        // The guesses stop after a few (ids chosen to defeat them would otherwise cost a
        // probe each); halving finishes.
        let (mut lo_key, mut hi_key) = (0u64, u64::MAX);
        let mut guesses = 0;
        while lo < hi {
            let mid = if guesses < 4 && hi - lo > 8 {
                guesses += 1;
                let width = u128::from(hi_key - lo_key) + 1;
                let ahead = u128::from(want.saturating_sub(lo_key)) * (hi - lo) as u128 / width;
                lo + (ahead as usize).min(hi - lo - 1)
            } else {
                lo + (hi - lo) / 2
            };
            let at = names + mid * self.hash_len;
            let name = self.map.get(at..at + self.hash_len)?;
            match name.cmp(id) {
                std::cmp::Ordering::Less => {
                    lo = mid + 1;
                    lo_key = key(name)?;
                }
                std::cmp::Ordering::Greater => {
                    hi = mid;
                    hi_key = key(name)?;
                }
                std::cmp::Ordering::Equal => return self.offset_at(mid),
            }
        }
        None
    }

    /// The pack offset of the `i`th object: 31 bits, or an index into the 64-bit table
    /// that packs over 2 GiB need.
    fn offset_at(&self, i: usize) -> Option<u64> {
        let small = IDX_HEADER + FAN_OUT + self.count * (self.hash_len + 4);
        let offset = be32(&self.map, small + i * 4)?;
        if offset & 0x8000_0000 == 0 {
            return Some(u64::from(offset));
        }
        let at = small + self.count * 4 + (offset & 0x7fff_ffff) as usize * 8;
        let bytes = self.map.get(at..at + 8)?;
        Some(u64::from_be_bytes(bytes.try_into().ok()?))
    }
}

fn be32(data: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(data.get(at..at + 4)?.try_into().ok()?))
}

/// The repository's pack files, opened once and shared by every thread.
pub(crate) struct Packs {
    bundles: Vec<PackFile>,
    /// The object directories: the repository's own, then its alternates.
    dirs: Vec<std::path::PathBuf>,
    hash: gix::hash::Kind,
    /// Whole objects at the end of delta chains, shared by all threads: they are the
    /// costly part of a chain (a full inflate each), a few thousand serve every version
    /// of every file in a range (in git.git's v2.50..v2.55, 1,851 bases of 33 MB were
    /// inflated 8,574 times with per-thread caches), and each is needed by whichever
    /// thread reads a version of its file.
    whole: Mutex<Lru>,
}

/// Room for the shared chain ends: all of a release range's in git.git (with 24 MiB,
/// v2.50..v2.55 inflated 4,061 of them, 57 MB; with 36, 2,417 and 34 MB, for 5 MiB more
/// at the peak, still under 200).
const WHOLE_CACHE: usize = 36 << 20;

impl Packs {
    /// Opens every `pack/*.idx` with its pack, in the repository's object directory and
    /// its alternates. A pack that cannot be opened is left to gix (its objects then take
    /// the slower path).
    pub(crate) fn open(repo: &gix::Repository) -> Packs {
        let store = repo.objects.store_ref();
        let mut dirs = vec![store.path().to_owned()];
        // Unreadable alternates are gix's to report, on the fallback path.
        dirs.extend(store.alternate_db_paths().unwrap_or_default());
        let hash = repo.object_hash();
        let mut bundles = Vec::new();
        for dir in &dirs {
            let Ok(entries) = std::fs::read_dir(dir.join("pack")) else {
                continue;
            };
            let mut paths: Vec<_> = entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "idx"))
                .collect();
            paths.sort();
            bundles.extend(paths.iter().filter_map(|p| PackFile::open(p, hash)));
        }
        Packs {
            bundles,
            dirs,
            hash,
            whole: Mutex::new(Lru::new(WHOLE_CACHE)),
        }
    }

    /// The entry at `offset` of pack `pack`, its first [`PREFETCH`] bytes (or up to the
    /// pack's end) appended to `heads` and the range they take there.
    fn entry(
        &self,
        pack: usize,
        offset: u64,
        heads: &mut Vec<u8>,
    ) -> Option<(pack::data::Entry, Range<usize>)> {
        let file = &self.bundles[pack];
        let at = heads.len();
        heads.resize(at + PREFETCH, 0);
        let n = read_at(&file.data, &mut heads[at..], offset, file.len)?;
        heads.truncate(at + n);
        let entry = pack::data::Entry::from_bytes(&heads[at..], offset, self.hash).ok()?;
        Some((entry, at..at + n))
    }

    /// Inflates the data of `entry` into `out`, which must end up exactly as long as the
    /// header says. `head` holds the pack's bytes from the entry's start on, as
    /// [`Packs::entry`] read them: the data is inflated from there when they hold it all.
    fn inflate(
        &self,
        pack: usize,
        entry: &pack::data::Entry,
        head: &[u8],
        inflate: &mut gix::zlib::Inflate,
        raw: &mut Vec<u8>,
        out: &mut Vec<u8>,
    ) -> Option<()> {
        let file = &self.bundles[pack];
        if entry.decompressed_size > MAX_OBJECT {
            return None;
        }
        let size = usize::try_from(entry.decompressed_size).ok()?;
        // zlib never grows data by more than a few bytes per 16 KiB block, so this many
        // bytes hold the whole stream; the pack's end may come first.
        let left = usize::try_from(file.len.checked_sub(entry.data_offset)?).unwrap_or(usize::MAX);
        let bound = size.checked_add(size / 1024 + 64)?.min(left);
        let skip = usize::try_from(entry.data_offset.checked_sub(entry.pack_offset())?).ok()?;
        let input = match head.get(skip..skip.checked_add(bound)?) {
            Some(prefetched) => prefetched,
            None => {
                // The buffer keeps its length: only its growth is zeroed.
                if raw.len() < bound {
                    raw.resize(bound, 0);
                }
                let n = read_at(&file.data, &mut raw[..bound], entry.data_offset, file.len)?;
                &raw[..n]
            }
        };
        out.clear();
        out.resize(size, 0);
        inflate.reset();
        match inflate.once(input, out) {
            Ok((gix::zlib::Status::StreamEnd, _, written)) if written == size => Some(()),
            _ => None,
        }
    }

    /// Which pack holds `id`, and where.
    pub(crate) fn locate(&self, id: &ObjectId) -> Option<(usize, u64)> {
        self.bundles
            .iter()
            .enumerate()
            .find_map(|(i, b)| b.index.offset_of(id).map(|at| (i, at)))
    }

    /// A reader with its own cache of `cache_bytes`, for one thread.
    pub(crate) fn reader(self: &Arc<Self>, cache_bytes: usize) -> PackReader {
        PackReader {
            packs: Arc::clone(self),
            cache: Lru::new(cache_bytes),
            inflate: gix::zlib::Inflate::default(),
            raw: Vec::new(),
            heads: Vec::new(),
            delta: Vec::new(),
            top: Vec::new(),
        }
    }
}

/// What a read found.
pub(crate) enum Read {
    /// The object's bytes, shared with the cache when it kept them.
    Data(Arc<Vec<u8>>),
    /// The object is larger than the limit it was read with: only its size was decoded.
    TooLarge(u64),
}

/// A thread's view of [`Packs`] with its delta-base cache.
pub(crate) struct PackReader {
    packs: Arc<Packs>,
    cache: Lru,
    inflate: gix::zlib::Inflate,
    /// Compressed bytes as read from the pack.
    raw: Vec<u8>,
    /// The first bytes of each entry of the chain being decoded, as [`Packs::entry`]
    /// read them.
    heads: Vec<u8>,
    /// The instructions of the delta being applied.
    delta: Vec<u8>,
    /// The instructions of the delta a read asked for, inflated first for its size.
    top: Vec<u8>,
}

/// The largest object the reader decodes (a base may be larger than the blob asked for,
/// so this is not the caller's limit). Sizes come from the pack, which may be corrupt or
/// hostile: anything larger is left to gix and its allocation limits.
const MAX_OBJECT: u64 = 1 << 30;

/// Bytes read with an entry's header: most deltas' instructions (64% of the entries a
/// range of git.git's reads) come with them, one read instead of two.
const PREFETCH: usize = 1024;

/// Longer chains than git ever writes (its maximum depth is 4095) are taken as corrupt,
/// and left to gix to report.
const MAX_CHAIN: usize = 5000;

impl PackReader {
    /// The blob `id` if it is in one of the packs and at most `limit` bytes, its size if
    /// it is larger; `None` when the packs cannot answer and gix has to.
    pub(crate) fn blob(&mut self, id: &ObjectId, limit: u64) -> Option<Read> {
        Some(match self.read(id, Header::Blob, limit)? {
            Ok(data) => Read::Data(data),
            Err(size) => Read::TooLarge(size),
        })
    }

    /// Declares the objects this reader will be asked for, in order, so that its cache
    /// keeps what is read again soonest instead of what was read last. A range walks
    /// commits newest first and reads each change's new side, then its old side: a
    /// file's version is read as one commit's old side and again, often hundreds of
    /// commits later, as an older commit's new side, and its older versions are deltas
    /// of it. By recency alone those were gone by then; replaying git.git's v2.50..v2.55
    /// reads, the delta chains decoded on the way shrank from 1.45 GB to 1.02 GB in the
    /// same memory.
    pub(crate) fn plan(&mut self, ids: &[ObjectId]) {
        let packs = Arc::clone(&self.packs);
        self.cache.plan(ids.iter().map(|id| packs.locate(id)));
    }

    /// The object `id` if it is in one of the packs and of kind `want`: its bytes, or
    /// its size when that is over `limit`.
    fn read(
        &mut self,
        id: &ObjectId,
        want: Header,
        limit: u64,
    ) -> Option<Result<Arc<Vec<u8>>, u64>> {
        let Some((pack, offset)) = self.packs.locate(id) else {
            return self.loose(id, want, limit);
        };
        self.cache.advance(pack, offset);
        if let Some((kind, data)) = self.cached(pack, offset) {
            return (kind == want).then(|| match data.len() as u64 {
                n if n > limit => Err(n),
                _ => Ok(data),
            });
        }
        let packs = Arc::clone(&self.packs);
        self.heads.clear();
        let (top, head) = packs.entry(pack, offset, &mut self.heads)?;
        // The size is in the entry header of a whole object and in the first bytes of a
        // delta; either way it is known before any base is inflated.
        let size = match top.header {
            Header::OfsDelta { .. } | Header::RefDelta { .. } => {
                // A delta longer than what it may produce plus its instructions is not
                // worth inflating just to learn that the result is too large.
                if top.decompressed_size > limit.saturating_mul(2).saturating_add(4096) {
                    return None;
                }
                let buf = std::mem::take(&mut self.top);
                self.top = self.inflate_delta(pack, &top, head.clone(), buf)?;
                let (_, rest) = delta_size(&self.top)?;
                delta_size(rest)?.0
            }
            kind if kind == want => top.decompressed_size,
            _ => return None,
        };
        if size > limit {
            return Some(Err(size));
        }
        let (kind, data) = self.decode(pack, top, head)?;
        (kind == want).then_some(Ok(data))
    }

    /// The loose object `id`, from the first object directory that has it, if it is of
    /// kind `want`: its bytes, or its size when that is over `limit`.
    fn loose(
        &mut self,
        id: &ObjectId,
        want: Header,
        limit: u64,
    ) -> Option<Result<Arc<Vec<u8>>, u64>> {
        let hex = id.to_hex().to_string();
        let (fan, name) = hex.split_at(2);
        let raw = self
            .packs
            .dirs
            .iter()
            .find_map(|dir| std::fs::read(dir.join(fan).join(name)).ok())?;
        // The header (`blob 1234\0`) first: the kind and size decide whether the rest is
        // worth inflating.
        let mut head = [0u8; 64];
        self.inflate.reset();
        let (_, _, written) = self.inflate.once(&raw, &mut head).ok()?;
        let head = &head[..written];
        let nul = head.iter().position(|&b| b == 0)?;
        let (kind, size) = std::str::from_utf8(&head[..nul]).ok()?.split_once(' ')?;
        let kind = match kind {
            "blob" => Header::Blob,
            "tree" => Header::Tree,
            "commit" => Header::Commit,
            "tag" => Header::Tag,
            _ => return None,
        };
        let size: u64 = size.parse().ok()?;
        if kind != want {
            return None;
        }
        if size > limit {
            return Some(Err(size));
        }
        if size > MAX_OBJECT {
            return None;
        }
        let total = nul + 1 + usize::try_from(size).ok()?;
        let mut out = vec![0u8; total];
        self.inflate.reset();
        match self.inflate.once(&raw, &mut out) {
            Ok((gix::zlib::Status::StreamEnd, _, n)) if n == total => {
                out.drain(..=nul);
                Some(Ok(Arc::new(out)))
            }
            _ => None,
        }
    }

    /// A decoded object from this thread's cache or the shared one.
    fn cached(&mut self, pack: usize, offset: u64) -> Option<(Header, Arc<Vec<u8>>)> {
        self.cache.get(pack, offset).or_else(|| {
            // A poisoned lock only means another thread panicked; the cache is still sound.
            let mut whole = self.packs.whole.lock().unwrap_or_else(|e| e.into_inner());
            whole.get(pack, offset)
        })
    }

    /// The tree `id` if it is in one of the packs.
    pub(crate) fn tree(&mut self, id: &ObjectId) -> Option<Arc<Vec<u8>>> {
        self.object(id, Header::Tree)
    }

    /// The tree and parents of commit `id`, if the commit is in one of the packs.
    pub(crate) fn commit_links(&mut self, id: &ObjectId) -> Option<(ObjectId, Vec<ObjectId>)> {
        let data = self.object(id, Header::Commit)?;
        let mut lines = data.split(|&b| b == b'\n');
        let tree = ObjectId::from_hex(lines.next()?.strip_prefix(b"tree ")?).ok()?;
        let mut parents = Vec::new();
        for line in lines {
            match line.strip_prefix(b"parent ") {
                Some(hex) => parents.push(ObjectId::from_hex(hex).ok()?),
                None => break,
            }
        }
        Some((tree, parents))
    }

    /// The object `id` if it is in one of the packs and of kind `want`.
    fn object(&mut self, id: &ObjectId, want: Header) -> Option<Arc<Vec<u8>>> {
        self.read(id, want, u64::MAX)?.ok()
    }

    /// Inflates a delta entry's instructions into `buf`.
    fn inflate_delta(
        &mut self,
        pack: usize,
        entry: &pack::data::Entry,
        head: Range<usize>,
        mut buf: Vec<u8>,
    ) -> Option<Vec<u8>> {
        let packs = Arc::clone(&self.packs);
        let head = self.heads.get(head)?;
        packs.inflate(
            pack,
            entry,
            head,
            &mut self.inflate,
            &mut self.raw,
            &mut buf,
        )?;
        Some(buf)
    }

    /// Decodes the object whose entry is `top` (when it is a delta, its instructions are
    /// already in `self.top`), caching it and every base decoded on the way.
    fn decode(
        &mut self,
        pack: usize,
        top: pack::data::Entry,
        head: Range<usize>,
    ) -> Option<(Header, Arc<Vec<u8>>)> {
        let packs = Arc::clone(&self.packs);
        let bundle = &packs.bundles[pack];
        let mut chain = vec![(top, head)];
        // Down the chain to the first base that is cached or whole.
        let (kind, mut data) = loop {
            let (entry, _) = chain.last()?;
            let base = match entry.header {
                Header::OfsDelta { base_distance } => {
                    entry.checked_base_pack_offset(base_distance)?
                }
                Header::RefDelta { base_id } => bundle.index.offset_of(&base_id)?,
                kind => {
                    // A whole object at the end of the chain: inflate it.
                    let (entry, head) = chain.pop()?;
                    let mut out = Vec::new();
                    let head = self.heads.get(head)?;
                    packs.inflate(
                        pack,
                        &entry,
                        head,
                        &mut self.inflate,
                        &mut self.raw,
                        &mut out,
                    )?;
                    let data = Arc::new(out);
                    // Commits are read once or twice each and are never a blob's or a
                    // tree's base: in a history scan they would flush the bases.
                    if kind != Header::Commit {
                        packs.whole.lock().unwrap_or_else(|e| e.into_inner()).put(
                            pack,
                            entry.pack_offset(),
                            kind,
                            data.clone(),
                        );
                    }
                    break (kind, data);
                }
            };
            if let Some(hit) = self.cached(pack, base) {
                break hit;
            }
            if chain.len() >= MAX_CHAIN {
                return None;
            }
            chain.push(packs.entry(pack, base, &mut self.heads)?);
        };
        // Back up the chain, applying each delta to the base below it.
        while let Some((entry, head)) = chain.pop() {
            let out = Arc::new(if chain.is_empty() {
                apply(&data, &self.top)?
            } else {
                let buf = std::mem::take(&mut self.delta);
                self.delta = self.inflate_delta(pack, &entry, head, buf)?;
                apply(&data, &self.delta)?
            });
            self.cache.put(pack, entry.pack_offset(), kind, out.clone());
            data = out;
        }
        Some((kind, data))
    }
}

impl PackFile {
    /// The index at `idx` and the pack beside it, if both are what git writes.
    fn open(idx: &std::path::Path, hash: gix::hash::Kind) -> Option<PackFile> {
        let index = Idx::open(idx, hash)?;
        let data = std::fs::File::open(idx.with_extension("pack")).ok()?;
        let len = data.metadata().ok()?.len();
        let mut header = [0u8; 12];
        let n = read_at(&data, &mut header, 0, len)?;
        let version = header
            .get(4..8)
            .map(|v| u32::from_be_bytes([v[0], v[1], v[2], v[3]]));
        (n == 12 && &header[..4] == b"PACK" && matches!(version, Some(2 | 3))).then_some(PackFile {
            index,
            data,
            len,
        })
    }
}

/// Reads up to `buf.len()` bytes at `offset` of a file `len` bytes long; how many were
/// read, `None` past the end or on an error.
fn read_at(file: &std::fs::File, buf: &mut [u8], offset: u64, len: u64) -> Option<usize> {
    let n = usize::try_from(len.checked_sub(offset)?).map_or(buf.len(), |left| left.min(buf.len()));
    let buf = &mut buf[..n];
    #[cfg(unix)]
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset).ok()?;
    #[cfg(windows)]
    {
        let mut done = 0;
        while done < buf.len() {
            match std::os::windows::fs::FileExt::seek_read(
                file,
                &mut buf[done..],
                offset + done as u64,
            ) {
                Ok(0) | Err(_) => return None,
                Ok(k) => done += k,
            }
        }
    }
    // Elsewhere the packs are left to gix.
    #[cfg(not(any(unix, windows)))]
    return None;
    #[cfg(any(unix, windows))]
    Some(n)
}

/// The caller's copy of an object: the cache's own when it did not keep it.
pub(crate) fn owned(data: Arc<Vec<u8>>) -> Vec<u8> {
    Arc::try_unwrap(data).unwrap_or_else(|kept| kept.as_ref().clone())
}

/// A delta's size header: a little-endian base-128 number.
fn delta_size(d: &[u8]) -> Option<(u64, &[u8])> {
    let mut size = 0u64;
    for (i, &b) in d.iter().enumerate().take(10) {
        size |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Some((size, &d[i + 1..]));
        }
    }
    None
}

/// Applies git delta instructions to `base`; `None` when they do not fit it.
fn apply(base: &[u8], delta: &[u8]) -> Option<Vec<u8>> {
    let (base_len, d) = delta_size(delta)?;
    let (out_len, mut d) = delta_size(d)?;
    if base_len != base.len() as u64 || out_len > MAX_OBJECT {
        return None;
    }
    let mut out = Vec::with_capacity(usize::try_from(out_len).ok()?);
    while let Some((&op, rest)) = d.split_first() {
        d = rest;
        if op & 0x80 != 0 {
            // Copy from the base: which of the 4 offset and 3 size bytes follow is in
            // the op's low bits.
            let mut field = |bits: u8, shift: u32| -> Option<usize> {
                let mut v = 0usize;
                for i in 0..bits {
                    if op >> (shift + u32::from(i)) & 1 == 1 {
                        let (&b, rest) = d.split_first()?;
                        d = rest;
                        v |= usize::from(b) << (8 * i);
                    }
                }
                Some(v)
            };
            let offset = field(4, 0)?;
            let size = match field(3, 4)? {
                0 => 0x10000,
                n => n,
            };
            out.extend_from_slice(base.get(offset..offset.checked_add(size)?)?);
        } else if op != 0 {
            let (ins, rest) = d.split_at_checked(usize::from(op))?;
            out.extend_from_slice(ins);
            d = rest;
        } else {
            return None;
        }
    }
    (out.len() as u64 == out_len).then_some(out)
}

/// A decoded object in the cache: its kind, bytes, when it was last used and, when the
/// reads to come are known, when it is read next.
struct Cached {
    kind: Header,
    data: Arc<Vec<u8>>,
    used: u64,
    next: Option<u32>,
}

type Key = (usize, u64);

/// Decoded objects by (pack, offset), dropped once they hold more than `cap` bytes: the
/// least recently used first or, when the reads to come are known, first those no read
/// will ask for again (least recently used first), then the one asked for latest.
struct Lru {
    cap: usize,
    used: usize,
    clock: u64,
    entries: HashMap<Key, Cached>,
    /// Entries no planned read wants (all of them without a plan), by last use.
    idle: BTreeMap<u64, Key>,
    /// Entries a planned read wants, by when the next one comes.
    wanted: BTreeMap<u32, Key>,
    /// The planned reads still to come of each object, by their index in the plan.
    uses: HashMap<Key, VecDeque<u32>>,
}

impl Lru {
    fn new(cap: usize) -> Lru {
        Lru {
            cap,
            used: 0,
            clock: 0,
            entries: HashMap::new(),
            idle: BTreeMap::new(),
            wanted: BTreeMap::new(),
            uses: HashMap::new(),
        }
    }

    /// Takes the reads to come, in order (`None` for one the packs do not hold), and
    /// files every cached entry by them.
    fn plan(&mut self, reads: impl Iterator<Item = Option<Key>>) {
        let mut uses: HashMap<Key, VecDeque<u32>> = HashMap::new();
        for (at, key) in reads.enumerate() {
            if let (Some(key), Ok(at)) = (key, u32::try_from(at)) {
                uses.entry(key).or_default().push_back(at);
            }
        }
        self.uses = uses;
        self.idle.clear();
        self.wanted.clear();
        let keys: Vec<Key> = self.entries.keys().copied().collect();
        for key in keys {
            self.place(key);
        }
    }

    /// Files the cached entry `key` under its next planned read, or its last use.
    fn place(&mut self, key: Key) {
        let next = self.uses.get(&key).and_then(|c| c.front().copied());
        let Some(e) = self.entries.get_mut(&key) else {
            return;
        };
        e.next = next;
        match next {
            Some(at) => self.wanted.insert(at, key),
            None => self.idle.insert(e.used, key),
        };
    }

    /// Takes the cached entry `key` out of the order it is filed in.
    fn unplace(&mut self, key: Key) {
        if let Some(e) = self.entries.get(&key) {
            match e.next {
                Some(at) => self.wanted.remove(&at),
                None => self.idle.remove(&e.used),
            };
        }
    }

    /// A planned read of the object at `offset` is being made: its next one counts now.
    fn advance(&mut self, pack: usize, offset: u64) {
        let key = (pack, offset);
        let Some(coming) = self.uses.get_mut(&key) else {
            return;
        };
        coming.pop_front();
        if coming.is_empty() {
            self.uses.remove(&key);
        }
        self.unplace(key);
        self.place(key);
    }

    fn get(&mut self, pack: usize, offset: u64) -> Option<(Header, Arc<Vec<u8>>)> {
        let key = (pack, offset);
        self.unplace(key);
        self.clock += 1;
        let clock = self.clock;
        let e = self.entries.get_mut(&key)?;
        e.used = clock;
        let found = (e.kind, e.data.clone());
        self.place(key);
        Some(found)
    }

    fn put(&mut self, pack: usize, offset: u64, kind: Header, data: Arc<Vec<u8>>) {
        let key = (pack, offset);
        // One object may not take more than a quarter of the cache, or a single large
        // file would flush every base of the files around it.
        if data.len() > self.cap / 4 || self.entries.contains_key(&key) {
            return;
        }
        self.clock += 1;
        self.used += data.len();
        self.entries.insert(
            key,
            Cached {
                kind,
                data,
                used: self.clock,
                next: None,
            },
        );
        self.place(key);
        while self.used > self.cap {
            // A base a chain passed through is not in the plan: it goes with the
            // objects no longer wanted, least recently used first.
            let victim = self
                .idle
                .first_key_value()
                .map(|(_, &k)| k)
                .or_else(|| self.wanted.last_key_value().map(|(_, &k)| k));
            let Some(victim) = victim else {
                break;
            };
            self.unplace(victim);
            if let Some(gone) = self.entries.remove(&victim) {
                self.used -= gone.data.len();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    fn git(dir: &std::path::Path, args: &[&str]) -> String {
        let out = Command::new("git")
            .args(args)
            .current_dir(dir)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .output()
            .expect("git runs");
        assert!(out.status.success(), "git {args:?}: {out:?}");
        String::from_utf8(out.stdout).expect("utf-8")
    }

    /// Commits everything in `d` as a fixed author.
    fn commit_all(d: &std::path::Path, message: &str) {
        git(d, &["add", "-A"]);
        git(
            d,
            &[
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@e",
                "commit",
                "-qm",
                message,
            ],
        );
    }

    /// Repacks `d` into one pack and returns the path of its index.
    fn repacked_index(d: &std::path::Path) -> std::path::PathBuf {
        git(d, &["repack", "-adq"]);
        std::fs::read_dir(d.join(".git/objects/pack"))
            .expect("pack dir")
            .map(|e| e.expect("entry").path())
            .find(|p| p.extension().is_some_and(|e| e == "idx"))
            .expect("an index")
    }

    /// Every blob and tree of a repository repacked into deep delta chains reads back
    /// exactly as gix reads it, with a cache so small that chains are decoded from
    /// every depth, and with the default cache.
    #[test]
    fn reads_every_object_as_gix_does() {
        let dir = tempfile::tempdir().expect("temp dir");
        let d = dir.path();
        git(d, &["init", "-q", "-b", "main"]);
        git(d, &["config", "user.email", "t@example.com"]);
        git(d, &["config", "user.name", "t"]);
        std::fs::create_dir_all(d.join("src/deep")).expect("dirs");
        let mut lines: Vec<String> = (0..400).map(|i| format!("line {i} of the file")).collect();
        for round in 0..60 {
            lines[(round * 37) % 400] = format!("changed in round {round}");
            if round % 7 == 0 {
                lines.insert(round % 50, format!("inserted {round}"));
            }
            std::fs::write(d.join("src/a.txt"), lines.join("\n")).expect("write");
            std::fs::write(d.join("src/deep/b.txt"), lines[..round + 5].join("\n")).expect("write");
            std::fs::write(d.join(format!("f{}.txt", round % 9)), format!("{round}"))
                .expect("write");
            git(d, &["add", "-A"]);
            git(d, &["commit", "-q", "-m", &format!("round {round}")]);
        }
        git(d, &["repack", "-adfq", "--depth=50", "--window=50"]);
        let deltas = git(
            d,
            &[
                "cat-file",
                "--batch-all-objects",
                "--batch-check=%(deltabase)",
            ],
        )
        .lines()
        .filter(|l| !l.bytes().all(|b| b == b'0'))
        .count();
        assert!(
            deltas > 50,
            "the repack made delta chains ({deltas} deltas)"
        );

        // Objects written after the repack are loose: read from their own files.
        std::fs::write(d.join("loose.txt"), "written after the repack").expect("write");
        git(d, &["add", "-A"]);
        git(d, &["commit", "-q", "-m", "loose"]);
        let loose = git(d, &["rev-parse", "HEAD:loose.txt", "HEAD^{tree}", "HEAD"]);
        let loose: Vec<ObjectId> = loose
            .lines()
            .map(|id| ObjectId::from_hex(id.as_bytes()).expect("hex"))
            .collect();

        let repo = gix::open(d).expect("open");
        let packs = Arc::new(Packs::open(&repo));
        let mut reader = packs.reader(1 << 20);
        let gix_data = |id: &ObjectId| repo.find_object(*id).expect("gix reads it").data.clone();
        assert!(
            matches!(reader.blob(&loose[0], u64::MAX), Some(Read::Data(d)) if *d == gix_data(&loose[0]))
        );
        assert!(matches!(
            reader.blob(&loose[0], 3),
            Some(Read::TooLarge(24))
        ));
        assert_eq!(
            reader.tree(&loose[1]).as_deref(),
            Some(&gix_data(&loose[1]))
        );
        assert!(reader
            .commit_links(&loose[2])
            .is_some_and(|(tree, parents)| tree == loose[1] && parents.len() == 1));
        // Asked for the wrong kind, a loose object is not there.
        assert!(reader.tree(&loose[0]).is_none() && reader.blob(&loose[1], u64::MAX).is_none());

        // A clone sharing this repository's objects (`objects/info/alternates`) reads
        // them from this repository's pack and loose files.
        let shared = tempfile::tempdir().expect("temp dir");
        git(
            shared.path(),
            &["clone", "-q", "--shared", d.to_str().expect("utf-8"), "c"],
        );
        let clone = gix::open(shared.path().join("c")).expect("open the clone");
        let borrowed = Arc::new(Packs::open(&clone));
        let mut via = borrowed.reader(1 << 20);
        let head_tree = git(d, &["rev-parse", "HEAD~5^{tree}"]);
        let head_tree = ObjectId::from_hex(head_tree.trim().as_bytes()).expect("hex");
        assert_eq!(via.tree(&head_tree).as_deref(), Some(&gix_data(&head_tree)));
        assert!(
            matches!(via.blob(&loose[0], u64::MAX), Some(Read::Data(d)) if *d == gix_data(&loose[0]))
        );

        for cache in [64 << 10, 8 << 20] {
            let mut reader = packs.reader(cache);
            let objects = git(
                d,
                &[
                    "cat-file",
                    "--batch-all-objects",
                    "--batch-check=%(objectname) %(objecttype)",
                ],
            );
            let mut seen = 0;
            for line in objects.lines() {
                let (id, kind) = line.split_once(' ').expect("two fields");
                let id = ObjectId::from_hex(id.as_bytes()).expect("hex");
                if loose.contains(&id) {
                    continue;
                }
                let expected = repo.find_object(id).expect("gix reads it").data.clone();
                match kind {
                    "blob" => {
                        match reader.blob(&id, u64::MAX) {
                            Some(Read::Data(data)) => assert_eq!(*data, expected, "blob {id}"),
                            _ => panic!("blob {id} not read from the pack"),
                        }
                        if !expected.is_empty() {
                            let limit = expected.len() as u64 - 1;
                            assert!(matches!(
                                reader.blob(&id, limit),
                                Some(Read::TooLarge(n)) if n == expected.len() as u64
                            ));
                        }
                        assert!(reader.tree(&id).is_none(), "a blob is not a tree");
                    }
                    "tree" => {
                        let data = reader.tree(&id).expect("tree read from the pack");
                        assert_eq!(*data, expected, "tree {id}");
                        assert!(reader.blob(&id, u64::MAX).is_none(), "a tree is not a blob");
                    }
                    "commit" => {
                        let tree = repo
                            .find_commit(id)
                            .and_then(|c| c.tree_id())
                            .expect("gix reads the commit");
                        let parents: Vec<ObjectId> = repo
                            .find_commit(id)
                            .expect("gix reads the commit")
                            .parent_ids()
                            .map(|p| p.detach())
                            .collect();
                        assert_eq!(
                            reader.commit_links(&id),
                            Some((tree.detach(), parents)),
                            "commit {id}"
                        );
                        assert!(reader.tree(&id).is_none(), "a commit is not a tree");
                    }
                    _ => continue,
                }
                seen += 1;
            }
            assert!(seen > 150, "{seen} objects compared");
        }
    }

    /// Every object of a pack is found at the offset gix finds it at, and a damaged
    /// index is refused rather than misread.
    #[test]
    fn the_index_reader_agrees_with_gix_and_refuses_damaged_indexes() {
        let dir = tempfile::tempdir().expect("temp dir");
        let d = dir.path();
        git(d, &["init", "-q", "-b", "main"]);
        for i in 0..300 {
            std::fs::write(d.join(format!("f{i}")), format!("{i}")).expect("write");
        }
        commit_all(d, "x");
        let idx = repacked_index(d);
        let ours = Idx::open(&idx, gix::hash::Kind::Sha1).expect("opens");
        let theirs = pack::index::File::at(&idx, gix::hash::Kind::Sha1).expect("gix opens it");
        assert_eq!(ours.count, theirs.num_objects() as usize);
        for entry in theirs.iter() {
            assert_eq!(ours.offset_of(&entry.oid), Some(entry.pack_offset));
        }
        let absent = ObjectId::from_hex(b"0123456789012345678901234567890123456789").expect("hex");
        assert_eq!(ours.offset_of(&absent), None);

        let bytes = std::fs::read(&idx).expect("read");
        let damaged = d.join("damaged.idx");
        for cut in [0, 7, 8 + 1024, bytes.len() / 2, bytes.len() - 1] {
            std::fs::write(&damaged, &bytes[..cut]).expect("write");
            assert!(
                Idx::open(&damaged, gix::hash::Kind::Sha1).is_none(),
                "cut at {cut}"
            );
        }
        let mut wrong = bytes.clone();
        wrong[7] = 3;
        std::fs::write(&damaged, &wrong).expect("write");
        assert!(
            Idx::open(&damaged, gix::hash::Kind::Sha1).is_none(),
            "version 3"
        );
    }

    /// With a plan, the cache drops what no read asks for again, then what is asked for
    /// latest, and keeps what is asked for next; without one it drops the oldest.
    #[test]
    fn a_planned_cache_keeps_what_is_read_next() {
        let data = |n: usize| Arc::new(vec![0u8; n]);
        let put = |lru: &mut Lru, offset: u64| lru.put(0, offset, Header::Blob, data(10));
        let planned = |reads: &[u64]| {
            let mut lru = Lru::new(40);
            lru.plan(reads.iter().map(|&offset| Some((0, offset))));
            lru
        };
        let kept = |lru: &Lru| {
            let mut k: Vec<u64> = lru.entries.keys().map(|&(_, o)| o).collect();
            k.sort_unstable();
            k
        };

        // Reads to come: 1, 2, 3, 4, then 1 again. 1 is the least recently used but is
        // read again: 2, the oldest of those no read wants, goes instead.
        let mut lru = planned(&[1, 2, 3, 4, 1]);
        for o in [1, 2, 3, 4] {
            lru.advance(0, o);
            put(&mut lru, o);
        }
        put(&mut lru, 5);
        assert_eq!(kept(&lru), [1, 3, 4, 5]);

        // Everything still wanted: the one wanted latest goes.
        let mut lru = planned(&[1, 2, 3, 4, 5, 3, 1, 2, 4, 5]);
        for o in [1, 2, 3, 4, 5] {
            lru.advance(0, o);
            put(&mut lru, o);
        }
        assert_eq!(kept(&lru), [1, 2, 3, 4], "5 is wanted last");

        // No plan: least recently used first.
        let mut lru = Lru::new(40);
        for o in [1, 2, 3, 4] {
            put(&mut lru, o);
        }
        assert!(lru.get(0, 1).is_some());
        put(&mut lru, 5);
        assert_eq!(kept(&lru), [1, 3, 4, 5]);
    }

    #[test]
    fn apply_copies_and_inserts() {
        let base = b"hello, world";
        // base 12, result 11: copy "hello" (offset 0, size 5), insert " you", copy "ld"
        let delta = [
            12,
            11,
            0x80 | 0x01 | 0x10,
            0,
            5,
            4,
            b' ',
            b'y',
            b'o',
            b'u',
            0x80 | 0x01 | 0x10,
            10,
            2,
        ];
        assert_eq!(apply(base, &delta).as_deref(), Some(&b"hello yould"[..]));
        // A copy past the base's end, a wrong base size, a short result: rejected.
        assert_eq!(apply(base, &[12, 5, 0x91, 10, 5]), None);
        assert_eq!(apply(base, &[11, 1, 1, b'x']), None);
        assert_eq!(apply(base, &[12, 2, 1, b'x']), None);
        assert_eq!(apply(base, &[12, 1, 0]), None);
    }

    /// Every object of a pack is found at the offset git lists for it, and ids next to
    /// them (one bit off, anywhere in the id) are not found.
    #[test]
    fn finds_every_object_and_nothing_else() {
        let dir = tempfile::tempdir().expect("temp dir");
        let d = dir.path();
        git(d, &["init", "-q", "-b", "main"]);
        for i in 0..300 {
            std::fs::write(d.join(format!("f{}.txt", i % 40)), format!("{i}")).expect("write");
            if i % 10 == 9 {
                commit_all(d, "c");
            }
        }
        let idx_path = repacked_index(d);
        let listed = Command::new("git")
            .args(["show-index"])
            .stdin(std::fs::File::open(&idx_path).expect("idx"))
            .output()
            .expect("git show-index");
        let idx = Idx::open(&idx_path, gix::hash::Kind::Sha1).expect("a v2 index");
        let listed: Vec<(u64, ObjectId)> = String::from_utf8(listed.stdout)
            .expect("utf-8")
            .lines()
            .map(|line| {
                let mut fields = line.split(' ');
                let offset = fields.next().and_then(|o| o.parse().ok()).expect("offset");
                let id = ObjectId::from_hex(fields.next().expect("id").as_bytes()).expect("hex");
                (offset, id)
            })
            .collect();
        let ids: std::collections::HashSet<ObjectId> = listed.iter().map(|(_, id)| *id).collect();
        let mut n = 0;
        for (offset, id) in &listed {
            assert_eq!(idx.offset_of(id), Some(*offset), "{id}");
            for bit in [0, 7, 8, 40, 63, 64, 70, 159] {
                let mut other = *id;
                other.as_mut_slice()[bit / 8] ^= 1 << (bit % 8);
                if !ids.contains(&other) {
                    assert_eq!(idx.offset_of(&other), None, "{other}");
                }
            }
            n += 1;
        }
        assert!(n > 300, "the pack holds {n} objects");
    }
}
