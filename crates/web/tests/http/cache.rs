//! The page cache through the real server: every page that shows a change
//! shows it on the very next request, no reader is given another's personal
//! parts, conditional requests answer 304 correctly, encodings are
//! negotiated, one render serves a crowd, and memory stays in its bound.

use crate::helpers::{client, hidden_value, TestApp, HEAT};
use std::io::Read;

const POST: &str = "/best-pick/heat";

/// Every page that shows Heat or its film data.
const PAGES: [&str; 7] = [
    POST,
    "/",
    "/best-pick",
    "/tag/crime",
    "/author/chief",
    "/work/heat-1995",
    "/person/al-pacino",
];

/// Pages that list Heat's card (with its comment count).
const LISTS: [&str; 5] = [
    "/",
    "/best-pick",
    "/tag/crime",
    "/author/chief",
    "/work/heat-1995",
];

async fn app_with_heat() -> TestApp {
    let app = TestApp::spawn().await;
    app.import(HEAT).await;
    app.relax_comment_limits().await;
    app
}

/// Loads every page twice: the second answer comes from the cache.
async fn warm(app: &TestApp) {
    for _ in 0..2 {
        for page in PAGES {
            let (status, _) = app.get_text(page).await;
            assert_eq!(status, 200, "{page}");
        }
    }
    assert!(app.pages.usage().1 >= PAGES.len(), "the pages are cached");
}

async fn assert_every(app: &TestApp, pages: &[&str], text: &str, present: bool) {
    for page in pages {
        let (_, html) = app.get_text(page).await;
        assert_eq!(
            html.contains(text),
            present,
            "{page} should {}show {text:?}",
            if present { "" } else { "not " }
        );
    }
}

fn comment_id(r: &reqwest::Response) -> i64 {
    let location = r.headers()["location"].to_str().unwrap();
    location
        .rsplit("#comment-")
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn every_page_shows_a_change_on_the_very_next_request() {
    let app = app_with_heat().await;
    warm(&app).await;

    // A new comment: on the post, and in the count of every list.
    let r = app
        .comment(
            POST,
            &[
                ("name", "Ann"),
                ("email", "ann@example.com"),
                ("body", "The diner scene is the heart of it."),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let first = comment_id(&r);
    assert_every(&app, &[POST], "The diner scene is the heart of it.", true).await;
    assert_every(&app, &LISTS, "1 comment<", true).await;

    // A reply.
    let r = app
        .comment(
            POST,
            &[
                ("name", "Ben"),
                ("email", "ben@example.com"),
                ("body", "And the airport ending."),
                ("parent_id", &first.to_string()),
            ],
        )
        .await;
    let reply = comment_id(&r);
    assert_every(&app, &[POST], "And the airport ending.", true).await;
    assert_every(&app, &LISTS, "2 comments<", true).await;

    // The writer's own edit.
    let edit = format!("/comments/{reply}/edit");
    let r = app
        .post_form(&edit, &edit, &[("body", "And the runway at the end.")])
        .await;
    assert_eq!(r.status(), 303);
    assert_every(&app, &[POST], "And the runway at the end.", true).await;

    // A moderator's action.
    app.login_admin().await;
    let r = app.moderate(reply, "trash", "published").await;
    assert_eq!(r.status(), 303);
    assert_every(&app, &[POST], "And the runway at the end.", false).await;
    assert_every(&app, &LISTS, "1 comment<", true).await;

    // A post edit (the same document imported again, retitled).
    app.import(&HEAT.replace("Heat: two professionals, one city", "Heat, revisited"))
        .await;
    assert_every(&app, &[POST], "Heat, revisited", true).await;
    assert_every(&app, &LISTS, "Heat, revisited", true).await;

    // A new post in the same section, tag and author.
    app.import(
        "+++\ntitle = \"Thief, a first look\"\nslug = \"thief\"\nkind = \"pick\"\n\
         section = \"best-pick\"\ntags = [\"crime\"]\n\n[work]\nkind = \"movie\"\nname = \"Thief\"\n\
         year = 1981\n+++\nMann's first feature.\n",
    )
    .await;
    assert_every(
        &app,
        &["/", "/best-pick", "/tag/crime", "/author/chief"],
        "Thief, a first look",
        true,
    )
    .await;

    // A setting every page shows.
    app.set_settings(&[("site_name", "Night Shift Films")])
        .await;
    assert_every(&app, &PAGES, "Night Shift Films", true).await;

    // A retired section: gone from every page's navigation, its address moved.
    let store = &app.site.store;
    let news = store.section_by_slug("news").await.unwrap().unwrap();
    let best = store.section_by_slug("best-pick").await.unwrap().unwrap();
    assert_every(&app, &PAGES, "href=\"/news\"", true).await;
    store.retire_section(news.id, best.id).await.unwrap();
    assert_every(&app, &PAGES, "href=\"/news\"", false).await;
}

#[tokio::test]
async fn no_reader_is_given_another_readers_personal_parts() {
    let app = app_with_heat().await;
    // Ann comments (her browser may edit it for ten minutes).
    let ann = client();
    let r = app
        .comment_with(
            &ann,
            POST,
            &[
                ("name", "Ann"),
                ("email", "ann@example.com"),
                ("body", "Pacino at full volume."),
            ],
        )
        .await;
    let id = comment_id(&r);
    // The editor looks at the page while logged in.
    app.login_admin().await;
    let editor_page = app.get(POST).await;
    let editor_tag = editor_page.headers()["etag"].clone();
    let editor_html = editor_page.text().await.unwrap();

    // Ben, a stranger, gets the very same bytes: no token, no name, no link.
    let ben = client();
    let r = ben.get(app.url(POST)).send().await.unwrap();
    assert_eq!(r.headers()["etag"], editor_tag);
    assert!(r.headers().get("set-cookie").is_none());
    let html = r.text().await.unwrap();
    assert_eq!(html, editor_html);
    assert_eq!(hidden_value(&html, "csrf").as_deref(), Some(""));
    // The stamp of the page's own render, the same for everyone (it lets a
    // reader without JavaScript post in one press), is no one's own.
    assert!(hidden_value(&html, "stamp").is_some_and(|s| !s.is_empty()));
    assert!(!html.contains("Editor in Chief (logged in)"));
    assert!(!html.contains(&format!("/comments/{id}/edit")));

    // Each gets their own parts from the form endpoint.
    let post_id = hidden_value(&html, "post_id").unwrap();
    let (for_ann, for_ben, for_editor) = (
        app.form_details(&ann, &post_id).await,
        app.form_details(&ben, &post_id).await,
        app.form_details(&app.client, &post_id).await,
    );
    assert_eq!(for_ann["editable"], serde_json::json!([id]));
    assert_eq!(for_ben["editable"], serde_json::json!([]));
    assert_eq!(for_ben["member"], serde_json::Value::Null);
    assert_eq!(for_editor["member"], "Editor in Chief");
    assert_ne!(for_ann["csrf"], for_ben["csrf"]);
    assert_ne!(for_ben["csrf"], for_editor["csrf"]);

    // Ben's token is his own: Ann's is refused in his browser, which is
    // asked to confirm, and nothing is stored.
    let before = app.stored_comments().await;
    let r = ben
        .post(app.url("/comments"))
        .form(&[
            ("csrf", for_ann["csrf"].as_str().unwrap()),
            ("stamp", for_ben["stamp"].as_str().unwrap()),
            ("post_id", &post_id),
            ("name", "Ben"),
            ("email", "ben@example.com"),
            ("body", "Forged."),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("press “Post comment” once more"), "{page}");
    assert_eq!(app.stored_comments().await, before);
}

#[tokio::test]
async fn a_form_without_its_token_asks_to_confirm_and_then_posts() {
    // A browser without JavaScript sends the shared page's empty token.
    let app = app_with_heat().await;
    let reader = client();
    let html = app.text_with(&reader, POST).await;
    let post_id = hidden_value(&html, "post_id").unwrap();
    let fields = [
        ("post_id", post_id.as_str()),
        ("name", "Cy"),
        ("email", "cy@example.com"),
        ("body", "No scripts here, still a fan."),
    ];
    let mut first = vec![("csrf", ""), ("stamp", "")];
    first.extend_from_slice(&fields);
    let r = reader
        .post(app.url("/comments"))
        .form(&first)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert_eq!(r.headers()["cache-control"], "private, no-cache");
    let page = r.text().await.unwrap();
    assert!(
        page.contains("No scripts here, still a fan."),
        "what was typed is kept"
    );
    assert_eq!(app.stored_comments().await, 0);
    // The confirmation page carries this reader's token and stamp.
    let csrf = hidden_value(&page, "csrf").unwrap();
    let stamp = hidden_value(&page, "stamp").unwrap();
    assert!(!csrf.is_empty() && !stamp.is_empty());
    let mut again = vec![("csrf", csrf.as_str()), ("stamp", stamp.as_str())];
    again.extend_from_slice(&fields);
    let r = reader
        .post(app.url("/comments"))
        .form(&again)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert!(app
        .get_text(POST)
        .await
        .1
        .contains("No scripts here, still a fan."));
}

fn gunzip(bytes: &[u8]) -> String {
    let mut out = String::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_string(&mut out)
        .unwrap();
    out
}

fn unbrotli(bytes: &[u8]) -> String {
    let mut out = String::new();
    brotli::Decompressor::new(bytes, 4096)
        .read_to_string(&mut out)
        .unwrap();
    out
}

#[tokio::test]
async fn conditional_requests_and_encodings_are_answered_correctly() {
    let app = app_with_heat().await;
    let get = |headers: Vec<(&'static str, String)>| {
        let mut r = app.client.get(app.url(POST));
        for (k, v) in headers {
            r = r.header(k, v);
        }
        r.send()
    };
    // A HEAD first: it must not leave an empty page for the GETs after it.
    let r = app.client.head(app.url(POST)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let r = get(vec![]).await.unwrap();
    assert_eq!(r.status(), 200);
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    let modified = r.headers()["last-modified"].to_str().unwrap().to_owned();
    let control = r.headers()["cache-control"].to_str().unwrap().to_owned();
    assert!(control.contains("public") && control.contains("stale-while-revalidate"));
    assert_eq!(r.headers()["vary"], "Accept-Encoding");
    let plain = r.text().await.unwrap();
    assert!(plain.contains("Heat: two professionals"));

    // The same content in br and gzip, each with its own ETag.
    let r = get(vec![("accept-encoding", "gzip, br".into())])
        .await
        .unwrap();
    assert_eq!(r.headers()["content-encoding"], "br");
    let br_tag = r.headers()["etag"].to_str().unwrap().to_owned();
    assert_ne!(br_tag, etag);
    assert_eq!(unbrotli(&r.bytes().await.unwrap()), plain);
    let r = get(vec![("accept-encoding", "gzip".into())]).await.unwrap();
    assert_eq!(r.headers()["content-encoding"], "gzip");
    assert_eq!(gunzip(&r.bytes().await.unwrap()), plain);

    // Revalidation: 304 without a body while nothing changed.
    for asked in [
        vec![("if-none-match", etag.clone())],
        vec![
            ("if-none-match", format!("\"other\", {br_tag}")),
            ("accept-encoding", "br".into()),
        ],
        vec![("if-modified-since", modified.clone())],
    ] {
        let r = get(asked.clone()).await.unwrap();
        assert_eq!(r.status(), 304, "{asked:?}");
        assert!(r.headers().contains_key("etag"));
        assert!(r.bytes().await.unwrap().is_empty());
    }
    let r = get(vec![("if-none-match", "\"stale\"".into())])
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    // After a comment the old ETag no longer matches.
    let r = app
        .comment(
            POST,
            &[
                ("name", "Ann"),
                ("email", "ann@example.com"),
                ("body", "Worth every minute."),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let r = get(vec![("if-none-match", etag.clone())]).await.unwrap();
    assert_eq!(r.status(), 200);
    assert_ne!(r.headers()["etag"].to_str().unwrap(), etag);
    assert!(r.text().await.unwrap().contains("Worth every minute."));
}

#[tokio::test]
async fn one_render_serves_everyone_who_asks_at_once() {
    let app = app_with_heat().await;
    app.get_text(POST).await;
    let before = app.pages.renders();
    // A change, then a crowd: one render for all of them.
    app.set_settings(&[("site_tagline", "Crowded tonight")])
        .await;
    let crowd: Vec<_> = (0..24)
        .map(|_| {
            let url = app.url(POST);
            tokio::spawn(async move { reqwest::get(url).await.unwrap().text().await.unwrap() })
        })
        .collect();
    for reader in crowd {
        assert!(reader.await.unwrap().contains("Crowded tonight"));
    }
    assert_eq!(app.pages.renders() - before, 1);
}

#[tokio::test]
async fn the_cache_stays_inside_its_memory_bound() {
    let limit = 96 * 1024;
    let app = TestApp::spawn_with(bestpick_web::Options {
        page_cache_bytes: limit,
        ..Default::default()
    })
    .await;
    for i in 0..40 {
        app.import(&format!(
            "+++\ntitle = \"Film number {i}\"\nslug = \"film-{i}\"\nkind = \"essay\"\n\
             section = \"best-pick\"\n+++\n{}\n",
            "A paragraph about the film, long enough to weigh something. ".repeat(40)
        ))
        .await;
    }
    for i in 0..40 {
        let (status, _) = app.get_text(&format!("/best-pick/film-{i}")).await;
        assert_eq!(status, 200);
        let (bytes, _) = app.pages.usage();
        assert!(bytes <= limit, "{bytes} bytes cached, more than {limit}");
    }
    let (bytes, pages) = app.pages.usage();
    assert!(pages > 3 && pages < 40, "{pages} pages in {bytes} bytes");
    // The most recently used pages are the ones kept.
    let before = app.pages.renders();
    app.get_text("/best-pick/film-39").await;
    assert_eq!(app.pages.renders(), before, "the last page is still cached");
    app.get_text("/best-pick/film-0").await;
    assert_eq!(app.pages.renders(), before + 1, "the first page went first");
}
