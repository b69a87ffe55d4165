use crate::helpers::{TestApp, HEAT};

#[tokio::test]
async fn an_imported_pick_shows_every_structured_field() {
    let app = TestApp::spawn().await;
    app.import(HEAT).await;
    let (status, html) = app.get_text("/best-pick/heat").await;
    assert_eq!(status, 200, "{html}");
    for expected in [
        "Heat: two professionals, one city",
        "A long, patient crime film",
        // the fact box
        "Heat</a> <span class=\"years\">(1995)</span>",
        "href=\"/person/michael-mann\">Michael Mann</a>",
        "href=\"/person/al-pacino\">Al Pacino</a> <span class=\"role\">as Vincent Hanna</span>",
        "Robert De Niro",
        "Crime, Thriller",
        "2 h 50 min",
        "$187.4 million",
        "$60 million",
        "No Oscar nominations, many admirers",
        "United States",
        "tt0113277",
        // scores, side by side in a chart
        "<svg class=\"score-chart\"",
        "Metacritic",
        "class=\"chart-value\">76</text>",
        "IMDb",
        "8.3/10",
        // critics with outlets
        "Every scene earns its length.",
        "<cite>The Test Gazette</cite>",
        "A. Critic",
        // introduction, folded plot, lines, question
        "An introduction about <strong>Heat</strong>",
        "<details class=\"spoilers\">",
        "The robbery goes wrong",
        "A line we wrote for this test.",
        "Neil McCauley</span>",
        "In the diner",
        "Whose side were you on by the end?",
        // date for people, tags
        "4 May 2020",
        "href=\"/tag/crime\"",
    ] {
        assert!(
            html.contains(expected),
            "the pick page lacks {expected:?}\n{html}"
        );
    }
}

#[tokio::test]
async fn work_person_section_tag_and_author_pages_list_the_pick() {
    let app = TestApp::spawn().await;
    app.import(HEAT).await;
    for (path, expected) in [
        ("/", "Heat: two professionals"),
        ("/best-pick", "Heat: two professionals"),
        ("/tag/crime", "Heat: two professionals"),
        ("/tag/los-angeles", "Heat: two professionals"),
        ("/author/chief", "Heat: two professionals"),
        ("/work/heat-1995", "Heat: two professionals"),
        ("/work/heat-1995", "Al Pacino"),
        ("/person/al-pacino", "Vincent Hanna"),
        ("/person/al-pacino", "href=\"/work/heat-1995\""),
        ("/person/michael-mann", "director"),
    ] {
        let (status, html) = app.get_text(path).await;
        assert_eq!(status, 200, "{path}");
        assert!(html.contains(expected), "{path} lacks {expected:?}\n{html}");
    }
    for missing in [
        "/tag/nothing",
        "/person/nobody",
        "/work/nothing-2000",
        "/no-such-section",
        "/best-pick/no-such-post",
        "/author/nobody",
    ] {
        let (status, html) = app.get_text(missing).await;
        assert_eq!(status, 404, "{missing}");
        assert!(
            html.contains("Page not found"),
            "the 404 page is themed: {html}"
        );
        assert!(html.contains("/static/style."));
    }
}

#[tokio::test]
async fn a_retired_section_and_its_posts_answer_301() {
    let app = TestApp::spawn().await;
    let store = &app.site.store;
    let old = store
        .create_section("recommended", "Recommended", "")
        .await
        .unwrap();
    app.import(&HEAT.replace("section = \"best-pick\"", "section = \"recommended\""))
        .await;
    assert_eq!(app.get("/recommended/heat").await.status(), 200);
    let best = store.section_by_slug("best-pick").await.unwrap().unwrap();
    store.retire_section(old.id, best.id).await.unwrap();

    let r = app.get("/recommended").await;
    assert_eq!(r.status(), 301);
    assert_eq!(r.headers()["location"], "/best-pick");
    let r = app.get("/recommended/heat").await;
    assert_eq!(r.status(), 301);
    assert_eq!(r.headers()["location"], "/best-pick/heat");
    assert_eq!(app.get("/best-pick/heat").await.status(), 200);
    // The retired section is gone from the navigation.
    let (_, home) = app.get_text("/").await;
    assert!(!home.contains("href=\"/recommended\""));
}

#[tokio::test]
async fn a_scheduled_post_appears_at_its_time() {
    let app = TestApp::spawn().await;
    let at = time::OffsetDateTime::from_unix_timestamp(app.site.now() + 2).unwrap();
    let date = at
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    app.import(&format!(
        "+++\ntitle = \"Coming soon\"\nsection = \"news\"\nkind = \"article\"\ndate = {date}\n+++\nSoon.\n"
    ))
    .await;
    assert_eq!(app.get("/news/coming-soon").await.status(), 404);
    assert!(!app.get_text("/news").await.1.contains("Coming soon"));
    app.advance_clock(3);
    assert_eq!(app.get("/news/coming-soon").await.status(), 200);
    assert!(app.get_text("/news").await.1.contains("Coming soon"));
    assert!(app.get_text("/").await.1.contains("Coming soon"));
}

#[tokio::test]
async fn a_deleted_post_answers_410_and_drafts_stay_hidden() {
    let app = TestApp::spawn().await;
    app.import(HEAT).await;
    app.import(
        "+++\ntitle = \"Unfinished\"\nsection = \"essays\"\nstatus = \"draft\"\n+++\nDraft.\n",
    )
    .await;
    assert_eq!(app.get("/essays/unfinished").await.status(), 404);
    let id = app
        .site
        .store
        .post_id_by_slug("heat")
        .await
        .unwrap()
        .unwrap();
    app.site.store.delete_post(id).await.unwrap();
    let (status, html) = app.get_text("/best-pick/heat").await;
    assert_eq!(status, 410);
    assert!(html.contains("This page was removed"));
}

#[tokio::test]
async fn a_fresh_site_shows_the_setup_page_until_an_admin_exists() {
    let app = TestApp::spawn_empty().await;
    let r = app.get("/").await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/setup");
    let form = [
        ("site_name", "Night Owl Films"),
        ("username", "owl"),
        ("display_name", "The Owl"),
        ("password", "short"),
        ("password_again", "short"),
    ];
    let r = app.post_form("/setup", "/setup", &form).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("at least 10 characters"), "{html}");
    assert!(
        html.contains("value=\"Night Owl Films\""),
        "what was typed is kept"
    );
    assert!(!app.site.store.has_admin().await.unwrap());

    let mut good = form;
    good[3].1 = "a long enough password";
    good[4].1 = "a long enough password";
    let r = app.post_form("/setup", "/setup", &good).await;
    assert_eq!(r.status(), 303);
    assert!(app.site.store.has_admin().await.unwrap());
    // The new admin is logged in, and the site has its name.
    assert_eq!(app.get("/admin/posts").await.status(), 200);
    assert!(app.get_text("/").await.1.contains("Night Owl Films"));
    assert_eq!(app.get("/setup").await.status(), 303);
}

#[tokio::test]
async fn static_assets_and_theme_overrides() {
    let app = TestApp::spawn().await;
    let r = app.get("/static/style.css").await;
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/css"));
    assert_eq!(app.get("/static/..%2Fbestpick.db").await.status(), 404);
    assert_eq!(app.get("/media/..%2Fbestpick.db").await.status(), 404);

    // A theme folder overrides templates and assets.
    let theme = app.data_dir().join("theme");
    std::fs::create_dir_all(theme.join("static")).unwrap();
    std::fs::write(theme.join("static/style.css"), "body { color: red }").unwrap();
    assert_eq!(
        app.get_text("/static/style.css").await.1,
        "body { color: red }"
    );
}

/// Pages link to fingerprinted assets, cached for good; a theme's own file
/// gets its own fingerprint, and an old or plain address is cached briefly.
#[tokio::test]
async fn assets_are_fingerprinted_and_immutable() {
    let linked = |html: &str| {
        let start = html.find("href=\"/static/style.").unwrap() + "href=\"".len();
        html[start..start + html[start..].find('"').unwrap()].to_owned()
    };
    let app = TestApp::spawn().await;
    let url = linked(&app.get_text("/").await.1);
    assert!(url.len() == "/static/style.0123456789.css".len(), "{url}");
    let r = app.get(&url).await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    let r = app.get("/static/style.css").await;
    assert_eq!(r.headers()["cache-control"], "public, max-age=3600");
    let r = app.get("/static/style.0000000000.css").await;
    assert_eq!(r.status(), 200, "an old fingerprint still answers");
    assert_eq!(r.headers()["cache-control"], "public, max-age=3600");

    let themed = TestApp::spawn_with_theme(&[("static/style.css", "body { color: red }")]).await;
    let themed_url = linked(&themed.get_text("/").await.1);
    assert_ne!(themed_url, url, "the theme's file has its own address");
    assert_eq!(themed.get_text(&themed_url).await.1, "body { color: red }");
}

#[tokio::test]
async fn a_theme_folder_overrides_templates() {
    let error = "{% extends \"base.html\" %}{% block main %}<p class=\"custom\">Lost? {{ status }}</p>{% endblock %}";
    let app = TestApp::spawn_with_theme(&[("templates/error.html", error)]).await;
    let (status, html) = app.get_text("/nowhere").await;
    assert_eq!(status, 404);
    assert!(html.contains("<p class=\"custom\">Lost? 404</p>"), "{html}");
    // The templates it does not override still come from the binary.
    assert!(html.contains("/static/style."));
}

#[tokio::test]
async fn a_trailing_slash_redirect_never_leaves_the_site() {
    let app = TestApp::spawn().await;
    let r = app.get("/news/").await;
    assert_eq!(r.status(), 301);
    assert_eq!(r.headers()["location"], "/news");
    for evil in ["/%2Fevil.example/", "/%5Cevil.example/"] {
        assert_eq!(app.get(evil).await.status(), 404, "{evil}");
    }
    assert_eq!(
        app.get("/news?page=99999999999999999999").await.status(),
        400
    );
}

/// A tag stored as its address ("los-angeles") takes the name a published
/// post writes ("Los Angeles"); a draft renames nothing, and a name once
/// written as people write it stays.
#[tokio::test]
async fn a_tag_keeps_the_name_people_wrote() {
    let app = TestApp::spawn().await;
    let post = |slug: &str, status: &str, tag: &str| {
        format!(
            "+++\ntitle = \"{slug}\"\nslug = \"{slug}\"\nsection = \"essays\"\nkind = \"essay\"\nstatus = \"{status}\"\ntags = [\"{tag}\"]\n+++\nText.\n"
        )
    };
    app.import(&post("one", "published", "los-angeles")).await;
    let (_, page) = app.get_text("/tag/los-angeles").await;
    assert!(page.contains("Tagged “los-angeles”"));
    app.import(&post("two", "draft", "LOS ANGELES!")).await;
    let (_, page) = app.get_text("/tag/los-angeles").await;
    assert!(
        page.contains("Tagged “los-angeles”"),
        "a draft renames nothing"
    );
    app.import(&post("three", "published", "Los Angeles")).await;
    let (_, page) = app.get_text("/tag/los-angeles").await;
    assert!(page.contains("Tagged “Los Angeles”"), "{page}");
    app.import(&post("four", "published", "los angeles")).await;
    let (_, page) = app.get_text("/tag/los-angeles").await;
    assert!(
        page.contains("Tagged “Los Angeles”"),
        "the name people wrote stays"
    );
}

/// Lists page by cursor: "Older" starts just past the last post shown, so
/// no post is shown twice or skipped, and a deep page costs what the first
/// does. Old `?page=N` links still answer; a made-up cursor is no page.
#[tokio::test]
async fn lists_page_by_cursor_without_gaps_or_repeats() {
    let app = TestApp::spawn().await;
    for i in 1..=30 {
        // Two posts a day share their time, so ties are broken by id.
        app.import(&format!(
            "+++\ntitle = \"Essay {i}\"\nslug = \"essay-{i}\"\nsection = \"essays\"\nkind = \"essay\"\ndate = 2020-01-{:02}T00:00:00Z\n+++\nText.\n",
            (i + 1) / 2
        ))
        .await;
    }
    app.import("+++\ntitle = \"Essay draft\"\nslug = \"essay-draft\"\nsection = \"essays\"\nkind = \"essay\"\nstatus = \"draft\"\n+++\nText.\n").await;
    let titles = |html: &str| -> Vec<String> {
        let doc = scraper::Html::parse_document(html);
        let sel = scraper::Selector::parse(".card-title a").unwrap();
        doc.select(&sel).map(|e| e.text().collect()).collect()
    };
    let link = |html: &str, rel: &str| -> Option<String> {
        let doc = scraper::Html::parse_document(html);
        let sel = scraper::Selector::parse(&format!(".pager a[rel={rel}]")).unwrap();
        doc.select(&sel)
            .next()
            .map(|a| a.value().attr("href").unwrap().replace("&amp;", "&"))
    };
    let mut seen = Vec::new();
    let mut at = "/essays".to_owned();
    let mut pages = Vec::new();
    loop {
        let (status, html) = app.get_text(&at).await;
        assert_eq!(status, 200, "{at}");
        seen.extend(titles(&html));
        pages.push((at.clone(), html.clone()));
        match link(&html, "next") {
            Some(next) => at = next,
            None => break,
        }
    }
    let expected: Vec<String> = (1..=30).rev().map(|i| format!("Essay {i}")).collect();
    assert_eq!(seen, expected, "every published essay once, newest first");
    assert_eq!(pages.len(), 3);
    assert!(
        link(&pages[0].1, "prev").is_none(),
        "the newest page has no newer"
    );
    // Back from the last page: the same posts as the middle page.
    let back = link(&pages[2].1, "prev").unwrap();
    let (_, html) = app.get_text(&back).await;
    assert_eq!(titles(&html), titles(&pages[1].1));
    // Back from the second page to the first: the list's own address.
    let back = link(&pages[1].1, "prev").unwrap();
    let r = app.get(&back).await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/essays");
    // One way to name a page at a time.
    assert_eq!(app.get(&format!("{back}&page=2")).await.status(), 400);
    // The old way still answers.
    let (status, html) = app.get_text("/essays?page=2").await;
    assert_eq!(status, 200);
    assert_eq!(titles(&html), titles(&pages[1].1));
    assert_eq!(app.get("/essays?page=4").await.status(), 404);
    // A cursor no post stands at is no page; one that is not a cursor is a 400.
    assert_eq!(app.get("/essays?before=1577836800.999").await.status(), 404);
    assert_eq!(app.get("/essays?before=yesterday").await.status(), 400);
}
