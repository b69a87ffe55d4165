//! Retiring a section: the rules and their words live in `app`, the store
//! only stores (SQLite, or PostgreSQL with `BESTPICK_TEST_POSTGRES`).

use bestpick_app::{accounts, sections, OpError, Site};
use bestpick_core::user::Role;
use bestpick_store::scratch::Scratch;
use bestpick_store::Clock;

async fn site() -> (tempfile::TempDir, Scratch, Site) {
    let dir = tempfile::tempdir().unwrap();
    let db = Scratch::new(dir.path()).await.unwrap();
    let site = Site::open_at(dir.path(), db.location(), Clock::fixed(1_700_000_000))
        .await
        .unwrap();
    (dir, db, site)
}

/// The message an operation's bad input gives for `field`.
fn message(e: OpError, field: &str) -> String {
    let errors = e
        .field_errors()
        .unwrap_or_else(|| panic!("not bad input: {e:?}"));
    let found = errors.0.iter().find(|f| f.field == field);
    found
        .unwrap_or_else(|| panic!("no error for {field}: {errors:?}"))
        .message
        .clone()
}

#[tokio::test]
async fn retiring_a_section_says_what_is_wrong_and_changes_nothing() {
    let (_dir, _db, site) = site().await;
    let pw = "a long enough password";
    let admin = accounts::add_user(&site, "ada", "", Role::Admin, pw)
        .await
        .unwrap();
    let author = accounts::add_user(&site, "bo", "", Role::Author, pw)
        .await
        .unwrap();
    let news = sections::create(&site, &admin, "news", "News", "")
        .await
        .unwrap();
    let old = sections::create(&site, &admin, "old", "Old", "")
        .await
        .unwrap();
    let gone = sections::create(&site, &admin, "gone", "Gone", "")
        .await
        .unwrap();
    sections::retire(&site, &admin, gone.id, &news.id.to_string())
        .await
        .unwrap();

    let denied = sections::retire(&site, &author, old.id, &news.id.to_string()).await;
    assert!(
        matches!(
            &denied,
            Err(OpError::Forbidden {
                what: "manage sections",
                ..
            })
        ),
        "{denied:?}"
    );
    let denied = sections::create(&site, &author, "mine", "Mine", "").await;
    assert!(
        matches!(&denied, Err(OpError::Forbidden { .. })),
        "{denied:?}"
    );
    let cases = [
        (
            old.id,
            "x".to_string(),
            "into",
            "choose the section that replaces this one",
        ),
        (
            old.id,
            old.id.to_string(),
            "into",
            "a section cannot be replaced by itself",
        ),
        (
            old.id,
            "999".to_string(),
            "into",
            "that section does not exist",
        ),
        (
            old.id,
            gone.id.to_string(),
            "into",
            "that section is retired itself: choose an active one",
        ),
        (
            gone.id,
            old.id.to_string(),
            "section",
            "that section is already retired",
        ),
    ];
    for (id, into, field, said) in cases {
        let e = sections::retire(&site, &admin, id, &into)
            .await
            .unwrap_err();
        assert_eq!(message(e, field), said, "retiring {id} into {into}");
    }
    let missing = sections::retire(&site, &admin, 999, "1").await;
    assert!(
        matches!(missing, Err(OpError::NotFound("section"))),
        "{missing:?}"
    );
    let old_now = site.store.section(old.id).await.unwrap().unwrap();
    assert!(old_now.is_active(), "nothing changed");

    let taken = sections::create(&site, &admin, "news", "News again", "")
        .await
        .unwrap_err();
    assert_eq!(
        taken.field_errors().unwrap().0[0].message,
        "a section with the address 'news' already exists"
    );
}
