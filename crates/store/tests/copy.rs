//! Copying a whole site between databases: to an SQLite file and back into
//! the suite's engine (SQLite, or PostgreSQL with `BESTPICK_TEST_POSTGRES`),
//! verified table by table, resumable, and consistent while writes go on.

use bestpick_core::comment::CommentStatus;
use bestpick_core::document;
use bestpick_core::user::Role;
use bestpick_store::scratch::Scratch;
use bestpick_store::{Clock, Cover, Location, NewComment, SaveMode, Store, TableCopy};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// A database on the suite's engine, in a folder of its own.
async fn database() -> (tempfile::TempDir, Scratch, Store) {
    let dir = tempfile::tempdir().unwrap();
    let db = Scratch::new(dir.path()).await.unwrap();
    let store = Store::open(db.location(), Clock::system()).await.unwrap();
    (dir, db, store)
}

fn comment(post_id: i64, n: usize) -> NewComment {
    let body = format!("Comment {n} on the long take in the second act.");
    NewComment {
        post_id,
        parent_id: None,
        depth: 0,
        name: format!("Reader {n}"),
        email: format!("reader{n}@example.com"),
        website: None,
        user_id: None,
        body_html: format!("<p>{body}</p>"),
        fingerprint: bestpick_core::comment::fingerprint(&body),
        body,
        status: CommentStatus::Published,
        score: Some(0.25),
        reasons: Vec::new(),
        ip: "192.0.2.1".into(),
        network: "192.0.2.0/24".into(),
        notify: n.is_multiple_of(2),
    }
}

/// A site with a section, an admin, a pick with its film data and comments.
async fn fill(store: &Store, comments: usize) -> i64 {
    store.create_section("films", "Films", "").await.unwrap();
    let admin = store
        .create_user("ann", "Ann", Role::Admin, "hash")
        .await
        .unwrap();
    let text = "+++\ntitle = \"Heat\"\nslug = \"heat\"\nsection = \"films\"\ntags = [\"crime\"]\n\
        [work]\nkind = \"movie\"\nname = \"Heat\"\nyear = 1995\ndirectors = [\"Michael Mann\"]\n\
        [[scores]]\nsource = \"imdb\"\nvalue = 8.3\n+++\nWords.\n";
    let post = document::parse(text).unwrap().1;
    let id = store
        .save_post(&post, &Cover::None, &admin, SaveMode::Create)
        .await
        .unwrap();
    for n in 0..comments {
        store.insert_comment(&comment(id, n)).await.unwrap();
    }
    // Text keys a language's collation sorts otherwise than bytes do ('_'
    // before digits, capitals after small letters): the checksums must
    // read both sides in one order.
    for word in ["a_b", "a0", "B", "a"] {
        store.block("word", word).await.unwrap();
    }
    store
        .set_comment_status(&[1], CommentStatus::Spam, true)
        .await
        .unwrap();
    store.set_setting("site_name", "Copied").await.unwrap();
    id
}

fn all_verified(report: &[TableCopy]) {
    let differ: Vec<&str> = report
        .iter()
        .filter(|t| !t.verified)
        .map(|t| t.table)
        .collect();
    assert!(differ.is_empty(), "tables that differ: {differ:?}");
}

fn rows(report: &[TableCopy], table: &str) -> u64 {
    report.iter().find(|t| t.table == table).unwrap().rows
}

#[tokio::test]
async fn a_site_goes_to_an_sqlite_file_and_back_the_same() {
    let (_dir, _db, source) = database().await;
    fill(&source, 1_200).await;
    let file = tempfile::tempdir().unwrap();
    let backup = Store::open(
        &Location::Sqlite(file.path().join("backup.db")),
        Clock::system(),
    )
    .await
    .unwrap();
    let mut last = None;
    let out = source
        .copy_into(&backup, |p| last = Some((p.done, p.total)))
        .await
        .unwrap();
    all_verified(&out);
    assert_eq!(rows(&out, "comments"), 1_200);
    let (done, total) = last.unwrap();
    assert_eq!(done, total);

    let (_dir2, _db2, restored) = database().await;
    assert!(restored.is_empty().await.unwrap());
    let back = backup.copy_into(&restored, |_| {}).await.unwrap();
    all_verified(&back);
    // The same rows, summed the same, on either engine.
    let sums = |r: &[TableCopy]| -> Vec<String> { r.iter().map(|t| t.checksum.clone()).collect() };
    assert_eq!(sums(&out), sums(&back));
    let post = restored.post_by_slug("heat").await.unwrap().unwrap();
    assert_eq!(post.card.work.unwrap().name, "Heat");
    assert!(restored
        .comment(2)
        .await
        .unwrap()
        .unwrap()
        .body
        .contains("Comment 1"));
    // New rows get new ids after the copied ones.
    let next = restored
        .insert_comment(&comment(post.card.id, 9_999))
        .await
        .unwrap();
    assert_eq!(next, 1_201);
}

#[tokio::test]
async fn a_copy_cut_short_finishes_when_run_again() {
    let (_dir, _db, source) = database().await;
    fill(&source, 700).await;
    let (_dir2, _db2, dest) = database().await;
    all_verified(&source.copy_into(&dest, |_| {}).await.unwrap());
    // As if the copy had stopped after the first batch of comments.
    dest.execute_for_test("DELETE FROM comments WHERE id > 500")
        .await;
    dest.execute_for_test("DELETE FROM spam_decisions").await;
    dest.execute_for_test("DELETE FROM settings").await;
    assert!(!dest.is_empty().await.unwrap());
    let again = source.copy_into(&dest, |_| {}).await.unwrap();
    all_verified(&again);
    assert_eq!(rows(&again, "comments"), 700);
}

#[tokio::test]
async fn a_destination_holding_other_rows_is_reported() {
    let (_dir, _db, source) = database().await;
    fill(&source, 3).await;
    let (_dir2, _db2, dest) = database().await;
    dest.create_section("other", "Other", "").await.unwrap();
    let report = source.copy_into(&dest, |_| {}).await;
    // The section's id is taken: the copy stops there or the table differs.
    match report {
        Ok(report) => assert!(report.iter().any(|t| !t.verified)),
        Err(e) => assert!(!format!("{e:?}").is_empty()),
    }
}

#[tokio::test]
async fn a_backup_taken_while_comments_arrive_is_one_consistent_moment() {
    let (_dir, _db, source) = database().await;
    let post = fill(&source, 300).await;
    let writing = Arc::new(AtomicBool::new(true));
    let writer = {
        let (source, writing) = (source.clone(), writing.clone());
        tokio::spawn(async move {
            let mut n = 10_000;
            while writing.load(Ordering::Relaxed) {
                source.insert_comment(&comment(post, n)).await.unwrap();
                n += 1;
            }
            n - 10_000
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let before = source.comment_counts(None).await.unwrap().published;
    let file = tempfile::tempdir().unwrap();
    let backup = Store::open(
        &Location::Sqlite(file.path().join("backup.db")),
        Clock::system(),
    )
    .await
    .unwrap();
    let report = source.copy_into(&backup, |_| {}).await.unwrap();
    writing.store(false, Ordering::Relaxed);
    let written = writer.await.unwrap();
    let after = source.comment_counts(None).await.unwrap().published;
    all_verified(&report);
    let copied = rows(&report, "comments") as i64;
    assert!(written > 0, "comments went on arriving");
    assert!(
        (before..=after + 1).contains(&(copied - 1)),
        "{before} <= {copied} - 1 <= {after} (one comment is spam)"
    );
}
