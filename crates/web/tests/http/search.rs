//! Site search through the real server: the results page (no JavaScript
//! needed), the API, suggestions, and queries that try to break it.

use crate::comments::runnable_parts;
use crate::helpers::{TestApp, HEAT};
use bestpick_app::accounts;
use serde_json::{json, Value};

const AMELIE: &str = r#"+++
title = "Amélie: a Paris of small kindnesses"
slug = "amelie"
kind = "pick"
section = "best-pick"
date = 2021-03-01
tags = ["paris"]
summary = "A shy waitress decides to change the lives around her."

[work]
kind = "movie"
name = "Amélie"
original_name = "Le Fabuleux Destin d'Amélie Poulain"
year = 2001
directors = ["Jean-Pierre Jeunet"]
cast = [{ name = "Audrey Tautou", role = "Amélie Poulain" }]
genres = ["Comedy", "Romance"]

[[scores]]
source = "metacritic"
value = 69

[[lines]]
speaker = "Raymond Dufayel"
text = "Times are hard for dreamers."
+++
Montmartre, garden gnomes and a photo booth: the film is a music box.
"#;

const WIRE: &str = r#"+++
title = "The Wire: a city in five seasons"
slug = "the-wire"
kind = "pick"
section = "best-pick"
date = 2022-06-01
summary = "Baltimore, told from the corners to city hall."

[work]
kind = "tv"
name = "The Wire"
year = 2002
end_year = 2008
seasons = 5
cast = [{ name = "Dominic West", role = "Jimmy McNulty" }]
genres = ["Crime", "Drama"]

[[scores]]
source = "metacritic"
value = 98
+++
A television novel.
"#;

const DRAFT: &str = r#"+++
title = "Zanzibar nights"
slug = "zanzibar"
kind = "essay"
section = "essays"
status = "draft"
+++
Unpublished words about a quokka.
"#;

const SCHEDULED: &str = r#"+++
title = "Coming soon: the marmoset chronicles"
slug = "marmoset"
kind = "essay"
section = "essays"
date = 2099-01-01
+++
Not yet.
"#;

async fn app_with_posts() -> TestApp {
    let app = TestApp::spawn().await;
    for text in [HEAT, AMELIE, WIRE, DRAFT, SCHEDULED] {
        app.import(text).await;
    }
    app
}

/// The slugs the API finds for a query string (`q=...&kind=...`), best first.
async fn found(app: &TestApp, query: &str) -> Vec<String> {
    let r = app.get(&format!("/api/v1/search?{query}")).await;
    assert_eq!(r.status(), 200, "{query}");
    let v: Value = r.json().await.unwrap();
    v["results"]["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["slug"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn search_finds_picks_by_title_cast_line_and_name_with_or_without_accents() {
    let app = app_with_posts().await;
    assert_eq!(found(&app, "q=heat").await, ["heat"]);
    // A cast member, a character, a director, words of a line, of a quote.
    assert_eq!(found(&app, "q=pacino").await, ["heat"]);
    assert_eq!(found(&app, "q=mcnulty").await, ["the-wire"]);
    assert_eq!(found(&app, "q=jeunet").await, ["amelie"]);
    assert_eq!(found(&app, "q=hard+for+dreamers").await, ["amelie"]);
    assert_eq!(found(&app, "q=earns+its+length").await, ["heat"]);
    // Accents typed or not, any case, an original title, a word's start.
    for q in [
        "amelie",
        "Amélie",
        "AMELIE",
        "fabuleux+destin",
        "ame",
        "Tautou",
    ] {
        assert_eq!(found(&app, &format!("q={q}")).await, ["amelie"], "{q}");
    }
    // A quoted phrase must come in that order.
    assert_eq!(found(&app, "q=%22small+kindnesses%22").await, ["amelie"]);
    assert!(found(&app, "q=%22kindnesses+small%22").await.is_empty());
    // The title outranks the body: "city" is Heat's title and The Wire's too,
    // but only in The Wire's summary as well.
    let city = found(&app, "q=city").await;
    assert_eq!(city.len(), 2);

    // Drafts and scheduled posts are found by nobody, anywhere.
    for q in ["zanzibar", "quokka", "marmoset"] {
        assert!(found(&app, &format!("q={q}")).await.is_empty(), "{q}");
        let (status, html) = app.get_text(&format!("/search?q={q}")).await;
        assert_eq!(status, 200);
        assert!(html.contains("Nothing found"), "{q}");
        let (_, suggested) = app.get_text(&format!("/search/suggest?q={q}")).await;
        assert!(!suggested.to_lowercase().contains(q), "{suggested}");
    }

    // The page: a title and a snippet with the words marked, works and people named.
    let (status, html) = app.get_text("/search?q=amelie").await;
    assert_eq!(status, 200);
    assert!(html.contains("<meta name=\"robots\" content=\"noindex, follow\">"));
    assert!(
        html.contains("<mark>Amélie</mark>: a Paris of small kindnesses"),
        "{html}"
    );
    assert!(
        html.contains("href=\"/work/amelie-2001\">Amélie (2001)</a>"),
        "{html}"
    );
    assert!(html.contains("href=\"/person/audrey-tautou\"") || html.contains("1 result"));
    let (_, html) = app.get_text("/search?q=tautou").await;
    assert!(
        html.contains("href=\"/person/audrey-tautou\">Audrey Tautou</a>"),
        "{html}"
    );
    assert!(html.contains("<mark>Tautou</mark>"), "{html}");
}

#[tokio::test]
async fn every_filter_narrows_the_results() {
    let app = app_with_posts().await;
    // One letter is a word, not the start of one ("Wire").
    assert!(found(&app, "q=w").await.is_empty());
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    // "the" is in all three picks.
    assert_eq!(
        sorted(found(&app, "q=the").await),
        ["amelie", "heat", "the-wire"]
    );
    assert_eq!(found(&app, "q=the&kind=tv").await, ["the-wire"]);
    assert_eq!(
        sorted(found(&app, "q=the&kind=movie").await),
        ["amelie", "heat"]
    );
    assert_eq!(
        sorted(found(&app, "q=the&genre=Crime").await),
        ["heat", "the-wire"]
    );
    assert_eq!(found(&app, "q=the&genre=Romance").await, ["amelie"]);
    assert_eq!(
        sorted(found(&app, "q=the&year_from=2000").await),
        ["amelie", "the-wire"]
    );
    assert_eq!(found(&app, "q=the&year_to=1999").await, ["heat"]);
    assert_eq!(
        found(&app, "q=the&year_from=2001&year_to=2001").await,
        ["amelie"]
    );
    // Heat's mean is (76 + 83) / 2; The Wire's 98; Amélie's 69.
    assert_eq!(
        sorted(found(&app, "q=the&min_score=75").await),
        ["heat", "the-wire"]
    );
    assert_eq!(found(&app, "q=the&min_score=90").await, ["the-wire"]);
    assert_eq!(found(&app, "q=the&person=al-pacino").await, ["heat"]);
    assert!(found(&app, "q=the&section=essays").await.is_empty());
    assert_eq!(
        sorted(found(&app, "q=the&section=best-pick").await),
        ["amelie", "heat", "the-wire"]
    );
    // Filters without words list what they let through, newest first.
    assert_eq!(found(&app, "genre=Crime").await, ["the-wire", "heat"]);
    let (_, html) = app.get_text("/search?person=al-pacino").await;
    assert!(html.contains("about works with Al Pacino"), "{html}");
    // The page offers the genres readers can see, and keeps what was chosen.
    let (_, html) = app.get_text("/search?q=the&genre=Romance&kind=movie").await;
    assert!(html.contains("<option selected>Romance</option>"), "{html}");
    assert!(html.contains("<option>Crime</option>"));
    assert!(html.contains("<option value=\"movie\" selected>Film</option>"));

    // Wrong values are named, with why, and change nothing.
    let r = app
        .get("/api/v1/search?q=heat&year_from=19x5&min_score=101&kind=opera")
        .await;
    assert_eq!(r.status(), 400);
    let err: Value = r.json().await.unwrap();
    let fields: Vec<&str> = err["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["kind", "year_from", "min_score"]);
    // Control characters in a filter are named, not sent to the database.
    let r = app
        .get("/api/v1/search?q=heat&section=a%00b&person=%01&genre=x%00y")
        .await;
    assert_eq!(r.status(), 400);
    let err: Value = r.json().await.unwrap();
    assert_eq!(err["error"]["fields"].as_array().unwrap().len(), 3, "{err}");
    let (status, html) = app
        .get_text("/search?q=heat&year_from=2010&year_to=1990")
        .await;
    assert_eq!(status, 400);
    assert!(
        html.contains("Year to: 1990 is before the first year, 2010"),
        "{html}"
    );
    assert!(html.contains("value=\"heat\""));
}

#[tokio::test]
async fn a_saved_change_is_searchable_at_once() {
    let app = app_with_posts().await;
    let t = accounts::create_token(&app.site, "test-search", "chief", None)
        .await
        .unwrap();
    let r = app
        .client
        .put(app.url("/api/v1/posts/heat"))
        .bearer_auth(&t)
        .json(&json!({
            "title": "Heat: the diner scene", "section": "best-pick", "kind": "pick",
            "body": "Two men and a cup of coffee in Los Angeles.",
            "work": {"kind": "movie", "name": "Heat", "year": 1995, "imdb_id": "tt0113277",
                     "cast": [{"name": "Al Pacino", "role": "Vincent Hanna"}]}
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    assert_eq!(found(&app, "q=coffee").await, ["heat"]);
    assert!(
        found(&app, "q=robbery").await.is_empty(),
        "the old body is gone"
    );
    // Renaming a person is searchable under the new name.
    let r = app
        .client
        .put(app.url("/api/v1/people/al-pacino"))
        .bearer_auth(&t)
        .json(&json!({"name": "Alfredo Pacino"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(found(&app, "q=alfredo").await, ["heat"]);
    let v: Value = app
        .get("/search/suggest?q=alfre")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["people"][0]["name"], "Alfredo Pacino", "{v}");
    // A draft published is found; unpublished again, it is not.
    let r = app
        .client
        .put(app.url("/api/v1/posts/zanzibar"))
        .bearer_auth(&t)
        .json(
            &json!({"title": "Zanzibar nights", "section": "essays", "kind": "essay",
                      "status": "published", "body": "Words about a quokka."}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(found(&app, "q=quokka").await, ["zanzibar"]);
    // The index is built again from the database as it is (a copy, a new
    // version) with the same results.
    app.site.store.rebuild_search_index().await.unwrap();
    assert_eq!(found(&app, "q=quokka").await, ["zanzibar"]);
    assert_eq!(found(&app, "q=amelie").await, ["amelie"]);
    assert_eq!(found(&app, "q=alfredo").await, ["heat"]);
}

#[tokio::test]
async fn no_query_breaks_the_search_and_none_runs_in_the_page() {
    let app = app_with_posts().await;
    let file =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/attacks");
    let mut queries: Vec<String> = [
        "\"",
        "\"heat",
        "heat\"",
        "*",
        "**",
        "heat*",
        "NEAR(heat pacino)",
        "heat AND OR NOT",
        "title:heat",
        "-heat",
        "^heat",
        "heat + pacino",
        "(",
        ")",
        "{}",
        "'",
        "''",
        "\\",
        "%",
        "_",
        "'; DROP TABLE posts; --",
        "a:* & !b | c <-> d",
        "\u{0}\u{1}\u{7f}heat",
        "千と千尋の神隠し",
        "Амели",
        "مرحبا",
        "🎬🍿",
        "ß",
        "İstanbul",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    queries.push("heat ".repeat(2048));
    queries.push("x".repeat(10_240));
    for name in ["xss_alert.txt", "sqli_auth_bypass2.txt"] {
        match std::fs::read_to_string(file.join(name)) {
            Ok(list) => queries.extend(list.lines().map(str::to_owned)),
            Err(_) => crate::helpers::skip("../shared/data/attacks is not there"),
        }
    }
    for q in &queries {
        let r = app
            .client
            .get(app.url("/search"))
            .query(&[("q", q)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{q:?}");
        let html = r.text().await.unwrap();
        let bad = runnable_parts(&html);
        assert!(bad.is_empty(), "{q:?} runs in the page: {bad:?}");
        for path in ["/api/v1/search", "/search/suggest"] {
            let r = app
                .client
                .get(app.url(path))
                .query(&[("q", q)])
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200, "{path} {q:?}");
            let _: Value = r.json().await.unwrap();
        }
    }
    // A long query is searched in part, and the page says so.
    let (_, html) = app
        .get_text(&format!("/search?q={}", "heat+".repeat(50)))
        .await;
    assert!(html.contains("Only the first 12 words"), "{html}");
    assert!(html.contains("1 result"), "{html}");
    // Words that come out of a post's own text are escaped too.
    app.import(
        "+++\ntitle = \"Tags <b>in</b> a title\"\nslug = \"tagged\"\nsection = \"essays\"\nkind = \"essay\"\ndate = 2020-01-01\n+++\nThe `<script>alert('zebra')</script>` zebra <img src=x onerror=alert(1)> zebra.\n",
    )
    .await;
    let (_, html) = app.get_text("/search?q=zebra").await;
    assert!(html.contains("<mark>zebra</mark>"), "{html}");
    assert!(runnable_parts(&html).is_empty(), "{html}");
    assert!(
        !html.contains("<b>in</b>") && !html.contains("<script>alert"),
        "{html}"
    );
}

#[tokio::test]
async fn every_page_has_a_search_box_that_works_without_javascript() {
    let app = app_with_posts().await;
    for path in [
        "/",
        "/best-pick",
        "/best-pick/heat",
        "/tag/crime",
        "/work/heat-1995",
    ] {
        let (status, html) = app.get_text(path).await;
        assert_eq!(status, 200, "{path}");
        assert!(
            html.contains(
                "<form class=\"site-search\" action=\"/search\" method=\"get\" role=\"search\">"
            ),
            "{path}"
        );
    }
    // The box's form is an ordinary GET: its page lists the results.
    let (status, html) = app.get_text("/search?q=heat").await;
    assert_eq!(status, 200);
    assert!(html.contains("1 result"), "{html}");
    assert!(
        html.contains("href=\"/best-pick/heat\"><mark>Heat</mark>: two professionals"),
        "{html}"
    );
    // Past the last page, nothing.
    assert_eq!(app.get("/search?q=heat&page=2").await.status(), 404);
    assert_eq!(app.get("/search?q=heat&page=0").await.status(), 400);
}

/// With JavaScript, the masthead's box suggests works, people and posts as
/// the reader types; the arrow keys and Enter open one. Enter alone opens
/// the results page, as without JavaScript.
#[tokio::test]
async fn suggestions_appear_as_a_reader_types_in_chromium() {
    use crate::chromium::{connect, start_chromedriver};
    use fantoccini::key::Key;
    use fantoccini::Locator;
    let Some(driver) = start_chromedriver() else {
        crate::helpers::skip("chromedriver is not installed (apt-get install chromium chromium-driver, as .ci/run does)");
        return;
    };
    let app = app_with_posts().await;
    let c = connect(&driver).await;
    c.goto(&app.url("/best-pick")).await.unwrap();
    let input = c.find(Locator::Css("#site-search-q")).await.unwrap();
    input.send_keys("ame").await.unwrap();
    let first = c
        .wait()
        .for_element(Locator::Css("#site-search-list [role=option]"))
        .await
        .unwrap();
    assert_eq!(first.text().await.unwrap(), "Amélie (2001)\nFilm");
    let options = c
        .find_all(Locator::Css("#site-search-list [role=option]"))
        .await
        .unwrap();
    let mut texts = Vec::new();
    for o in &options {
        texts.push(o.text().await.unwrap());
    }
    assert!(
        texts
            .iter()
            .any(|t| t.starts_with("Amélie: a Paris of small kindnesses")),
        "{texts:?}"
    );
    assert!(
        texts.last().unwrap().starts_with("All results for “ame”"),
        "{texts:?}"
    );
    assert_eq!(
        input.attr("aria-expanded").await.unwrap().as_deref(),
        Some("true")
    );
    // Down to the first suggestion, Enter: the work's page.
    input.send_keys(&Key::Down.to_string()).await.unwrap();
    assert_eq!(
        first.attr("aria-selected").await.unwrap().as_deref(),
        Some("true")
    );
    input.send_keys(&Key::Enter.to_string()).await.unwrap();
    c.wait()
        .for_url(&url::Url::parse(&app.url("/work/amelie-2001")).unwrap())
        .await
        .unwrap();
    // Typed and sent: the results page.
    let input = c.find(Locator::Css("#site-search-q")).await.unwrap();
    input.send_keys("pacino").await.unwrap();
    input.send_keys(&Key::Enter.to_string()).await.unwrap();
    c.wait()
        .for_element(Locator::Css(".hits .hit"))
        .await
        .unwrap();
    assert!(c
        .current_url()
        .await
        .unwrap()
        .as_str()
        .ends_with("/search?q=pacino"));
    let hit = c.find(Locator::Css(".hits .hit h3")).await.unwrap();
    assert_eq!(
        hit.text().await.unwrap(),
        "Heat: two professionals, one city"
    );
    c.close().await.unwrap();
}
