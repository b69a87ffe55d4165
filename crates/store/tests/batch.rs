//! A batch of posts on a real SQLite file: each post all or nothing, the
//! batch stored (and its pages changed) only when it commits.

use bestpick_core::document::{self, ValidPost};
use bestpick_core::user::Role;
use bestpick_store::scratch::Scratch;
use bestpick_store::{Clock, Cover, SaveMode, Store, Topic};

fn pick(slug: &str, work: &str) -> ValidPost {
    let text = format!(
        "+++\ntitle = \"{slug}\"\nslug = \"{slug}\"\nkind = \"pick\"\nsection = \"films\"\n\
         [work]\nkind = \"movie\"\nname = \"{work}\"\nyear = 2001\ndirectors = [\"Ann Director\"]\n+++\nWhy.\n"
    );
    document::parse(&text).expect("a valid pick").1
}

/// A new site (SQLite in a temporary folder, or a PostgreSQL database of
/// its own) with a section and an author.
async fn site() -> ((tempfile::TempDir, Scratch), Store, bestpick_store::User) {
    let dir = tempfile::tempdir().unwrap();
    let db = Scratch::new(dir.path()).await.unwrap();
    let store = Store::open(db.location(), Clock::system()).await.unwrap();
    store.create_section("films", "Films", "").await.unwrap();
    let author = store
        .create_user("ann", "Ann", Role::Admin, "hash")
        .await
        .unwrap();
    ((dir, db), store, author)
}

#[tokio::test]
async fn a_failed_post_leaves_nothing_and_the_rest_of_its_batch_is_stored() {
    let (_dir, store, author) = site().await;
    let before = store.changes().last_change(Topic::Lists);

    let mut batch = store.post_batch().await.unwrap();
    let mut save = async |slug: &str, work: &str, cover: Cover| {
        let post = pick(slug, work);
        batch
            .save_post(&post, &cover, &author, SaveMode::Upsert)
            .await
    };
    assert!(
        save("first", "First Film", Cover::None).await.unwrap(),
        "new"
    );
    // This one fails on its last statement, the post's own row (there is no
    // media 999), after its work, person and credits were written.
    let failed = save("second", "Second Film", Cover::Existing(999)).await;
    // The foreign key's refusal, said at the cover.
    let error = format!("{:?}", failed.unwrap_err());
    assert!(
        error.contains("field: \"cover\"") && error.contains("Unknown"),
        "{error}"
    );
    let again = save("first", "First Film", Cover::None).await.unwrap();
    assert!(!again, "the same slug again is an update");
    assert!(save("third", "Third Film", Cover::None).await.unwrap());

    assert!(
        store.post_id_by_slug("first").await.unwrap().is_none(),
        "nothing shows before the batch commits"
    );
    assert_eq!(store.changes().last_change(Topic::Lists), before);
    batch.commit().await.unwrap();

    assert!(store.changes().last_change(Topic::Lists) > before);
    for slug in ["first", "third"] {
        assert!(store.post_by_slug(slug).await.unwrap().is_some(), "{slug}");
    }
    assert!(store.post_by_slug("second").await.unwrap().is_none());
    assert!(
        store
            .work_by_slug("second-film-2001", bestpick_store::FilmScope::All)
            .await
            .unwrap()
            .is_none(),
        "the failed post's work went with it"
    );
    assert!(store
        .work_by_slug("third-film-2001", bestpick_store::FilmScope::All)
        .await
        .unwrap()
        .is_some());
}

#[tokio::test]
async fn a_batch_dropped_without_commit_stores_nothing() {
    let (_dir, store, author) = site().await;
    {
        let mut batch = store.post_batch().await.unwrap();
        let post = pick("lost", "Lost Film");
        batch
            .save_post(&post, &Cover::None, &author, SaveMode::Upsert)
            .await
            .unwrap();
    }
    assert!(store.post_by_slug("lost").await.unwrap().is_none());
    // The writer is free again.
    let post = pick("kept", "Kept Film");
    store
        .save_post(&post, &Cover::None, &author, SaveMode::Create)
        .await
        .unwrap();
    assert!(store.post_by_slug("kept").await.unwrap().is_some());
}
