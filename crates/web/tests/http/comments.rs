//! Reader comments through the real server: posting, threads, the
//! commenter's own edits, closing, every refusal of the pipeline, the spam
//! folder, moderation that teaches the filter, privacy, and XSS payloads.

use crate::helpers::{client, hidden_value, press, TestApp, HEAT};

const POST: &str = "/best-pick/heat";

/// A comment form's fields.
type Fields = Vec<(&'static str, String)>;

fn reader(name: &str, body: &str) -> Fields {
    vec![
        ("name", name.to_owned()),
        ("email", format!("{}@example.com", name.to_lowercase())),
        ("body", body.to_owned()),
    ]
}

async fn send(app: &TestApp, fields: &[(&'static str, String)]) -> reqwest::Response {
    let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    app.comment(POST, &borrowed).await
}

async fn app_with_heat() -> TestApp {
    let app = TestApp::spawn().await;
    app.import(HEAT).await;
    app.relax_comment_limits().await;
    app
}

/// What the spam filter reads the Heat pick as being about.
async fn heat_context(app: &TestApp) -> String {
    let id = app
        .site
        .store
        .post_id_by_slug("heat")
        .await
        .unwrap()
        .unwrap();
    app.site.store.post_context(id).await.unwrap()
}

fn location(r: &reqwest::Response) -> String {
    r.headers()["location"].to_str().unwrap().to_owned()
}

/// The id in a `...#comment-ID` redirect.
fn comment_id(r: &reqwest::Response) -> i64 {
    location(r)
        .rsplit("#comment-")
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn a_reader_comments_and_replies_and_sees_the_thread() {
    let app = app_with_heat().await;
    let r = send(
        &app,
        &reader(
            "Ann",
            "The bank robbery scene still *holds up*, thirty years on.",
        ),
    )
    .await;
    assert_eq!(r.status(), 303);
    assert!(location(&r).starts_with("/best-pick/heat?comment=published-"));
    let first = comment_id(&r);

    let mut reply = reader(
        "Ben",
        "Agreed, and the sound of that shootout is what stays with me.",
    );
    reply.push(("parent_id", first.to_string()));
    reply.push(("notify", "on".into()));
    let r = send(&app, &reply).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let second = comment_id(&r);
    assert!(
        app.site
            .store
            .comment(second)
            .await
            .unwrap()
            .unwrap()
            .notify
    );

    let (_, html) = app.get_text(POST).await;
    assert!(html.contains("2 comments"), "{html}");
    assert!(html.contains("The bank robbery scene still <em>holds up</em>"));
    let thread = &html[html.find(&format!("id=\"comment-{first}\"")).unwrap()..];
    let replies = thread
        .find("<ol class=\"replies\">")
        .expect("the reply is nested");
    assert!(thread[replies..].contains(&format!("id=\"comment-{second}\"")));
    assert!(!html.contains("ben@example.com"), "emails are never shown");
    // Comment counts on lists, and a permalink.
    let (_, home) = app.get_text("/best-pick").await;
    assert!(home.contains("2 comments</a>"), "{home}");
    let r = app.get(&format!("/comments/{first}")).await;
    assert_eq!(location(&r), format!("/best-pick/heat#comment-{first}"));

    // The post's author replies as themselves, marked.
    app.login_admin().await;
    let r = app
        .comment(
            POST,
            &[
                ("body", "Thank you both."),
                ("parent_id", &first.to_string()),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (_, html) = app.get_text(POST).await;
    assert!(html.contains("comment by-author"), "{html}");
    assert!(html.contains("<span class=\"badge\">Author</span>"));
}

#[tokio::test]
async fn a_commenter_edits_within_ten_minutes_and_not_after() {
    let app = app_with_heat().await;
    let r = send(&app, &reader("Ann", "First thoughts on the diner scene.")).await;
    let id = comment_id(&r);
    let post_id = hidden_value(&app.get_text(POST).await.1, "post_id").unwrap();
    let me = app.form_details(&app.client, &post_id).await;
    assert_eq!(
        me["editable"],
        serde_json::json!([id]),
        "the writer gets an edit link"
    );

    let edit = format!("/comments/{id}/edit");
    let r = app
        .post_form(
            &edit,
            &edit,
            &[("body", "Second thoughts on the diner scene.")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (_, page) = app.get_text(POST).await;
    assert!(page.contains("Second thoughts on the diner scene."));

    // Another browser has no token: no edit link, and the edit is refused.
    let stranger = client();
    let page = app.text_with(&stranger, POST).await;
    assert!(!page.contains(&format!("/comments/{id}/edit")));
    let theirs = app.form_details(&stranger, &post_id).await;
    assert_eq!(theirs["editable"], serde_json::json!([]));
    let r = app
        .post_form_with(&stranger, POST, &edit, &[("body", "Hijacked.")])
        .await;
    assert_eq!(r.status(), 403);

    // Eleven minutes later the writer cannot edit or delete either.
    app.advance_clock(660);
    for (path, body) in [("edit", "Too late."), ("delete", "")] {
        let r = app
            .post_form(POST, &format!("/comments/{id}/{path}"), &[("body", body)])
            .await;
        assert_eq!(r.status(), 403, "{path}");
        assert!(r.text().await.unwrap().contains("10 minutes only"));
    }
    let (_, page) = app.get_text(POST).await;
    assert!(page.contains("Second thoughts on the diner scene."));
}

#[tokio::test]
async fn a_commenters_cookie_keeps_the_newest_twenty_editable() {
    let app = app_with_heat().await;
    let mut ids = Vec::new();
    for n in 0..22 {
        // Every word triple holds the number: no two are near-duplicates.
        let body = format!("The diner {n} scene {n} works {n} because {n} of {n} its {n} light.");
        let r = send(&app, &reader("Ann", &body)).await;
        assert_eq!(r.status(), 303, "comment {n}");
        ids.push(comment_id(&r));
    }
    let post_id = hidden_value(&app.get_text(POST).await.1, "post_id").unwrap();
    let me = app.form_details(&app.client, &post_id).await;
    let mut editable: Vec<i64> = serde_json::from_value(me["editable"].clone()).unwrap();
    editable.sort();
    assert_eq!(editable, ids[2..], "a bounded cookie, the oldest dropped");
}

#[tokio::test]
async fn a_commenter_deletes_within_the_window() {
    let app = app_with_heat().await;
    let id = comment_id(&send(&app, &reader("Ann", "A comment I will regret.")).await);
    let r = app
        .post_form(POST, &format!("/comments/{id}/delete"), &[])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(app.stored_comments().await, 0);
}

#[tokio::test]
async fn closed_comments_refuse_new_ones_with_a_clear_message() {
    let app = app_with_heat().await;
    app.login_admin().await;
    let post_id = app
        .site
        .store
        .post_id_by_slug("heat")
        .await
        .unwrap()
        .unwrap();
    let r = app
        .post_form(
            "/admin/posts",
            &format!("/admin/posts/{post_id}/comments"),
            &[("comments", "close")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let reader_client = client();
    let page = app.text_with(&reader_client, POST).await;
    assert!(page.contains("Comments are closed on this post."));
    assert!(!page.contains("class=\"comment-form\""));
    // A form loaded before closing is refused.
    app.site
        .store
        .set_post_comments_closed(post_id, false)
        .await
        .unwrap();
    let html = app.text_with(&reader_client, POST).await;
    app.site
        .store
        .set_post_comments_closed(post_id, true)
        .await
        .unwrap();
    let r = reader_client
        .post(app.url("/comments"))
        .form(&[
            ("csrf", hidden_value(&html, "csrf").unwrap()),
            ("stamp", hidden_value(&html, "stamp").unwrap()),
            ("post_id", post_id.to_string()),
            ("name", "Ann".into()),
            ("email", "ann@example.com".into()),
            ("body", "Too late?".into()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Comments are closed on this post."));

    // Per section, and by age.
    app.site
        .store
        .set_post_comments_closed(post_id, false)
        .await
        .unwrap();
    let section = app
        .site
        .store
        .section_by_slug("best-pick")
        .await
        .unwrap()
        .unwrap();
    app.site
        .store
        .set_section_comments_closed(section.id, true)
        .await
        .unwrap();
    assert!(app
        .get_text(POST)
        .await
        .1
        .contains("Comments are closed on this post."));
    app.site
        .store
        .set_section_comments_closed(section.id, false)
        .await
        .unwrap();
    app.set_settings(&[("comments.close_after_days", "30")])
        .await; // Heat was published in 2020
    assert!(app
        .get_text(POST)
        .await
        .1
        .contains("Comments are closed on this post."));
    app.set_settings(&[("comments.close_after_days", "0")])
        .await;
    assert!(!app
        .get_text(POST)
        .await
        .1
        .contains("Comments are closed on this post."));
    assert_eq!(app.stored_comments().await, 0);
}

#[tokio::test]
async fn bad_comments_are_refused_with_a_message_and_nothing_is_stored() {
    let app = app_with_heat().await;
    let ok_body = "A perfectly fine comment about the film.";
    let cases: Vec<(&str, Fields, &str)> = vec![
        ("empty body", reader("Ann", "   "), "The comment is empty."),
        (
            "oversize body",
            reader("Ann", &"word ".repeat(1200)),
            "the limit is 5000",
        ),
        (
            "too many links",
            reader(
                "Ann",
                "see http://a.example and http://b.example and http://c.example",
            ),
            "3 links; at most 2",
        ),
        ("no name", reader("", ok_body), "Please give a name"),
        (
            "bad email",
            vec![
                ("name", "Ann".into()),
                ("email", "ann".into()),
                ("body", ok_body.into()),
            ],
            "Please give an email address",
        ),
        (
            "honeypot filled",
            [reader("Ann", ok_body), vec![("nickname", "robot".into())]].concat(),
            "a field meant to stay empty was filled in",
        ),
        (
            "forged form stamp",
            [reader("Ann", ok_body), vec![("stamp", "1.deadbeef".into())]].concat(),
            "The form has expired or was changed",
        ),
        (
            "reply to a missing comment",
            [reader("Ann", ok_body), vec![("parent_id", "999".into())]].concat(),
            "not on this post",
        ),
    ];
    for (what, fields, message) in cases {
        let r = send(&app, &fields).await;
        assert_eq!(r.status(), 422, "{what}");
        let html = r.text().await.unwrap();
        assert!(
            html.contains(message),
            "{what}: expected {message:?} in the page"
        );
        // What was typed is kept.
        if let Some((_, body)) = fields
            .iter()
            .find(|(k, v)| *k == "body" && !v.trim().is_empty() && v.len() < 200)
        {
            assert!(html.contains(body.as_str()), "{what}: the body is kept");
        }
        assert_eq!(app.stored_comments().await, 0, "{what}: nothing stored");
    }

    // Posted too fast (the default minimum is 3 seconds).
    app.set_settings(&[("comments.min_seconds", "3")]).await;
    let r = send(&app, &reader("Ann", ok_body)).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("within 3 seconds"));
    app.set_settings(&[("comments.min_seconds", "0")]).await;
    assert_eq!(app.stored_comments().await, 0);

    // An unknown post.
    let r = app
        .comment(
            POST,
            &[
                ("post_id", "424242"),
                ("name", "Ann"),
                ("email", "a@b.example"),
                ("body", ok_body),
            ],
        )
        .await;
    assert_eq!(r.status(), 404);

    // Reply to a comment of another post.
    app.import(&HEAT.replace("slug = \"heat\"", "slug = \"heat-again\""))
        .await;
    let other = comment_id(
        &app.comment(
            "/best-pick/heat-again",
            &[
                ("name", "Cy"),
                ("email", "cy@example.com"),
                ("body", "On the other post."),
            ],
        )
        .await,
    );
    let r = send(
        &app,
        &[
            reader("Ann", ok_body),
            vec![("parent_id", other.to_string())],
        ]
        .concat(),
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("not on this post"));

    // Reply deeper than allowed.
    app.set_settings(&[("comments.max_depth", "2")]).await;
    let top = comment_id(&send(&app, &reader("Ann", "Top level comment here.")).await);
    let second = comment_id(
        &send(
            &app,
            &[
                reader("Ben", "A reply at level two."),
                vec![("parent_id", top.to_string())],
            ]
            .concat(),
        )
        .await,
    );
    let before = app.stored_comments().await;
    let r = send(
        &app,
        &[
            reader("Cy", "A reply at level three."),
            vec![("parent_id", second.to_string())],
        ]
        .concat(),
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("at most 2 levels deep"));
    assert!(
        !app.get_text(POST)
            .await
            .1
            .contains(&format!("replyto={second}")),
        "no reply link past the depth"
    );

    // The same text twice.
    let r = send(&app, &reader("Ann", "Top level comment here!")).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("already posted"));

    // Rate limit per address.
    app.set_settings(&[("comments.per_ip", "4")]).await;
    let r = send(&app, &reader("Dee", "One more thought on the ending.")).await;
    assert_eq!(r.status(), 303);
    let r = send(&app, &reader("Dee", "And another thought on the score.")).await;
    assert_eq!(r.status(), 429);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("You have posted 4 comments in the last 10 minutes"));
    assert_eq!(app.stored_comments().await, before + 1);
}

#[tokio::test]
async fn spam_goes_to_the_spam_folder_and_a_moderator_undoes_a_mistake() {
    let app = app_with_heat().await;
    app.set_settings(&[("comments.hold_at", "0.2"), ("comments.spam_at", "0.95")])
        .await;
    let spam = "CHECK OUT MY CHANNEL for free subscribers!!! http://cheap-subs.example/ref?id=1 subscribe please";
    let r = send(
        &app,
        &[
            reader("Promo", spam),
            vec![("website", "http://cheap-subs.example".into())],
        ]
        .concat(),
    )
    .await;
    assert_eq!(r.status(), 303);
    assert!(
        location(&r).contains("comment=held"),
        "a spammer is not told"
    );
    let (_, page) = app.get_text(POST).await;
    assert!(!page.contains("cheap-subs"), "spam never reaches the page");
    let counts = app.site.store.comment_counts(None).await.unwrap();
    assert_eq!((counts.spam, counts.published, counts.pending), (1, 0, 0));

    app.login_admin().await;
    let (status, queue) = app.get_text("/admin/comments?status=spam").await;
    assert_eq!(status, 200);
    assert!(queue.contains("cheap-subs.example"));
    assert!(
        queue.contains("spam score"),
        "the moderator sees the score and reasons"
    );
    let id = app
        .site
        .store
        .comment_queue(&bestpick_store::QueueFilter {
            status: bestpick_core::comment::CommentStatus::Spam,
            author_id: None,
            limit: 10,
            offset: 0,
            first_scored: None,
        })
        .await
        .unwrap()
        .0[0]
        .comment
        .id;

    // "Not spam": published at once, and the filter learns from it.
    let heat = heat_context(&app).await;
    let before = app.site.spam.score(spam, &heat);
    let r = app.moderate(id, "approve", "spam").await;
    assert_eq!(r.status(), 303);
    assert!(app.get_text(POST).await.1.contains("cheap-subs"));
    assert!(
        app.site.spam.score(spam, &heat) < before,
        "the decision moved the score at once"
    );
    assert_eq!(app.site.spam.decisions_learnt(), 1);
    // Rebuilt from stored decisions on restart.
    let reopened = bestpick_app::Site::open_at(
        app.data_dir(),
        app.db.location(),
        bestpick_store::Clock::system(),
    )
    .await
    .unwrap();
    assert_eq!(reopened.spam.decisions_learnt(), 1);
    assert_eq!(
        reopened.spam.score(spam, &heat),
        app.site.spam.score(spam, &heat)
    );

    // Blocking the domain from the comment sends the next one to spam.
    let r = app
        .post_form(
            "/admin/comments?status=published",
            &format!("/admin/comments/{id}/block"),
            &[("kind", "domain"), ("status", "published")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let r = app
        .comment_with(
            &client(),
            POST,
            &[
                ("name", "Zed"),
                ("email", "zed@example.com"),
                ("body", "Fine film, see https://cheap-subs.example"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(app.site.store.comment_counts(None).await.unwrap().spam, 1);
}

#[tokio::test]
async fn authors_moderate_only_their_own_posts() {
    let app = app_with_heat().await;
    let id = comment_id(&send(&app, &reader("Ann", "A comment on Heat.")).await);
    bestpick_app::accounts::add_user(
        &app.site,
        "writer",
        "Writer",
        bestpick_core::user::Role::Author,
        crate::helpers::PASSWORD,
    )
    .await
    .unwrap();
    let r = app.login("writer", crate::helpers::PASSWORD).await;
    assert_eq!(r.status(), 303);
    let (_, queue) = app.get_text("/admin/comments?status=published").await;
    assert!(!queue.contains("A comment on Heat."), "not their post");
    let r = app
        .post_form(
            "/admin/comments",
            "/admin/comments",
            &[("ids", &id.to_string()), ("action", "trash")],
        )
        .await;
    assert_eq!(r.status(), 403);
    let r = app
        .post_form(
            "/admin/comments",
            &format!("/admin/comments/{id}/block"),
            &[("kind", "email")],
        )
        .await;
    assert_eq!(r.status(), 403, "the blocklist is the whole site's");
    assert!(app.site.store.blocklist().await.unwrap().is_empty());
    assert_eq!(
        app.site.store.comment(id).await.unwrap().unwrap().status,
        bestpick_core::comment::CommentStatus::Published
    );
}

#[tokio::test]
async fn a_commenters_data_is_exported_erased_and_addresses_truncated() {
    let app = app_with_heat().await;
    let id = comment_id(&send(&app, &reader("Ann", "Please forget me later.")).await);
    app.login_admin().await;
    let r = app
        .post_form(
            "/admin/comments/privacy",
            "/admin/comments/privacy",
            &[("email", "ANN@example.com"), ("op", "export")],
        )
        .await;
    assert_eq!(r.status(), 200);
    let data: serde_json::Value = r.json().await.unwrap();
    assert_eq!(data["comments"][0]["body"], "Please forget me later.");
    assert_eq!(data["comments"][0]["ip_address"], "127.0.0.1");

    // After 30 days the address is cut short; spam older than 30 days goes.
    app.advance_clock(31 * 86_400);
    let done = bestpick_app::moderation::maintain(&app.site).await.unwrap();
    assert_eq!(done.addresses_truncated, 1);
    assert_eq!(
        app.site.store.comment(id).await.unwrap().unwrap().ip,
        "127.0.0.0"
    );

    // A month on, the session has ended: the moderator logs in again.
    app.login_admin().await;
    let r = app
        .post_form(
            "/admin/comments/privacy",
            "/admin/comments/privacy",
            &[("email", "ann@example.com"), ("op", "erase")],
        )
        .await;
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Erased 1 comment written with ann@example.com."));
    assert_eq!(app.stored_comments().await, 0);
}

/// Whether a page holds anything that would run script: a script element
/// other than the theme's own files, an event-handler attribute, a
/// `javascript:` (or `vbscript:`, `data:text/html`) address, or an element
/// that embeds another document.
pub(crate) fn runnable_parts(html: &str) -> Vec<String> {
    let doc = scraper::Html::parse_document(html);
    let mut found = Vec::new();
    for node in doc.tree.nodes() {
        let Some(el) = node.value().as_element() else {
            continue;
        };
        let name = el.name();
        if name == "script" {
            let src = el.attr("src").unwrap_or("");
            let text: String = node
                .children()
                .filter_map(|c| c.value().as_text().map(|t| t.to_string()))
                .collect();
            let inline = !text.trim().is_empty();
            // Structured data: never run, and JSON alone.
            let data = el.attr("type") == Some("application/ld+json")
                && src.is_empty()
                && serde_json::from_str::<serde_json::Value>(&text).is_ok();
            if !data && (!src.starts_with("/static/") || inline) {
                found.push(format!("<script src={src:?}>"));
            }
        }
        if matches!(
            name,
            "iframe" | "frame" | "object" | "embed" | "applet" | "base" | "meta" | "link"
        ) && !(name == "meta" && el.attr("http-equiv").is_none())
            && !(name == "link"
                && el.attr("href").is_some_and(|h| {
                    // Our own: a path, or the test site's address.
                    h.starts_with('/')
                        || h.starts_with("http://127.0.0.1:")
                        || h.starts_with("http://localhost/")
                }))
        {
            found.push(format!("<{name}>"));
        }
        for (attr, value) in el.attrs() {
            let v: String = value
                .chars()
                .filter(|c| !c.is_whitespace() && !c.is_control())
                .collect::<String>()
                .to_lowercase();
            if attr.starts_with("on") || attr == "srcdoc" || attr == "formaction" {
                found.push(format!("<{name} {attr}>"));
            }
            if [
                "href",
                "src",
                "action",
                "xlink:href",
                "data",
                "background",
                "poster",
            ]
            .contains(&attr)
                && (v.starts_with("javascript:")
                    || v.starts_with("vbscript:")
                    || v.starts_with("data:text/html"))
            {
                found.push(format!("<{name} {attr}={value:?}>"));
            }
            if attr == "style" && (v.contains("expression(") || v.contains("javascript:")) {
                found.push(format!("<{name} style>"));
            }
        }
    }
    found
}

#[test]
fn the_inertness_check_sees_script() {
    assert!(runnable_parts("<p onclick=alert(1)>x</p>").len() == 1);
    assert!(runnable_parts("<a href=' JaVaScRiPt:alert(1)'>x</a>").len() == 1);
    assert!(runnable_parts("<script>alert(1)</script>").len() == 1);
    assert!(runnable_parts("<iframe src=x></iframe>").len() == 1);
    assert!(runnable_parts(
        "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p><script src=\"/static/top.js\"></script>"
    )
    .is_empty());
}

/// Every payload of `../shared/data/attacks/xss_alert.txt`, as a comment's
/// name, website and body: the form shown back, the post page, and the
/// moderation queue hold nothing that would run it.
#[tokio::test]
async fn every_xss_payload_renders_inert() {
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/attacks/xss_alert.txt");
    let Ok(list) = std::fs::read_to_string(&file) else {
        crate::helpers::skip("../shared/data/attacks is not there");
        return;
    };
    let payloads: Vec<&str> = list.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(payloads.len() > 600);
    let app = app_with_heat().await;
    app.set_settings(&[
        ("comments.max_links", "50"),
        ("comments.max_length", "100000"),
    ])
    .await;
    // The form's hidden fields once: the stamp stays valid for a day.
    let hidden = app.hidden_fields(&app.client, POST).await;
    let send = |fields: Vec<(&'static str, String)>| {
        let all: Vec<(&str, String)> = hidden.iter().cloned().chain(fields).collect();
        app.client.post(app.url("/comments")).form(&all).send()
    };
    for (i, p) in payloads.iter().enumerate() {
        // As website too: refused (not an http address) and shown back in the form.
        let r = send(vec![
            ("name", p.to_string()),
            ("email", "x@example.com".into()),
            ("website", p.to_string()),
            ("body", p.to_string()),
        ])
        .await
        .unwrap();
        let status = r.status();
        let html = r.text().await.unwrap();
        if status == 422 {
            let bad = runnable_parts(&html);
            assert!(
                bad.is_empty(),
                "payload {i} {p:?} shown back in the form: {bad:?}"
            );
        }
        // Stored: the name and body as typed, made unique so none is a duplicate.
        let r = send(vec![
            ("name", p.chars().take(80).collect()),
            ("email", "x@example.com".into()),
            ("body", format!("{p}\n\nnumber {i}")),
        ])
        .await
        .unwrap();
        assert_eq!(r.status(), 303, "payload {i} is stored");
    }
    assert_eq!(app.stored_comments().await, payloads.len() as i64);
    let (_, page) = app.get_text(POST).await;
    let bad = runnable_parts(&page);
    assert!(bad.is_empty(), "the post page runs something: {bad:?}");
    app.login_admin().await;
    for status in ["pending", "published", "spam"] {
        for page in 1..=40 {
            let (code, html) = app
                .get_text(&format!("/admin/comments?status={status}&page={page}"))
                .await;
            assert_eq!(code, 200);
            let bad = runnable_parts(&html);
            assert!(
                bad.is_empty(),
                "/admin/comments?status={status}&page={page} runs something: {bad:?}"
            );
            if !html.contains("Older →") {
                break;
            }
        }
    }
}

/// Hole 4: `X-Forwarded-For` is believed only from a proxy the operator
/// trusts, and then its right-most address that is not a trusted proxy.
#[tokio::test]
async fn hole_4_forwarded_addresses_count_only_from_a_trusted_proxy() {
    async fn comment_ip(app: &TestApp, forwarded: &str) -> String {
        let mut fields = app.hidden_fields(&app.client, POST).await;
        fields.extend([
            ("name", "Ann".into()),
            ("email", "ann@example.com".into()),
            ("body", format!("Posted with the header {forwarded}.")),
        ]);
        let r = app
            .client
            .post(app.url("/comments"))
            .header("x-forwarded-for", forwarded)
            .form(&fields)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let id = comment_id(&r);
        app.site.store.comment(id).await.unwrap().unwrap().ip
    }
    let app = app_with_heat().await;
    assert_eq!(
        comment_ip(&app, "198.51.100.1, 203.0.113.9").await,
        "127.0.0.1"
    );
    let app = TestApp::spawn_behind_proxy().await;
    app.import(HEAT).await;
    app.relax_comment_limits().await;
    assert_eq!(
        comment_ip(&app, "198.51.100.1, 203.0.113.9").await,
        "203.0.113.9"
    );
}

/// Hole 4: forged addresses do not escape the comment rate limits.
#[tokio::test]
async fn hole_4_forged_addresses_do_not_escape_the_rate_limit() {
    let app = TestApp::spawn().await;
    app.import(HEAT).await;
    app.set_settings(&[("comments.min_seconds", "0"), ("comments.per_ip", "3")])
        .await;
    let mut statuses = Vec::new();
    for i in 0..6 {
        let mut fields = app.hidden_fields(&app.client, POST).await;
        fields.extend([
            ("name", format!("Reader {i}")),
            ("email", format!("reader{i}@example.com")),
            (
                "body",
                format!("Comment number {i}, each from a new forged address."),
            ),
        ]);
        let r = app
            .client
            .post(app.url("/comments"))
            .header("x-forwarded-for", format!("203.0.113.{i}"))
            .form(&fields)
            .send()
            .await
            .unwrap();
        statuses.push(r.status().as_u16());
    }
    assert_eq!(&statuses[3..], [429, 429, 429], "{statuses:?}");
}

#[tokio::test]
async fn only_spam_and_trash_are_deleted_for_good() {
    let app = app_with_heat().await;
    let id = comment_id(&send(&app, &reader("Ann", "A keeper of a comment.")).await);
    app.login_admin().await;
    let r = app
        .post_form(
            "/admin/comments",
            "/admin/comments",
            &[("ids", &id.to_string()), ("action", "delete")],
        )
        .await;
    assert_eq!(r.status(), 400);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Only comments in the spam folder or the trash"));
    for action in ["trash", "delete"] {
        let r = app
            .post_form(
                "/admin/comments",
                "/admin/comments",
                &[("ids", &id.to_string()), ("action", action)],
            )
            .await;
        assert_eq!(r.status(), 303, "{action}");
    }
    assert_eq!(app.stored_comments().await, 0);
}

#[tokio::test]
async fn personal_answers_are_kept_from_shared_caches() {
    let app = app_with_heat().await;
    let r = app.get(POST).await;
    assert!(
        r.headers()["cache-control"]
            .to_str()
            .unwrap()
            .starts_with("public"),
        "the post page is the same for everyone"
    );
    // A form sent back with its errors holds what the reader typed.
    let r = send(&app, &reader("Ann", "")).await;
    assert_eq!(r.status(), 422);
    assert_eq!(r.headers()["cache-control"], "private, no-cache");
    app.login_admin().await;
    for path in ["/admin/comments", "/admin/posts", "/admin/login"] {
        let r = app.get(path).await;
        assert_eq!(r.headers()["cache-control"], "private, no-store", "{path}");
    }
}

/// The shared page's form, as a browser without JavaScript sends it: no
/// token, the stamp of the page's render.
async fn one_press(
    app: &TestApp,
    c: &reqwest::Client,
    headers: &[(&str, String)],
    body: &str,
) -> reqwest::Response {
    let page = c
        .get(app.url(POST))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let mut fields = vec![
        ("post_id", hidden_value(&page, "post_id").unwrap()),
        ("stamp", hidden_value(&page, "stamp").unwrap()),
        ("csrf", String::new()),
    ];
    fields.extend(reader("Nina", body));
    let mut req = c.post(app.url("/comments")).form(&fields);
    for (k, v) in headers {
        req = req.header(*k, v);
    }
    req.send().await.unwrap()
}

/// Without JavaScript a reader posts in one press from the site's own page
/// (the browser says so: `Sec-Fetch-Site` or `Origin`); from elsewhere the
/// confirm step stays. A form sent back lands on its message; a published
/// comment gets its notice beside it.
#[tokio::test]
async fn a_reader_without_javascript_posts_in_one_press_from_this_site() {
    let app = app_with_heat().await;
    app.set_settings(&[("comments.min_seconds", "0")]).await;
    let host = app.base.trim_start_matches("http://").to_owned();
    let c = client();
    for (headers, said) in [
        (
            vec![("sec-fetch-site", "same-origin".to_owned())],
            "fetch metadata",
        ),
        (vec![("origin", format!("http://{host}"))], "origin"),
    ] {
        let r = one_press(&app, &c, &headers, &format!("One press, told by {said}.")).await;
        assert_eq!(r.status(), 303, "{said}: {}", r.text().await.unwrap());
        let to = location(&r);
        let id = comment_id(&r);
        assert!(
            to.contains(&format!("?comment=published-{id}#comment-{id}")),
            "{to}"
        );
        // The notice sits beside the new comment, for its writer only.
        let address = to.split('#').next().unwrap();
        let page = app.text_with(&c, address).await;
        let at = page.find(&format!("id=\"comment-{id}\"")).unwrap();
        let notice = page.find("your comment is published").unwrap();
        assert!(notice > at, "the notice follows the comment");
        let (_, shared) = app.get_text(address).await;
        assert!(
            !shared.contains("your comment is published"),
            "a shared link thanks no one"
        );
    }
    for headers in [
        vec![],
        vec![("sec-fetch-site", "cross-site".to_owned())],
        vec![("origin", "https://elsewhere.example".to_owned())],
    ] {
        let r = one_press(&app, &c, &headers, "From another site.").await;
        assert_eq!(r.status(), 422);
        let html = r.text().await.unwrap();
        assert!(html.contains("press “Post comment” once more"), "{html}");
        // It lands on the message, which has the focus.
        assert!(html.contains("id=\"comment-message\" tabindex=\"-1\" autofocus"));
    }
    // Nothing promises mail the site cannot send.
    let (_, page) = app.get_text(POST).await;
    assert!(!page.contains("Notify me"));
}

/// "Remember me" keeps the reader's name, email and website in a cookie of
/// their own, which the form's details give back; posting without it forgets.
#[tokio::test]
async fn remember_me_fills_the_form_next_time_on_this_device() {
    let app = app_with_heat().await;
    let c = client();
    let mut fields = reader("Rosa", "Remember me, please.");
    fields.push(("website", "https://rosa.example".into()));
    fields.push(("remember", "on".into()));
    let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = app.comment_with(&c, POST, &borrowed).await;
    assert_eq!(r.status(), 303);
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|v| v.starts_with("bp_reader="))
        .expect("a remember-me cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("Max-Age=31536000"),
        "{cookie}"
    );
    let heat = app
        .site
        .store
        .post_id_by_slug("heat")
        .await
        .unwrap()
        .unwrap();
    let details: serde_json::Value = c
        .get(app.url(&format!("/comments/form/{heat}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(details["remembered"]["name"], "Rosa");
    assert_eq!(details["remembered"]["email"], "rosa@example.com");
    assert_eq!(details["remembered"]["website"], "https://rosa.example");
    // Another reader's details hold nothing of Rosa's.
    let other: serde_json::Value = client()
        .get(app.url(&format!("/comments/form/{heat}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(other["remembered"].is_null());
    // Posting without ticking it forgets.
    let fields = reader("Rosa", "Forget me now.");
    let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = app.comment_with(&c, POST, &borrowed).await;
    assert_eq!(r.status(), 303);
    let details: serde_json::Value = c
        .get(app.url(&format!("/comments/form/{heat}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(details["remembered"].is_null(), "{details}");
}

/// The spam folder's borderline cases (scored 0.95 to 0.99) can be
/// reviewed first, least sure first; reasons read in plain words.
#[tokio::test]
async fn the_spam_folder_shows_its_borderline_cases_first() {
    let app = app_with_heat().await;
    app.login_admin().await;
    app.set_settings(&[("comments.spam_at", "0.95")]).await;
    let heat = app
        .site
        .store
        .post_id_by_slug("heat")
        .await
        .unwrap()
        .unwrap();
    for (n, score) in [
        ("Sure", 0.999),
        ("Closer", 0.96),
        ("Close", 0.98),
        ("Surer", 0.995),
    ] {
        let body = format!("{n} one: buy followers now");
        app.site
            .store
            .insert_comment(&bestpick_store::NewComment {
                post_id: heat,
                parent_id: None,
                depth: 0,
                name: n.into(),
                email: format!("{}@example.com", n.to_lowercase()),
                website: None,
                user_id: None,
                body_html: bestpick_core::comment::body_html(&body),
                fingerprint: bestpick_core::comment::fingerprint(&body),
                body,
                status: bestpick_core::comment::CommentStatus::Spam,
                score: Some(score),
                reasons: vec![
                    format!("spam score {score:.2} (spam)"),
                    "links to a .com site: +2.30".into(),
                ],
                ip: "192.0.2.1".into(),
                network: "192.0.2.0/24".into(),
                notify: false,
            })
            .await
            .unwrap();
    }
    let order = |html: &str| {
        let mut names: Vec<(usize, &str)> = ["Sure", "Closer", "Close", "Surer"]
            .into_iter()
            .map(|n| (html.find(&format!("<strong>{n}</strong>")).unwrap(), n))
            .collect();
        names.sort();
        names.into_iter().map(|(_, n)| n).collect::<Vec<_>>()
    };
    let (_, html) = app
        .get_text("/admin/comments?status=spam&review=borderline")
        .await;
    assert_eq!(order(&html), ["Closer", "Close", "Surer", "Sure"]);
    let (_, html) = app.get_text("/admin/comments?status=spam").await;
    assert_eq!(order(&html), ["Surer", "Close", "Closer", "Sure"]);
    assert!(html.contains("Review the borderline cases first"));
    // The score is said once, the reasons in words.
    assert_eq!(html.matches("spam score 0.96").count(), 1, "{html}");
    assert!(html.contains("links to a .com site: +2.30"));

    // The band starts at the site's spam threshold.
    app.set_settings(&[("comments.spam_at", "0.97")]).await;
    let (_, html) = app
        .get_text("/admin/comments?status=spam&review=borderline")
        .await;
    assert_eq!(order(&html), ["Close", "Surer", "Closer", "Sure"]);
    // An action there comes back to the same order.
    let csrf = app
        .csrf("/admin/comments?status=spam&review=borderline")
        .await;
    let id = html
        .split("data-id=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let r = app
        .client
        .post(app.url("/admin/comments"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("ids", id.as_str()),
            ("action", "trash"),
            ("status", "spam"),
            ("review", "borderline"),
        ])
        .send()
        .await
        .unwrap();
    assert!(
        location(&r).starts_with("/admin/comments?status=spam&review=borderline&undo="),
        "{}",
        location(&r)
    );
}

async fn undo(app: &TestApp, batch: &str) -> reqwest::Response {
    app.post_form(
        "/admin/comments?status=pending",
        "/admin/comments/undo",
        &[("batch", batch), ("status", "pending")],
    )
    .await
}

#[tokio::test]
async fn every_moderation_is_undone_from_its_notice_and_kept_in_history() {
    use bestpick_core::comment::CommentStatus;
    let app = app_with_heat().await;
    let text = "The score by Elliot Goldenthal carries the last scene at the airport.";
    let ann = comment_id(&send(&app, &reader("Ann", text)).await);
    let mut reply = reader("Ben", "Agreed, and Moby's track over the credits.");
    reply.push(("parent_id", ann.to_string()));
    let ben = comment_id(&send(&app, &reply).await);
    app.login_admin().await;
    let status = |id| {
        let store = app.site.store.clone();
        async move { store.comment(id).await.unwrap().map(|c| c.status) }
    };

    // Spam by mistake: the filter learns it, and Undo takes both back.
    let heat = heat_context(&app).await;
    let before = app.site.spam.score(text, &heat);
    let r = app.moderate(ann, "spam", "published").await;
    assert_eq!(r.status(), 303);
    let batch = press(&r);
    // Another moderator may not take it back: it is not their press.
    bestpick_app::accounts::add_user(
        &app.site,
        "second",
        "Second Editor",
        bestpick_core::user::Role::Editor,
        crate::helpers::PASSWORD,
    )
    .await
    .unwrap();
    let other = client();
    let login = app
        .post_form_with(
            &other,
            "/admin/login",
            "/admin/login",
            &[
                ("username", "second"),
                ("password", crate::helpers::PASSWORD),
            ],
        )
        .await;
    assert_eq!(login.status(), 303);
    let refused = app
        .post_form_with(
            &other,
            "/admin/comments?status=spam",
            "/admin/comments/undo",
            &[("batch", &batch)],
        )
        .await;
    assert_eq!(refused.status(), 400);
    assert_eq!(status(ann).await, Some(CommentStatus::Spam));
    let (_, queue) = app.get_text(&location(&r)).await;
    assert!(queue.contains("Marked as spam 1 comment."), "{queue}");
    assert!(queue.contains("action=\"/admin/comments/undo\""));
    assert!(queue.contains(&format!("value=\"{batch}\"")));
    assert!(app.site.spam.score(text, &heat) > before);
    assert_eq!(app.site.spam.decisions_learnt(), 1);

    let r = undo(&app, &batch).await;
    assert_eq!(r.status(), 303);
    let (_, queue) = app.get_text(&location(&r)).await;
    assert!(queue.contains("Undone: 1 comment put back."), "{queue}");
    assert_eq!(status(ann).await, Some(CommentStatus::Published));
    assert_eq!(app.site.spam.decisions_learnt(), 0);
    assert!(app.site.store.spam_decisions().await.unwrap().is_empty());
    assert_eq!(
        app.site.spam.score(text, &heat),
        before,
        "as if never taught"
    );
    assert!(app.get_text(POST).await.1.contains("Elliot Goldenthal"));
    // Once is enough.
    let r = undo(&app, &batch).await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("There is nothing to undo"));

    // Deleted for good, with its reply: Undo brings it back, the reply
    // under it again.
    app.moderate(ann, "trash", "published").await;
    let r = app.moderate(ann, "delete", "trash").await;
    assert_eq!(r.status(), 303);
    assert_eq!(status(ann).await, None);
    let orphan = app.site.store.comment(ben).await.unwrap().unwrap();
    assert_eq!(orphan.parent_id, None);
    let r = undo(&app, &press(&r)).await;
    assert_eq!(r.status(), 303);
    assert_eq!(status(ann).await, Some(CommentStatus::Trash));
    let ben_now = app.site.store.comment(ben).await.unwrap().unwrap();
    assert_eq!(ben_now.parent_id, Some(ann));

    // The history, oldest first, on the comment in its folder.
    let (_, trash) = app.get_text("/admin/comments?status=trash").await;
    let history = &trash[trash.find("History (").expect("a history")..];
    let lines: Vec<&str> = [
        "Marked as spam by Editor in Chief",
        "Undone by Editor in Chief",
        "Moved to the trash by Editor in Chief",
        "Deleted by Editor in Chief",
        "Undone by Editor in Chief",
    ]
    .into_iter()
    .collect();
    let mut at = 0;
    for line in lines {
        let found = history[at..]
            .find(line)
            .unwrap_or_else(|| panic!("{line} after {at} in {history}"));
        at += found + line.len();
    }

    // Moved again since (here straight through the store): left where it is.
    let r = app.moderate(ann, "restore", "trash").await;
    let restore = press(&r);
    app.site
        .store
        .moderate(&bestpick_store::ModerationAct {
            user_id: 1,
            action: "approve",
            comments: &[app.site.store.comment(ann).await.unwrap().unwrap()],
            to: Some(CommentStatus::Published),
            approve: true,
            teaches: &[],
        })
        .await
        .unwrap();
    let r = undo(&app, &restore).await;
    assert_eq!(r.status(), 303);
    let (_, said) = app.get_text(&location(&r)).await;
    assert!(
        said.contains("Undone: 0 comments put back; 1 was moved again since"),
        "{said}"
    );
    assert_eq!(status(ann).await, Some(CommentStatus::Published));

    // A press from a folder the comment has left since does nothing.
    let r = app.moderate(ann, "spam", "trash").await;
    let (_, page) = app.get_text(&location(&r)).await;
    assert!(page.contains("Marked as spam 0 comments."), "{page}");
    assert!(!location(&r).contains("undo="));
    assert_eq!(status(ann).await, Some(CommentStatus::Published));

    // Too late after a minute; a deleted comment is then gone for good.
    app.moderate(ben, "trash", "published").await;
    let r = app.moderate(ben, "delete", "trash").await;
    let gone = press(&r);
    app.advance_clock(bestpick_store::UNDO_SECONDS + 1);
    let r = undo(&app, &gone).await;
    assert_eq!(r.status(), 400);
    bestpick_app::moderation::maintain(&app.site).await.unwrap();
    assert_eq!(status(ben).await, None);

    // Their export holds the history, and erasing them erases it.
    let export = |email: &'static str| {
        let site = app.site.clone();
        async move {
            bestpick_app::moderation::export_commenter(&site, email)
                .await
                .unwrap()
        }
    };
    let before = export("ann@example.com").await;
    assert_eq!(
        before["moderation_history"].as_array().unwrap().len(),
        7,
        "{before}"
    );
    assert_eq!(
        export("ben@example.com").await["deleted_comments_held_for_undo"]
            .as_array()
            .unwrap()
            .len(),
        0,
        "gone for good after maintenance"
    );
    bestpick_app::moderation::erase_commenter(&app.site, "ann@example.com")
        .await
        .unwrap();
    let after = export("ann@example.com").await;
    assert_eq!(
        after["moderation_history"],
        serde_json::json!([]),
        "{after}"
    );
}

#[tokio::test]
async fn an_undo_never_touches_a_newer_comment_that_took_a_deleted_ones_id() {
    use bestpick_core::comment::CommentStatus;
    let app = app_with_heat().await;
    let old = comment_id(&send(&app, &reader("Ann", "The first of two comments here.")).await);
    app.login_admin().await;
    app.moderate(old, "spam", "published").await;
    let first = press(&app.moderate(old, "delete", "spam").await);
    // On SQLite the next comment may take the deleted one's id.
    let new = comment_id(
        &app.comment_with(
            &client(),
            POST,
            &[
                ("name", "Ben"),
                ("email", "ben@example.com"),
                ("body", "A newer comment arriving later."),
            ],
        )
        .await,
    );
    let ben = |c: Option<bestpick_store::Comment>| c.map(|c| (c.name, c.status));
    assert_eq!(
        ben(app.site.store.comment(new).await.unwrap()),
        Some(("Ben".into(), CommentStatus::Published))
    );
    // The newer one deleted too, in a second press.
    app.moderate(new, "trash", "published").await;
    let second = press(&app.moderate(new, "delete", "trash").await);
    // Undoing the first press brings back Ann, never Ben.
    let r = undo(&app, &first).await;
    assert_eq!(r.status(), 303);
    let (_, page) = app.get_text(&location(&r)).await;
    if new == old {
        assert!(page.contains("Undone: 0 comments put back"), "{page}");
        assert_eq!(
            app.site.store.comment(new).await.unwrap().map(|c| c.id),
            None
        );
    } else {
        assert!(page.contains("Undone: 1 comment put back"), "{page}");
        assert_eq!(
            ben(app.site.store.comment(old).await.unwrap()),
            Some(("Ann".into(), CommentStatus::Spam))
        );
    }
    // Undoing the second brings back Ben, where he was.
    let r = undo(&app, &second).await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        ben(app.site.store.comment(new).await.unwrap()),
        Some(("Ben".into(), CommentStatus::Trash))
    );
}

#[tokio::test]
async fn a_comment_is_judged_with_what_its_post_is_about() {
    let app = app_with_heat().await;
    let heat = heat_context(&app).await;
    for words in [
        "Heat: two professionals",
        "Al Pacino Vincent Hanna",
        "crime",
    ] {
        assert!(heat.contains(words), "{words} in {heat}");
    }
    // Naming the post's people is a reader's sign; the same words on a
    // post about something else weigh more towards spam.
    let text = "Pacino and De Niro at the diner, what a scene";
    let on_heat = app.site.spam.score(text, &heat);
    let elsewhere = app.site.spam.score(text, "Roar\nKaty Perry");
    assert!(on_heat < elsewhere, "{on_heat} {elsewhere}");
    let (_, reasons) = app.site.spam.assess(text, &heat, 30);
    assert!(
        reasons
            .iter()
            .any(|r| r.starts_with("names several things the post is about: −")),
        "{reasons:?}"
    );
}
