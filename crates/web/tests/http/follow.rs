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
    // A name decoded with a slash in it never leads to another host.
    for forged in [
        "/%2F%2Fevil.example/feed/",
        "/%2F3627734734/feed/",
        "/tag/%2F3627734734/feed/",
    ] {
        assert_eq!(app.get(forged).await.status(), 404, "{forged}");
    }
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

/// The addresses a sitemap (or each file of its index) lists.
fn locs(xml: &str) -> Vec<String> {
    xml.split("<loc>")
        .skip(1)
        .map(|s| s[..s.find("</loc>").unwrap()].replace("&amp;", "&"))
        .collect()
}

/// Every public page of [`site_with_posts`], by path.
const PUBLIC_PAGES: &[&str] = &[
    "/",
    "/best-pick",
    "/essays",
    "/news",
    "/news/festival-line-up",
    "/best-pick/heat",
    "/tag/crime",
    "/tag/los-angeles",
    "/author/chief",
    "/work/heat-1995",
    "/person/al-pacino",
    "/person/michael-mann",
    "/person/robert-de-niro",
    "/works",
];

#[tokio::test]
async fn the_sitemap_lists_every_public_page_and_nothing_else() {
    let app = site_with_posts().await;
    let r = app.get("/sitemap.xml").await;
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/xml"));
    let xml = r.text().await.unwrap();
    assert!(
        xml.starts_with("<?xml")
            && xml.contains("<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">"),
        "{xml}"
    );
    let mut listed = locs(&xml);
    listed.sort();
    let mut want: Vec<String> = PUBLIC_PAGES.iter().map(|p| app.url(p)).collect();
    want.sort();
    assert_eq!(listed, want, "{xml}");
    assert!(
        xml.contains("<lastmod>20"),
        "posts carry when they last changed: {xml}"
    );
    for url in &listed {
        let r = app.client.get(url).send().await.unwrap();
        assert_eq!(r.status(), 200, "{url}");
        let html = r.text().await.unwrap();
        assert!(
            !html.contains("noindex"),
            "{url} is listed yet says noindex"
        );
        assert!(
            html.contains(&format!("<link rel=\"canonical\" href=\"{url}\">")),
            "{url}: its own canonical"
        );
    }
    // robots.txt points to it, and keeps crawlers out of the editor and the API.
    let (status, robots) = app.get_text("/robots.txt").await;
    assert_eq!(status, 200);
    assert!(
        robots.contains(&format!("Sitemap: {}", app.url("/sitemap.xml"))),
        "{robots}"
    );
    for line in [
        "User-agent: *",
        "Disallow: /admin$",
        "Disallow: /admin/",
        "Disallow: /api/",
    ] {
        assert!(robots.lines().any(|l| l == line), "{line}: {robots}");
    }
}

#[tokio::test]
async fn a_sitemap_too_large_for_one_file_becomes_an_index() {
    let app = TestApp::spawn_with(bestpick_web::Options {
        sitemap_urls: 5,
        ..Default::default()
    })
    .await;
    for doc in [HEAT, NEWS, DRAFT, SCHEDULED] {
        app.import(doc).await;
    }
    let (status, index) = app.get_text("/sitemap.xml").await;
    assert_eq!(status, 200);
    assert!(index.contains("<sitemapindex"), "{index}");
    let files = locs(&index);
    assert_eq!(files.len(), PUBLIC_PAGES.len().div_ceil(5), "{index}");
    let mut listed = Vec::new();
    for file in &files {
        let xml = app
            .client
            .get(file)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(xml.contains("<urlset"), "{file}: {xml}");
        let these = locs(&xml);
        assert!(these.len() <= 5);
        listed.extend(these);
    }
    listed.sort();
    let mut want: Vec<String> = PUBLIC_PAGES.iter().map(|p| app.url(p)).collect();
    want.sort();
    assert_eq!(listed, want);
    assert_eq!(
        app.get(&format!("/sitemap/{}.xml", files.len() + 1))
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn later_pages_and_search_results_are_followed_not_listed() {
    let app = site_with_posts().await;
    for i in 0..13 {
        app.import(&format!(
            "+++\ntitle = \"Short news {i}\"\nslug = \"short-{i}\"\nkind = \"article\"\nsection = \"news\"\ndate = 2022-01-{:02}\n+++\nNews.\n",
            i + 1
        ))
        .await;
    }
    let (_, first) = app.get_text("/news").await;
    assert!(!first.contains("noindex"));
    let older = first
        .split("?before=")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let later = format!("/news?before={older}");
    let (_, html) = app.get_text(&later).await;
    assert!(
        html.contains(&format!(
            "<link rel=\"canonical\" href=\"{}\">",
            app.url(&later)
        )),
        "a later page is its own canonical"
    );
    for path in [
        later.as_str(),
        "/news?page=2",
        "/search?q=heat",
        "/works?kind=movie",
    ] {
        let (_, html) = app.get_text(path).await;
        assert!(
            html.contains("<meta name=\"robots\" content=\"noindex, follow\">"),
            "{path}"
        );
    }
}

/// Runs extruct over pages fetched here, as search engines read them:
/// JSON-LD and OpenGraph, by URL.
async fn structured_data(app: &TestApp, paths: &[&str]) -> Option<serde_json::Value> {
    let dir = tempfile::tempdir().unwrap();
    let mut args = Vec::new();
    for (i, path) in paths.iter().enumerate() {
        let file = dir.path().join(format!("{i}.html"));
        std::fs::write(&file, app.get_text(path).await.1).unwrap();
        args.push(app.url(path));
        args.push(file.display().to_string());
    }
    let script = "import sys, json, extruct\n\
        out = {}\n\
        args = sys.argv[1:]\n\
        for url, path in zip(args[::2], args[1::2]):\n\
        \x20   html = open(path, encoding='utf-8').read()\n\
        \x20   out[url] = extruct.extract(html, base_url=url, syntaxes=['json-ld', 'opengraph'], uniform=True)\n\
        print(json.dumps(out))\n";
    let out = python("extruct", script, &args)?;
    Some(serde_json::from_str(&out).unwrap())
}

fn of_type<'a>(items: &'a serde_json::Value, kind: &str) -> &'a serde_json::Value {
    items
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["@type"] == kind)
        .unwrap_or_else(|| panic!("no {kind} in {items:#}"))
}

#[tokio::test]
async fn pages_carry_structured_data_and_social_cards() {
    let app = site_with_posts().await;
    // A reader's rating: the only ratings the site can honestly sum up.
    let heat = app
        .site
        .store
        .post_id_by_slug("heat")
        .await
        .unwrap()
        .unwrap();
    let (status, _) = crate::ratings::rate(&app, &crate::helpers::client(), heat, "4").await;
    assert_eq!(status, 303);
    let pages = [
        "/best-pick/heat",
        "/news/festival-line-up",
        "/work/heat-1995",
        "/best-pick",
        "/",
    ];
    let Some(data) = structured_data(&app, &pages).await else {
        return;
    };
    let page = |p: &str| &data[app.url(p)];

    let pick = page("/best-pick/heat");
    let review = of_type(&pick["json-ld"], "Review");
    assert_eq!(review["url"], app.url("/best-pick/heat"));
    assert_eq!(review["author"][0]["name"], "Editor in Chief");
    assert_eq!(review["publisher"]["@type"], "Organization");
    assert!(
        review["datePublished"]
            .as_str()
            .unwrap()
            .starts_with("2020-05-04"),
        "{review:#}"
    );
    let movie = &review["itemReviewed"];
    assert_eq!(movie["@type"], "Movie");
    assert_eq!(movie["name"], "Heat");
    assert_eq!(movie["dateCreated"], "1995");
    assert_eq!(movie["director"][0]["name"], "Michael Mann");
    assert_eq!(movie["actor"][1]["name"], "Robert De Niro");
    assert_eq!(movie["genre"], serde_json::json!(["Crime", "Thriller"]));
    assert_eq!(movie["sameAs"], "https://www.imdb.com/title/tt0113277/");
    assert_eq!(movie["aggregateRating"]["ratingCount"], 1, "{movie:#}");
    assert_eq!(movie["aggregateRating"]["ratingValue"], 4.0);
    let crumbs = of_type(&pick["json-ld"], "BreadcrumbList");
    let names: Vec<&str> = crumbs["itemListElement"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["bestpick", "Best Pick", "Heat: two professionals, one city"]
    );
    let og = &pick["opengraph"][0];
    assert_eq!(og["@type"], "video.movie", "{og:#}");
    assert_eq!(og["og:url"], app.url("/best-pick/heat"));
    assert_eq!(og["og:title"], "Heat: two professionals, one city");
    assert!(og["og:description"]
        .as_str()
        .unwrap()
        .starts_with("A long, patient"));

    let news = page("/news/festival-line-up");
    let article = of_type(&news["json-ld"], "NewsArticle");
    assert_eq!(article["headline"], "Festival line-up announced");
    assert_eq!(news["opengraph"][0]["@type"], "article");

    let work = page("/work/heat-1995");
    assert_eq!(of_type(&work["json-ld"], "Movie")["name"], "Heat");
    of_type(&work["json-ld"], "BreadcrumbList");
    for p in ["/best-pick", "/"] {
        of_type(&page(p)["json-ld"], "BreadcrumbList");
        assert_eq!(page(p)["opengraph"][0]["og:url"], app.url(p), "{p}");
    }
    of_type(&page("/")["json-ld"], "WebSite");
}

#[tokio::test]
async fn a_post_offers_plain_share_links() {
    let app = site_with_posts().await;
    let (_, html) = app.get_text("/best-pick/heat").await;
    let url = app.url("/best-pick/heat");
    // As a query value: ':' escaped, '/' may stay (RFC 3986).
    let encoded = url.replace(':', "%3A");
    assert!(html.contains(&format!("data-url=\"{url}\"")), "copy link");
    assert!(html.contains("href=\"mailto:?subject="), "email");
    for network in [
        "https://bsky.app/intent/compose?text=",
        "https://www.facebook.com/sharer/sharer.php?u=",
        "https://www.reddit.com/submit?url=",
    ] {
        assert!(html.contains(network), "{network}");
    }
    assert!(
        html.contains(&format!("sharer.php?u={encoded}\"")),
        "{html}"
    );
    // No script but our own on the page.
    for src in html.split("<script src=\"").skip(1) {
        assert!(src.starts_with("/static/"), "{src}");
    }
}

#[tokio::test]
async fn a_pick_without_a_cover_is_shared_with_a_drawn_card() {
    let app = site_with_posts().await;
    let (_, html) = app.get_text("/best-pick/heat").await;
    let card = app.url("/cards/heat");
    for tag in [
        format!("<meta property=\"og:image\" content=\"{card}\">"),
        "<meta property=\"og:image:width\" content=\"1200\">".to_owned(),
        "<meta property=\"og:image:height\" content=\"630\">".to_owned(),
        "<meta name=\"twitter:card\" content=\"summary_large_image\">".to_owned(),
    ] {
        assert!(html.contains(&tag), "{tag}");
    }
    let r = app.get("/cards/heat").await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/png");
    let png = r.bytes().await.unwrap();
    let img = image::load_from_memory(&png).unwrap().to_rgb8();
    assert_eq!((img.width(), img.height()), (1200, 630));
    // Text was drawn: the light ink of the title is there.
    let light = img
        .pixels()
        .filter(|p| p.0.iter().all(|c| *c > 220))
        .count();
    assert!(light > 2_000, "{light} light pixels");
    if let Ok(dir) = std::env::var("BESTPICK_KEEP_CARD") {
        std::fs::write(format!("{dir}/card.png"), &png).unwrap();
    }
    // Nothing unpublished is drawn.
    for slug in ["secret-draft", "scheduled-essay", "no-such-post"] {
        assert_eq!(
            app.get(&format!("/cards/{slug}")).await.status(),
            404,
            "{slug}"
        );
    }
}
