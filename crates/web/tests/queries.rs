//! No page makes more queries for more items (no N+1): every SQL statement
//! sqlx runs is counted while one page renders, on a small site and again
//! once every list, thread and credit list on it is long.
//!
//! A binary of its own, so the process-wide count sees this test's queries
//! only (sqlx runs SQLite statements on worker threads).

#[path = "http/helpers.rs"]
#[allow(dead_code)]
mod helpers;

use helpers::TestApp;
use std::sync::atomic::{AtomicUsize, Ordering};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::Layer;

static QUERIES: AtomicUsize = AtomicUsize::new(0);

/// Counts sqlx's one event per statement.
struct CountQueries;

impl<S: tracing::Subscriber> Layer<S> for CountQueries {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        if event.metadata().target() == "sqlx::query" {
            QUERIES.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// A pick about `work` with these cast members, tags and critics.
fn pick(slug: &str, work: &str, cast: &[&str], tags: &[&str], critics: usize) -> String {
    let cast: Vec<String> = cast
        .iter()
        .map(|c| format!("{{ name = \"{c}\", role = \"Someone\" }}"))
        .collect();
    let tags: Vec<String> = tags.iter().map(|t| format!("\"{t}\"")).collect();
    let critics: String = (0..critics)
        .map(|i| format!("[[critics]]\noutlet = \"Outlet {i}\"\nquote = \"Quote {i}.\"\n\n"))
        .collect();
    format!(
        "+++\ntitle = \"About {work} ({slug})\"\nslug = \"{slug}\"\nkind = \"pick\"\n\
         section = \"best-pick\"\ntags = [{}]\n\n[work]\nkind = \"movie\"\nname = \"{work}\"\n\
         year = 2001\ndirectors = [\"Dee Rector\"]\ncast = [{}]\n\n{critics}+++\nA few words.\n",
        tags.join(", "),
        cast.join(", "),
    )
}

/// Statements run while the page renders (it is rendered anew: every
/// measurement follows a change).
async fn queries(app: &TestApp, path: &str) -> usize {
    let before = QUERIES.load(Ordering::SeqCst);
    let (status, html) = app.get_text(path).await;
    assert_eq!(status, 200, "{path}: {html}");
    QUERIES.load(Ordering::SeqCst) - before
}

async fn comment(app: &TestApp, post: &str, i: usize) {
    let r = app
        .comment(
            post,
            &[
                ("name", &format!("Reader {i}")),
                ("email", &format!("reader{i}@example.com")),
                (
                    "body",
                    &format!("Comment number {i} about the film's ending."),
                ),
            ],
        )
        .await;
    let status = r.status();
    let page = r.text().await.unwrap();
    assert_eq!(status, 303, "{}", refusal(&page));
}

/// The message shown above a refused comment form.
fn refusal(page: &str) -> &str {
    page.split("role=\"alert\">")
        .nth(1)
        .unwrap_or(page)
        .split('<')
        .next()
        .unwrap_or("")
}

/// Every kind of page, with the post page of `post`.
fn pages(post: &str) -> [String; 8] {
    [
        post.to_owned(),
        "/".into(),
        "/best-pick".into(),
        "/tag/shared".into(),
        "/author/chief".into(),
        "/work/big-film-2001".into(),
        "/person/ann-actor".into(),
        "/works".into(),
    ]
}

async fn count_all(app: &TestApp, post: &str) -> Vec<usize> {
    let mut counts = Vec::new();
    for page in pages(post) {
        // Twice, after a change every page shows so each renders again; the
        // fewer, as opening a pooled connection runs statements of its own.
        let mut fewest = usize::MAX;
        for _ in 0..2 {
            let tagline = format!("t{}", QUERIES.load(Ordering::SeqCst));
            app.set_settings(&[("site_tagline", &tagline)]).await;
            fewest = fewest.min(queries(app, &page).await);
        }
        counts.push(fewest);
    }
    counts
}

#[tokio::test]
async fn pages_make_as_many_queries_for_many_items_as_for_one() {
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(CountQueries))
        .expect("the only subscriber of this binary");
    let app = TestApp::spawn().await;
    app.relax_comment_limits().await;

    // Small: one post on every list (and another pick, its one related
    // pick, on the home page), one comment, one credit each.
    app.import(&pick("small", "Big Film", &["Ann Actor"], &["shared"], 1))
        .await;
    app.import(&pick("related", "Related Film", &["Ann Actor"], &[], 0))
        .await;
    comment(&app, "/best-pick/small", 0).await;
    let small = count_all(&app, "/best-pick/small").await;

    // Large: fourteen posts on the lists, six of them about the work, the
    // person in eight films, a post with many cast, tags, critics, comments.
    for i in 0..7 {
        app.import(&pick(
            &format!("other-{i}"),
            &format!("Other Film {i}"),
            &["Ann Actor", "Bo Actor"],
            &["shared", "more"],
            2,
        ))
        .await;
    }
    let cast: Vec<String> = (0..9).map(|i| format!("Cast Member {i}")).collect();
    let mut cast: Vec<&str> = cast.iter().map(String::as_str).collect();
    cast.push("Ann Actor");
    for i in 0..6 {
        app.import(&pick(
            &format!("big-{i}"),
            "Big Film",
            &cast,
            &["shared", "a", "b", "c", "d"],
            6,
        ))
        .await;
    }
    for i in 1..=12 {
        comment(&app, "/best-pick/big-0", i).await;
    }
    let large = count_all(&app, "/best-pick/big-0").await;

    for ((page, s), l) in pages("the post page").iter().zip(&small).zip(&large) {
        println!("{page}: {s} queries with one item, {l} with many");
        assert!(*s > 0, "{page}: the count sees queries");
        assert!(l <= s, "{page}: queries grew with the items on the page");
    }
}
