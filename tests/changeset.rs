//! The git adapter as a library: what a ChangeSet holds for real repositories.

mod common;

use common::TestRepo;
use scopecheck_core::{ChangeStatus, Content, FileMode, Origin};
use scopecheck_git::{ReadOptions, Repo};

fn open(repo: &TestRepo) -> Repo {
    Repo::discover(&repo.root).expect("open")
}

fn statuses(cs: &scopecheck_core::ChangeSet) -> Vec<(String, ChangeStatus, Option<String>)> {
    cs.files
        .iter()
        .map(|f| (f.path.clone(), f.status, f.old_path.clone()))
        .collect()
}

#[test]
fn staged_statuses_and_added_lines() {
    let repo = TestRepo::new();
    repo.stage("keep.txt", "1\n2\n3\n");
    repo.stage("moved.txt", "same contents\n");
    repo.stage("gone.txt", "bye\n");
    repo.stage("script.sh", "echo hi\n");
    repo.commit("base");

    repo.stage("keep.txt", "1\nnew\n2\n3\nlast\n");
    std::fs::create_dir_all(repo.root.join("dir")).expect("mkdir");
    repo.git(&["mv", "moved.txt", "dir/moved.txt"]);
    repo.git(&["rm", "-q", "gone.txt"]);
    repo.git(&["update-index", "--chmod=+x", "script.sh"]);
    repo.stage("added.txt", "a\r\nb\r\n");

    let cs = open(&repo).staged(&ReadOptions::default()).expect("staged");
    assert!(matches!(cs.origin, Origin::Staged { head: Some(_) }));
    assert_eq!(
        statuses(&cs),
        vec![
            ("added.txt".into(), ChangeStatus::Added, None),
            (
                "dir/moved.txt".into(),
                ChangeStatus::Renamed,
                Some("moved.txt".into())
            ),
            ("gone.txt".into(), ChangeStatus::Deleted, None),
            ("keep.txt".into(), ChangeStatus::Modified, None),
            ("script.sh".into(), ChangeStatus::Modified, None),
        ]
    );
    let keep = &cs.files[3];
    let added: Vec<_> = keep
        .added_lines()
        .iter()
        .map(|l| (l.line, String::from_utf8_lossy(&l.text).into_owned()))
        .collect();
    assert_eq!(added, vec![(2, "new".to_owned()), (5, "last".to_owned())]);
    assert!(
        cs.files[1].added_lines().is_empty(),
        "a pure rename adds nothing"
    );
    assert_eq!(
        cs.files[4].new.as_ref().map(|s| s.mode),
        Some(FileMode::Executable)
    );
    assert_eq!(cs.files[0].added_lines()[1].text, b"b");
}

#[test]
fn file_replaced_by_directory_and_symlink_type_change() {
    let repo = TestRepo::new();
    repo.stage("thing", "file\n");
    repo.stage("link", "was a file\n");
    repo.commit("base");
    repo.git(&["rm", "-q", "thing"]);
    repo.stage("thing/inner.txt", "now a dir\n");
    #[cfg(unix)]
    {
        std::fs::remove_file(repo.root.join("link")).expect("rm");
        std::os::unix::fs::symlink("target", repo.root.join("link")).expect("symlink");
        repo.git(&["add", "link"]);
    }
    let cs = open(&repo).staged(&ReadOptions::default()).expect("staged");
    let mut want = vec![
        ("thing".to_owned(), ChangeStatus::Deleted, None),
        ("thing/inner.txt".to_owned(), ChangeStatus::Added, None),
    ];
    #[cfg(unix)]
    want.insert(0, ("link".to_owned(), ChangeStatus::TypeChanged, None));
    assert_eq!(statuses(&cs), want);
}

#[test]
fn too_large_blobs_are_not_read() {
    let repo = TestRepo::new();
    repo.stage("big.bin", vec![b'x'; 5000]);
    repo.stage("small.txt", "s\n");
    let cs = open(&repo)
        .staged(&ReadOptions {
            max_file_size: 4096,
        })
        .expect("staged");
    let big = cs.files.iter().find(|f| f.path == "big.bin").expect("big");
    assert_eq!(
        big.new.as_ref().map(|s| &s.content),
        Some(&Content::TooLarge)
    );
    assert_eq!(big.new.as_ref().map(|s| s.size), Some(5000));
    assert!(big.is_too_large());
    let small = cs
        .files
        .iter()
        .find(|f| f.path == "small.txt")
        .expect("small");
    assert_eq!(small.new_contents(), Some(&b"s\n"[..]));
}

#[test]
fn commit_range_as_a_changeset() {
    let repo = TestRepo::new();
    repo.stage("a.txt", "a\n");
    repo.commit("one");
    let base = repo.git(&["rev-parse", "HEAD"]).trim().to_owned();
    repo.stage("a.txt", "a\nb\n");
    repo.stage("sub/new.env", "X=1\n");
    repo.commit("two");
    repo.git(&["rm", "-q", "a.txt"]);
    repo.commit("three");

    let r = open(&repo);
    let cs = r
        .range(&base, "HEAD~1", &ReadOptions::default())
        .expect("range");
    assert_eq!(
        statuses(&cs),
        vec![
            ("a.txt".into(), ChangeStatus::Modified, None),
            ("sub/new.env".into(), ChangeStatus::Added, None),
        ]
    );
    match &cs.origin {
        Origin::Range { base: b, .. } => assert_eq!(b, &base),
        o => panic!("origin {o:?}"),
    }
    let cs = r
        .range(&base, "HEAD", &ReadOptions::default())
        .expect("range");
    assert_eq!(
        statuses(&cs),
        vec![
            ("a.txt".into(), ChangeStatus::Deleted, None),
            ("sub/new.env".into(), ChangeStatus::Added, None),
        ]
    );
    assert!(r.range("nope", "HEAD", &ReadOptions::default()).is_err());
    assert_eq!(
        r.file_at("HEAD", "sub/new.env").expect("read"),
        Some(b"X=1\n".to_vec())
    );
    assert_eq!(r.file_at("HEAD", "a.txt").expect("read"), None);
}
