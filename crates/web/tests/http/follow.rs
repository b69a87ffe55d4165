//! Being found and followed: the feeds (Atom and RSS, read back with
//! `feed-rs` and with Python's `feedparser`), the site's public address in
//! every absolute link, and what is never in a feed (drafts, scheduled
//! posts before their time).

use crate::helpers::{skip, TestApp, HEAT};

/// A published news article in "news", tagged crime like Heat.
const NEWS: &str = "+++\ntitle = \"Festival line-up announced\"\nslug = \"festival-line-up\"\nkind = \"article\"\n\
section = \"news\"\ndate = 2021-03-01\ntags = [\"crime\"]\n+++\nThe festival opens with **a crime film**; \
see [Heat](/work/heat-1995).\n";

/// A draft and a post scheduled far ahead: neither may show anywhere.
const DRAFT: &str =
    "+++\ntitle = \"Secret draft pick\"\nslug = \"secret-draft\"\nkind = \"essay\"\n\
section = \"essays\"\nstatus = \"draft\"\ntags = [\"crime\", \"only-drafts\"]\n+++\nNot yet.\n";
const SCHEDULED: &str =
    "+++\ntitle = \"Scheduled essay\"\nslug = \"scheduled-essay\"\nkind = \"essay\"\n\
section = \"essays\"\ndate = 2099-01-01\ntags = [\"crime\"]\n+++\nLater.\n";

async fn site_with_posts() -> TestApp {
    let app = TestApp::spawn().await;
    for doc in [HEAT, NEWS, DRAFT, SCHEDULED] {
        app.import(doc).await;
    }
    app
}

fn parse(xml: &str) -> feed_rs::model::Feed {
    feed_rs::parser::parse(xml.as_bytes()).unwrap_or_else(|e| panic!("{e}:\n{xml}"))
}

fn titles(feed: &feed_rs::model::Feed) -> Vec<String> {
    feed.entries
        .iter()
        .map(|e| e.title.as_ref().unwrap().content.clone())
        .collect()
}

#[tokio::test]
async fn feeds_hold_the_newest_published_posts_with_absolute_links() {
    let app = site_with_posts().await;
    for file in ["atom.xml", "rss.xml"] {
        let r = app.get(&format!("/{file}")).await;
        assert_eq!(r.status(), 200, "/{file}");
        let kind = r.headers()["content-type"].to_str().unwrap().to_owned();
        assert!(
            kind.starts_with(if file == "atom.xml" {
                "application/atom+xml"
            } else {
                "application/rss+xml"
            }),
            "{kind}"
        );
        let xml = r.text().await.unwrap();
        let feed = parse(&xml);
        // Newest first; nothing unpublished.
        assert_eq!(
            titles(&feed),
            [
                "Festival line-up announced",
                "Heat: two professionals, one city"
            ],
            "{file}"
        );
        assert!(
            !xml.contains("Secret draft") && !xml.contains("Scheduled essay"),
            "{xml}"
        );
        let heat = &feed.entries[1];
        assert_eq!(
            heat.links[0].href,
            app.url("/best-pick/heat"),
            "{file}: the entry links to the post, absolutely"
        );
        let content = heat
            .content
            .as_ref()
            .and_then(|c| c.body.clone())
            .unwrap_or_default();
        assert!(
            content.contains("An introduction about <strong>Heat</strong>"),
            "{file}: {content}"
        );
        let summary = heat
            .summary
            .as_ref()
            .map(|s| s.content.clone())
            .unwrap_or_default();
        assert!(
            summary.starts_with("A long, patient crime film"),
            "{file}: {summary}"
        );
        let news = &feed.entries[0];
        let body = news.content.as_ref().unwrap().body.clone().unwrap();
        assert!(
            body.contains(&format!("href=\"{}\"", app.url("/work/heat-1995"))),
            "{body}"
        );
        assert!(news.published.is_some(), "{file}: a published time");
        assert!(feed.updated.is_some() || file == "rss.xml");
        // Authors by name; categories from tags.
        assert!(xml.contains("Editor in Chief"), "{xml}");
        assert!(
            heat.categories
                .iter()
                .any(|c| c.term == "crime" || c.label.as_deref() == Some("crime")),
            "{file}"
        );
    }
}

#[tokio::test]
async fn each_section_tag_author_and_work_has_its_feeds() {
    let app = site_with_posts().await;
    for (page, want) in [
        ("/best-pick", vec!["Heat: two professionals, one city"]),
        ("/news", vec!["Festival line-up announced"]),
        ("/essays", vec![]),
        (
            "/tag/crime",
            vec![
                "Festival line-up announced",
                "Heat: two professionals, one city",
            ],
        ),
        (
            "/author/chief",
            vec![
                "Festival line-up announced",
                "Heat: two professionals, one city",
            ],
        ),
        ("/work/heat-1995", vec!["Heat: two professionals, one city"]),
    ] {
        for file in ["atom.xml", "rss.xml"] {
            let (status, xml) = app.get_text(&format!("{page}/{file}")).await;
            assert_eq!(status, 200, "{page}/{file}: {xml}");
            assert_eq!(titles(&parse(&xml)), want, "{page}/{file}");
        }
        // The page names its own feeds, and the site's.
        let (_, html) = app.get_text(page).await;
        assert!(
            html.contains(&format!("type=\"application/atom+xml\" title=\"{}", ""))
                || html.contains("application/atom+xml"),
            "{page}"
        );
        assert!(
            html.contains(&format!(
                "href=\"{}\"",
                app.url(&format!("{page}/atom.xml"))
            )),
            "{page}: no autodiscovery of its feed"
        );
        assert!(
            html.contains(&format!("href=\"{}\"", app.url("/rss.xml"))),
            "{page}"
        );
    }
    // What has no public page has no feed either.
    for missing in [
        "/tag/only-drafts/atom.xml",
        "/author/nobody/rss.xml",
        "/work/no-such-work/atom.xml",
        "/no-such-section/rss.xml",
    ] {
        assert_eq!(app.get(missing).await.status(), 404, "{missing}");
    }
    // A post page offers its section's feed.
    let (_, html) = app.get_text("/best-pick/heat").await;
    assert!(
        html.contains(&format!("href=\"{}\"", app.url("/best-pick/atom.xml"))),
        "{html}"
    );
}

#[tokio::test]
async fn wordpress_feed_addresses_move_to_ours() {
    let app = TestApp::spawn().await;
    for (from, to) in [
        ("/feed", "/rss.xml"),
        ("/feed/", "/rss.xml"),
        ("/feed/atom/", "/atom.xml"),
        ("/best-pick/feed/", "/best-pick/rss.xml"),
        ("/tag/crime/feed/", "/tag/crime/rss.xml"),
        ("/author/chief/feed/", "/author/chief/rss.xml"),
    ] {
        let r = app.get(from).await;
        assert_eq!(r.status(), 301, "{from}");
        assert_eq!(r.headers()["location"], to, "{from}");
    }
    assert_eq!(app.get("/%2F%2Fevil.example/feed/").await.status(), 404);
}

#[tokio::test]
async fn feeds_are_cached_and_change_when_a_post_is_published() {
    let app = site_with_posts().await;
    let r = app.get("/atom.xml").await;
    let etag = r.headers()["etag"].clone();
    let again = app
        .client
        .get(app.url("/atom.xml"))
        .header("if-none-match", etag.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304, "a feed reader asking again gets 304");
    // The scheduled essay goes live when its time comes.
    app.advance_clock(100 * 365 * 24 * 3600);
    let now = app
        .client
        .get(app.url("/atom.xml"))
        .header("if-none-match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(now.status(), 200);
    let feed = parse(&now.text().await.unwrap());
    assert_eq!(titles(&feed)[0], "Scheduled essay");
}

#[tokio::test]
async fn feeds_hold_summaries_and_as_many_posts_as_set() {
    let app = site_with_posts().await;
    app.set_settings(&[("feed_content", "summary"), ("feed_items", "1")])
        .await;
    let feed = parse(&app.get_text("/atom.xml").await.1);
    assert_eq!(titles(&feed), ["Festival line-up announced"]);
    assert!(feed.entries[0].content.is_none(), "summaries only");
    let summary = feed.entries[0].summary.as_ref().unwrap().content.clone();
    assert!(
        summary.starts_with("The festival opens with a crime film"),
        "{summary}"
    );
}

#[tokio::test]
async fn absolute_links_use_the_site_address_and_never_a_forged_host() {
    let app = site_with_posts().await;
    // No address set: a Host naming another machine is not believed.
    let xml = app
        .client
        .get(app.url("/rss.xml"))
        .header("host", "evil.example")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!xml.contains("evil.example"), "{xml}");
    assert!(xml.contains("<link>http://localhost/</link>"), "{xml}");
    // The address set by the operator is every link's.
    app.set_settings(&[("site_url", "https://films.example")])
        .await;
    for path in ["/rss.xml", "/best-pick/heat"] {
        let body = app
            .client
            .get(app.url(path))
            .header("host", "evil.example")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(body.contains("https://films.example/"), "{path}: {body}");
        assert!(
            !body.contains("evil.example") && !body.contains(&app.base),
            "{path}: {body}"
        );
    }
}

/// Python's feedparser, the parser most feed readers' authors test
/// against, reads every feed without complaint (`bozo` 0).
#[tokio::test]
async fn feedparser_reads_every_feed_cleanly() {
    let app = site_with_posts().await;
    let script = "import sys, json, feedparser\n\
        for url in sys.argv[1:]:\n\
        \x20   d = feedparser.parse(url)\n\
        \x20   print(json.dumps({'url': url, 'bozo': int(d.bozo), 'why': str(d.get('bozo_exception', '')), \
        'version': d.version, 'titles': [e.title for e in d.entries], \
        'enclosures': [len(e.get('enclosures', [])) for e in d.entries]}))\n";
    // Fetched here and handed over as files: a blocking child fetching
    // from this test's own server would wait on it forever.
    let dir = tempfile::tempdir().unwrap();
    let mut urls = Vec::new();
    for (i, path) in [
        "/atom.xml",
        "/rss.xml",
        "/best-pick/atom.xml",
        "/tag/crime/rss.xml",
        "/work/heat-1995/atom.xml",
    ]
    .iter()
    .enumerate()
    {
        let file = dir.path().join(format!("{i}.xml"));
        std::fs::write(&file, app.get_text(path).await.1).unwrap();
        urls.push(file.display().to_string());
    }
    let Some(out) = python("feedparser", script, &urls) else {
        return;
    };
    for line in out.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["bozo"], 0, "{v}");
        assert!(!v["titles"].as_array().unwrap().is_empty(), "{v}");
    }
    assert_eq!(out.lines().count(), urls.len(), "{out}");
}

/// Runs a Python script that needs `module` with these arguments, or says
/// why it cannot (outside CI only; `.ci/run` installs the module).
pub fn python(module: &str, script: &str, args: &[String]) -> Option<String> {
    let has = std::process::Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .output();
    if !has.is_ok_and(|o| o.status.success()) {
        skip(&format!(
            "Python's {module} is not installed (pip install {module})"
        ));
        return None;
    }
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8(out.stdout).unwrap())
}
