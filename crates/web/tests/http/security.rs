//! Regression tests for the holes of issue 11, one or more per hole, named
//! after it: each tried as the probe did, through the real server.

use crate::helpers::{client, login_request, TestApp, HEAT, PASSWORD};
use bestpick_app::accounts;
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A secret that must never appear in an answer to someone who may not see it.
const SECRET: &str = "Embargoed until Friday";

/// A site with Heat published (by the admin), an author "ann" with a
/// draft pick, another author "bob", and ann's draft's id.
async fn site_with_drafts() -> (TestApp, i64) {
    let app = TestApp::spawn_with_team().await;
    app.import(&format!(
        "+++\ntitle = \"{SECRET}\"\nslug = \"secret-pick\"\nsection = \"best-pick\"\nstatus = \"draft\"\n\
         authors = [\"ann\"]\n[work]\nkind = \"movie\"\nname = \"Unannounced Film\"\nyear = 2026\n\
         cast = [{{ name = \"Secret Actor\", role = \"Lead\" }}]\n+++\n{SECRET}: the body.\n"
    ))
    .await;
    let id = app
        .site
        .store
        .post_id_by_slug("secret-pick")
        .await
        .unwrap()
        .unwrap();
    (app, id)
}

async fn text_of(r: reqwest::Response) -> (u16, String) {
    (r.status().as_u16(), r.text().await.unwrap())
}

#[tokio::test]
async fn hole_1_no_path_renders_a_draft_for_a_stranger() {
    let (app, id) = site_with_drafts().await;
    let id = id.to_string();
    // The probe's request: no CSRF token, the draft's id.
    let (status, body) = text_of(
        app.client
            .post(app.url("/comments"))
            .form(&[
                ("post_id", id.as_str()),
                ("name", "x"),
                ("email", "x@example.com"),
                ("body", "hi"),
            ])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 404);
    assert!(!body.contains(SECRET), "{body}");
    // With a token too, and as a reply.
    let heat_fields = app.hidden_fields(&app.client, "/best-pick/heat").await;
    let mut fields: Vec<(&str, String)> = heat_fields
        .into_iter()
        .filter(|(k, _)| *k != "post_id")
        .collect();
    fields.extend([
        ("post_id", id.clone()),
        ("parent_id", "1".into()),
        ("name", "x".into()),
        ("email", "x@example.com".into()),
        ("body", "hi".into()),
    ]);
    let (status, body) = text_of(
        app.client
            .post(app.url("/comments"))
            .form(&fields)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 404);
    assert!(!body.contains(SECRET));
    // The comment form's details of a draft do not exist either.
    let (status, _) = app.get_text(&format!("/comments/form/{id}")).await;
    assert_eq!(status, 404);
    // Nor does the draft as a page or in the API; the same 404 as for nothing.
    let (missing, missing_body) = app.get_text("/best-pick/no-such-post").await;
    let (status, body) = app.get_text("/best-pick/secret-pick").await;
    assert_eq!((status, body), (missing, missing_body));
    let (status, body) = app.get_text("/api/v1/posts/secret-pick").await;
    assert_eq!(status, 404);
    assert!(!body.contains(SECRET));
}

#[tokio::test]
async fn hole_1_a_comment_on_a_post_that_became_a_draft_is_hidden_with_it() {
    let app = TestApp::spawn().await;
    app.import(HEAT).await;
    app.relax_comment_limits().await;
    let r = app
        .comment(
            "/best-pick/heat",
            &[
                ("name", "Ann"),
                ("email", "ann@example.com"),
                ("body", "A comment before the post was taken down."),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let comment = r.headers()["location"].to_str().unwrap().to_owned();
    let id: String = comment.rsplit("#comment-").next().unwrap().to_owned();
    let heat = app
        .site
        .store
        .post_id_by_slug("heat")
        .await
        .unwrap()
        .unwrap();
    app.site
        .store
        .set_post_status(heat, bestpick_core::post::PostStatus::Draft, None)
        .await
        .unwrap();
    let stranger = client();
    for path in [
        format!("/comments/{id}"),
        format!("/comments/{id}/edit"),
        format!("/comments/form/{heat}"),
    ] {
        let r = stranger.get(app.url(&path)).send().await.unwrap();
        assert_eq!(r.status(), 404, "{path}");
    }
    // Not even its writer may see the post through the edit page.
    let (status, body) = app.get_text(&format!("/comments/{id}/edit")).await;
    assert_eq!(status, 404);
    assert!(!body.contains("Heat: two professionals"));
}

#[tokio::test]
async fn hole_2_an_author_cannot_rewrite_a_shared_work() {
    let (app, _) = site_with_drafts().await;
    let token = accounts::create_token(&app.site, "ann-tool", "ann", None)
        .await
        .unwrap();
    let before: Value = app
        .get("/api/v1/works/heat-1995")
        .await
        .json()
        .await
        .unwrap();
    let r = app
        .client
        .post(app.url("/api/v1/posts"))
        .bearer_auth(&token)
        .json(&json!({
            "title": "Heat again", "section": "best-pick", "status": "draft", "body": "Mine.",
            "work": {
                "kind": "movie", "name": "Heat", "year": 1995, "imdb_id": "tt0113277",
                "awards": "Forty Oscars", "poster": "https://tracker.example/p.png",
                "directors": ["Somebody Else"], "cast": [{ "name": "Nobody", "role": "Someone" }],
                "runtime_minutes": 3
            }
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let after: Value = app
        .get("/api/v1/works/heat-1995")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        before["work"], after["work"],
        "the admin's published work is untouched"
    );
    let page = app.get_text("/best-pick/heat").await.1;
    assert!(!page.contains("Forty Oscars") && !page.contains("tracker.example"));
    // An editor may correct it.
    let editor = accounts::create_token(&app.site, "ed-tool", "ed", None)
        .await
        .unwrap();
    let r = app
        .client
        .post(app.url("/api/v1/works"))
        .bearer_auth(&editor)
        .json(
            &json!({ "kind": "movie", "name": "Heat", "year": 1995, "imdb_id": "tt0113277",
                       "awards": "Corrected by an editor" }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let page = app.get_text("/best-pick/heat").await.1;
    assert!(page.contains("Corrected by an editor"));
}

#[tokio::test]
async fn hole_3_staff_see_a_draft_only_if_they_may_edit_it() {
    let (app, _) = site_with_drafts().await;
    let bob = app.logged_in("bob").await;
    let (status, body) = text_of(
        bob.get(app.url("/best-pick/secret-pick"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 404);
    assert!(!body.contains(SECRET));
    for who in ["ann", "ed", "chief"] {
        let c = app.logged_in(who).await;
        let (status, body) = text_of(
            c.get(app.url("/best-pick/secret-pick"))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 200, "{who}");
        assert!(body.contains(SECRET), "{who}");
    }
}

#[tokio::test]
async fn hole_4_forged_addresses_do_not_escape_the_login_limit() {
    let app = TestApp::spawn().await;
    let mut statuses = Vec::new();
    for i in 0..20 {
        let r = login_request(
            &app.base,
            &[("username", "chief"), ("password", "wrong password!")],
        )
        .await
        .header("x-forwarded-for", format!("203.0.113.{i}"))
        .send()
        .await
        .unwrap();
        statuses.push(r.status().as_u16());
    }
    assert_eq!(&statuses[..5], [401; 5]);
    assert!(statuses[5..].iter().all(|s| *s == 429), "{statuses:?}");
}

/// A login as chief from a browser of its own, forwarded for address `i`.
async fn login_from(base: String, i: u32, password: &'static str) -> reqwest::Response {
    login_request(&base, &[("username", "chief"), ("password", password)])
        .await
        .header("x-forwarded-for", format!("198.51.{}.{}", i / 256, i % 256))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn hole_4_a_slowed_account_is_never_locked_out() {
    let app = TestApp::spawn_behind_proxy().await;
    let base = app.base.clone();
    // The owner logged in once from their usual address.
    assert_eq!(login_from(base.clone(), 1000, PASSWORD).await.status(), 303);
    // Guesses spread over many addresses, ten at a time in parallel: each
    // counts from when it is let in, so the sixth ten all wait.
    let mut statuses = Vec::new();
    for batch in 0..6 {
        let guesses: Vec<_> = (0..10)
            .map(|i| tokio::spawn(login_from(base.clone(), batch * 10 + i, "wrong password!")))
            .collect();
        for g in guesses {
            statuses.push(g.await.unwrap().status().as_u16());
        }
    }
    assert_eq!(&statuses[..50], [401; 50], "{statuses:?}");
    assert_eq!(&statuses[50..], [429; 10], "{statuses:?}");
    // A new address waits, even with the right password...
    let r = login_from(base.clone(), 2000, PASSWORD).await;
    assert_eq!(r.status(), 429);
    let wait: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait));
    // ...the owner's own address does not,
    assert_eq!(login_from(base.clone(), 1000, PASSWORD).await.status(), 303);
    // and once the delay has passed the right password works from anywhere.
    tokio::time::sleep(Duration::from_secs(wait) + Duration::from_millis(100)).await;
    assert_eq!(
        login_from(base, 2001, PASSWORD).await.status(),
        303,
        "never locked out"
    );
}

#[tokio::test]
async fn hole_5_a_deeply_nested_body_is_refused_at_once() {
    let app = TestApp::spawn().await;
    app.login_admin().await;
    let body = "<div>".repeat(50_000);
    let started = Instant::now();
    let r = app
        .post_form("/admin/posts/new", "/admin/preview", &[("body", &body)])
        .await;
    let took = started.elapsed();
    let (status, text) = text_of(r).await;
    assert_eq!(status, 422, "{text}");
    assert!(text.contains("64 levels"), "{text}");
    assert!(took < Duration::from_secs(2), "{took:?}");
}

#[tokio::test]
async fn hole_6_many_wrong_logins_at_once_are_bounded() {
    let app = TestApp::spawn().await;
    let mut runs = Vec::new();
    for i in 0..40 {
        let base = app.base.clone();
        runs.push(tokio::spawn(async move {
            let name = format!("nobody{i}");
            login_request(
                &base,
                &[("username", &name), ("password", "wrong password!")],
            )
            .await
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
        }));
    }
    for r in runs {
        let status = r.await.unwrap();
        assert!([401, 429, 503].contains(&status), "{status}");
    }
}

#[tokio::test]
async fn hole_8_a_drafts_film_data_is_not_public() {
    let (app, id) = site_with_drafts().await;
    for path in ["/work/unannounced-film-2026", "/person/secret-actor"] {
        assert_eq!(app.get(path).await.status(), 404, "{path}");
    }
    for path in [
        "/api/v1/works",
        "/api/v1/people",
        "/api/v1/works/unannounced-film-2026",
        "/api/v1/people/secret-actor",
    ] {
        let body = app.get_text(path).await.1;
        assert!(
            !body.contains("Unannounced") && !body.contains("Secret Actor"),
            "{path}: {body}"
        );
    }
    // Published, they are.
    app.site
        .store
        .set_post_status(id, bestpick_core::post::PostStatus::Published, None)
        .await
        .unwrap();
    for path in ["/work/unannounced-film-2026", "/person/secret-actor"] {
        assert_eq!(app.get(path).await.status(), 200, "{path}");
    }
}

#[tokio::test]
async fn hole_8_an_author_cannot_read_a_drafts_work_by_naming_it() {
    let (app, _) = site_with_drafts().await;
    let bob = accounts::create_token(&app.site, "bob-tool", "bob", None)
        .await
        .unwrap();
    let r = app
        .client
        .post(app.url("/api/v1/posts"))
        .bearer_auth(&bob)
        .json(&json!({
            "title": "Guessing", "section": "best-pick", "status": "draft", "body": "x",
            "work": { "kind": "movie", "name": "Unannounced Film", "year": 2026 }
        }))
        .send()
        .await
        .unwrap();
    let (status, body) = text_of(r).await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body.contains("work.name") && !body.contains("Secret Actor"),
        "{body}"
    );
    // Taking the draft's address tells nothing of it either.
    let r = app
        .client
        .post(app.url("/api/v1/posts"))
        .bearer_auth(&bob)
        .json(
            &json!({ "title": "Mine", "slug": "secret-pick", "section": "essays",
                       "kind": "essay", "status": "draft", "body": "x" }),
        )
        .send()
        .await
        .unwrap();
    let (status, body) = text_of(r).await;
    assert!(status == 403 || status == 409, "{status}");
    assert!(!body.contains(SECRET), "{body}");
}

#[tokio::test]
async fn hole_8_a_scheduled_posts_film_data_waits_for_its_time() {
    let app = TestApp::spawn().await;
    app.import(
        "+++\ntitle = \"Coming soon\"\nsection = \"best-pick\"\ndate = 2099-01-01\n\
         [work]\nkind = \"movie\"\nname = \"Future Film\"\nyear = 2026\n\
         cast = [{ name = \"Future Actor\", role = \"Lead\" }]\n+++\nSoon.\n",
    )
    .await;
    for path in [
        "/work/future-film-2026",
        "/person/future-actor",
        "/api/v1/works/future-film-2026",
        "/api/v1/people/future-actor",
    ] {
        assert_eq!(app.get(path).await.status(), 404, "{path}");
    }
    let works = app.get_text("/api/v1/works").await.1;
    assert!(!works.contains("Future Film"), "{works}");
}

#[tokio::test]
async fn hole_9_security_headers_on_every_answer() {
    let app = TestApp::spawn().await;
    app.import(HEAT).await;
    for path in [
        "/",
        "/best-pick/heat",
        "/no-such-page",
        "/static/style.css",
        "/admin/login",
    ] {
        // Twice: the second from the page cache.
        for _ in 0..2 {
            let r = app.get(path).await;
            let h = r.headers();
            assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
            assert_eq!(h["referrer-policy"], "strict-origin-when-cross-origin");
            let csp = h["content-security-policy"].to_str().unwrap();
            assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"));
            let frames = if path.starts_with("/admin") {
                "'none'"
            } else {
                "'self'"
            };
            assert!(
                csp.contains(&format!("frame-ancestors {frames}")),
                "{path}: {csp}"
            );
            assert!(h.get("strict-transport-security").is_none());
        }
    }
    // No inline script or handler is left in the theme's pages.
    app.login_admin().await;
    for path in [
        "/",
        "/best-pick/heat",
        "/admin/posts",
        "/admin/media",
        "/admin/sections",
    ] {
        let html = app.get_text(path).await.1;
        assert!(
            !html.contains("<script>") && !html.contains(" onclick="),
            "{path}"
        );
        assert!(
            !html.contains(" onsubmit=") && !html.contains(" style="),
            "{path}"
        );
    }
}

#[tokio::test]
async fn hole_10_slow_and_idle_clients_are_disconnected() {
    let app = TestApp::spawn_with(bestpick_web::Options {
        limits: bestpick_web::Limits {
            header_timeout: Duration::from_secs(1),
            idle_timeout: Duration::from_secs(2),
            max_connections: 100,
        },
        ..Default::default()
    })
    .await;
    let addr = app.base.trim_start_matches("http://").to_owned();
    let started = Instant::now();
    let mut clients = Vec::new();
    for _ in 0..50 {
        let addr = addr.clone();
        clients.push(tokio::spawn(async move {
            let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
            s.write_all(b"GET / HTTP/1.1\r\n").await.unwrap();
            // One header line a quarter second, never the end.
            for i in 0..40 {
                tokio::time::sleep(Duration::from_millis(250)).await;
                if s.write_all(format!("X-Slow-{i}: 1\r\n").as_bytes())
                    .await
                    .is_err()
                {
                    return;
                }
                let mut buf = [0u8; 64];
                if let Ok(Ok(0)) =
                    tokio::time::timeout(Duration::from_millis(1), s.read(&mut buf)).await
                {
                    return;
                }
            }
            panic!("a trickling client stayed connected for 10 s");
        }));
    }
    for c in clients {
        c.await.unwrap();
    }
    assert!(started.elapsed() < Duration::from_secs(5));
    // A kept-alive connection that sends nothing more is closed too.
    let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
    s.write_all(b"GET /static/style.css HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let idle_since = Instant::now();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        match tokio::time::timeout(Duration::from_secs(10), s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(_)) => continue,
            Err(_) => panic!("an idle connection stayed open"),
        }
    }
    let idle = idle_since.elapsed();
    assert!(
        idle >= Duration::from_millis(1500) && idle < Duration::from_secs(5),
        "{idle:?}"
    );
    // A client that connects and says nothing is slow, not idle: cut at
    // the header timeout.
    let silent = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let took = closed_within(silent, Duration::from_secs(3)).await;
    assert!(took < Duration::from_millis(1800), "{took:?}");
    // A body that stops coming is cut at the idle timeout.
    let mut stalled = tokio::net::TcpStream::connect(&addr).await.unwrap();
    stalled
        .write_all(b"POST /comments HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nbody=only")
        .await
        .unwrap();
    let took = closed_within(stalled, Duration::from_secs(6)).await;
    assert!(
        took >= Duration::from_millis(1500) && took < Duration::from_secs(4),
        "{took:?}"
    );
}

/// How long until the server closes `s`; fails past `limit`.
async fn closed_within(mut s: tokio::net::TcpStream, limit: Duration) -> Duration {
    let started = Instant::now();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        match tokio::time::timeout(limit, s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return started.elapsed(),
            Ok(Ok(_)) => continue,
            Err(_) => panic!("the connection stayed open for {limit:?}"),
        }
    }
}

#[tokio::test]
async fn hole_11_junk_query_strings_neither_render_nor_evict() {
    let app = TestApp::spawn().await;
    app.import(HEAT).await;
    assert_eq!(app.get("/best-pick/heat").await.status(), 200);
    let renders = app.pages.renders();
    for i in 0..50 {
        let r = app
            .get(&format!("/best-pick/heat?utm_source={i}&page={i}"))
            .await;
        assert_eq!(r.status(), 200);
    }
    assert_eq!(app.pages.renders(), renders, "all answered from the cache");
    assert_eq!(app.pages.usage().1, 1, "one page kept");
    // A page reads its own parameters still.
    let (status, _) = app.get_text("/best-pick?page=2").await;
    assert_eq!(status, 404, "past the end");
}

#[tokio::test]
async fn hole_12_bad_input_gets_a_clear_answer_not_a_500() {
    let (app, _) = site_with_drafts().await;
    let admin = accounts::create_token(&app.site, "chief-tool", "chief", None)
        .await
        .unwrap();
    let critics: Vec<Value> = (0..10_000)
        .map(|i| json!({ "outlet": format!("Outlet {i}"), "quote": "Fine." }))
        .collect();
    let post = |body: Value, token: &str| {
        app.client
            .post(app.url("/api/v1/posts"))
            .bearer_auth(token)
            .json(&body)
            .send()
    };
    let r = post(
        json!({ "title": "Many critics", "section": "best-pick", "body": "x",
                "work": { "kind": "movie", "name": "Crowded", "year": 2001 }, "critics": critics }),
        &admin,
    )
    .await
    .unwrap();
    let (status, body) = text_of(r).await;
    assert_eq!(status, 422);
    assert!(
        body.contains("\"critics\"") && body.contains("at most 50"),
        "{body}"
    );
    let r = post(
        json!({ "title": "Protocol-relative", "section": "best-pick", "body": "x",
                "work": { "kind": "movie", "name": "Poster", "year": 2001,
                          "poster": "//evil.example/p.png" } }),
        &admin,
    )
    .await
    .unwrap();
    let (status, body) = text_of(r).await;
    assert_eq!(status, 422);
    assert!(body.contains("work.poster"), "{body}");
    // An author may not hand a post to someone else (and lose it).
    let ann = accounts::create_token(&app.site, "ann-tool", "ann", None)
        .await
        .unwrap();
    let r = post(
        json!({ "title": "Handed away", "section": "essays", "kind": "essay", "status": "draft",
                "body": "x", "authors": ["bob"] }),
        &ann,
    )
    .await
    .unwrap();
    let (status, body) = text_of(r).await;
    assert_eq!(status, 403);
    assert!(body.contains("\"authors\""), "{body}");
    assert!(app
        .site
        .store
        .post_id_by_slug("handed-away")
        .await
        .unwrap()
        .is_none());
    // A login's next= with a line break.
    let r = login_request(
        &app.base,
        &[
            ("username", "chief"),
            ("password", PASSWORD),
            ("next", "/admin/posts\r\nSet-Cookie: evil=1"),
        ],
    )
    .await
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/admin/posts");
}
