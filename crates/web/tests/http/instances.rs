//! Several instances of one site on one database, as behind a load
//! balancer: what one does, the others show and count.
//!
//! On PostgreSQL the instances hear each other's commits at once; on
//! SQLite (two processes on one file) a write by another process is
//! noticed within a second, and in-memory counts (comment rate limits,
//! the spam filter's lessons) stay each instance's own.

use crate::helpers::{login_request, TestApp, HEAT, PASSWORD};
use bestpick_store::scratch::Scratch;
use bestpick_store::Clock;
use std::time::{Duration, Instant};

const POST: &str = "/best-pick/heat";

/// Waits until `page` on `app` holds `text`; returns how long it took.
async fn shows(app: &TestApp, page: &str, text: &str) -> Duration {
    let start = Instant::now();
    loop {
        if app.get_text(page).await.1.contains(text) {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "{page} never showed {text:?}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

fn reader(name: &str, body: &str) -> Vec<(&'static str, String)> {
    vec![
        ("name", name.into()),
        ("email", format!("{}@example.com", name.to_lowercase())),
        ("body", body.into()),
    ]
}

async fn comment(app: &TestApp, name: &str, body: &str) -> reqwest::Response {
    let fields = reader(name, body);
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    app.comment(POST, &fields).await
}

#[tokio::test]
async fn what_one_instance_writes_the_others_show() {
    let a = TestApp::spawn().await;
    a.import(HEAT).await;
    a.relax_comment_limits().await;
    let b = a.another_instance().await;
    // B renders and keeps the pick page before the comment exists.
    let (status, page) = b.get_text(POST).await;
    assert_eq!(status, 200);
    assert!(!page.contains("Seen from the other instance"));

    let r = comment(&a, "Ann", "Seen from the other instance, I hope.").await;
    assert_eq!(r.status(), 303);
    let delay = shows(&b, POST, "Seen from the other instance").await;
    if Scratch::on_postgres() {
        assert!(delay < Duration::from_secs(1), "{delay:?}");
    }

    // A change of the site (its name) shows on every page of B.
    b.get_text("/").await;
    a.set_settings(&[("site_name", "The Other Pick")]).await;
    shows(&b, "/", "The Other Pick").await;
}

#[tokio::test]
async fn a_scheduled_post_appears_on_every_instance_at_its_time() {
    let a = TestApp::spawn().await;
    let b = a.another_instance().await;
    let at = time::OffsetDateTime::from_unix_timestamp(a.site.now() + 60).unwrap();
    let date = at
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    a.import(&format!(
        "+++\ntitle = \"Coming soon\"\nsection = \"news\"\nkind = \"article\"\ndate = {date}\n+++\nSoon.\n"
    ))
    .await;
    for app in [&a, &b] {
        assert!(!app.get_text("/news").await.1.contains("Coming soon"));
    }
    // The minute passes (the instances' clocks are in step).
    a.advance_clock(61);
    for app in [&a, &b] {
        shows(app, "/news", "Coming soon").await;
    }
}

/// The status of a login as chief with `password`, from a new browser.
async fn login_status(app: &TestApp, password: &str) -> u16 {
    login_request(
        &app.base,
        &[
            ("username", "chief"),
            ("password", password),
            ("next", "/admin"),
        ],
    )
    .await
    .send()
    .await
    .unwrap()
    .status()
    .as_u16()
}

#[tokio::test]
async fn a_session_and_the_login_limit_hold_whichever_instance_answers() {
    // A still clock: the delays are timed exactly, however slow the machine.
    let clock = Clock::fixed(1_800_000_000);
    let a = TestApp::spawn_on(Default::default(), clock.clone()).await;
    let b = a.another_instance().await;
    // Logged in on A, the same browser is logged in on B.
    a.login_admin().await;
    let on_b = a.client.get(b.url("/admin/posts")).send().await.unwrap();
    assert_eq!(on_b.status(), 200, "B knows A's session");

    // Wrong passwords spread over both instances count together.
    let mut statuses = Vec::new();
    for i in 0..6 {
        let app = if i % 2 == 0 { &a } else { &b };
        statuses.push(login_status(app, "wrong").await);
    }
    assert_eq!(statuses, [401, 401, 401, 401, 401, 429], "{statuses:?}");
    // The right password waits for the delay too, on either instance, and
    // works once it has passed: nobody is locked out.
    assert_eq!(login_status(&b, PASSWORD).await, 429);
    clock.advance(1);
    assert_eq!(login_status(&b, PASSWORD).await, 303);
}

#[tokio::test]
async fn an_upload_to_one_instance_is_served_by_the_others() {
    let a = TestApp::spawn().await;
    let b = a.another_instance().await;
    a.login_admin().await;
    let csrf = a.csrf("/admin/media").await;
    let picture = bestpick_app::media::generated_picture(1200, 800, 7);
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf)
        .text("alt", "A red carpet")
        .part(
            "file",
            reqwest::multipart::Part::bytes(picture).file_name("carpet.jpg"),
        );
    let r = a
        .client
        .post(a.url("/admin/media"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    // The instances share the data folder: B serves the file and its variants.
    let media = b.site.store.media_list(10).await.unwrap();
    let m = &media[0];
    assert_eq!(b.get(&m.url).await.status(), 200);
    for v in &m.variants {
        let r = b.get(&format!("/media/{}", v.file)).await;
        assert_eq!(r.status(), 200, "{}", v.file);
    }
}

#[tokio::test]
async fn maintenance_runs_on_one_instance_an_hour() {
    let a = TestApp::spawn().await;
    let b = a.another_instance().await;
    let ran_a = bestpick_app::moderation::maintain_once(&a.site)
        .await
        .unwrap();
    let ran_b = bestpick_app::moderation::maintain_once(&b.site)
        .await
        .unwrap();
    assert!(ran_a.is_some() && ran_b.is_none(), "{ran_a:?} {ran_b:?}");
    // An hour later it is due again, once.
    for app in [&a, &b] {
        app.advance_clock(bestpick_app::moderation::MAINTENANCE_EVERY);
    }
    let ran_b = bestpick_app::moderation::maintain_once(&b.site)
        .await
        .unwrap();
    let ran_a = bestpick_app::moderation::maintain_once(&a.site)
        .await
        .unwrap();
    assert!(ran_b.is_some() && ran_a.is_none(), "{ran_a:?} {ran_b:?}");
}

/// What each instance keeps in memory follows the others' commits: on
/// PostgreSQL only, where commits are heard.
#[tokio::test]
async fn comment_limits_and_spam_lessons_are_shared_on_postgres() {
    if !Scratch::on_postgres() {
        // Two processes on one SQLite file share no memory: nothing to
        // check here beyond the tests above (the PostgreSQL run checks this).
        return;
    }
    let a = TestApp::spawn().await;
    a.import(HEAT).await;
    a.relax_comment_limits().await;
    a.set_settings(&[("comments.per_ip", "3")]).await;
    let b = a.another_instance().await;
    // Two comments on A and one on B from one address: the fourth, on B,
    // is one too many however the comments were spread.
    for (app, body) in [
        (&a, "First thoughts about the diner scene."),
        (&a, "Second thoughts about the bank robbery."),
        (&b, "Third thoughts about the airport ending."),
    ] {
        let r = comment(app, "Dee", body).await;
        assert_eq!(r.status(), 303);
    }
    // B has counted A's two comments once it has heard of them.
    let start = Instant::now();
    while b
        .site
        .recent
        .counts("127.0.0.1", "127.0.0.0/24", 0, b.site.now())
        .ip
        < 3
    {
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "B never counted A's comments"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let r = comment(&b, "Dee", "Fourth thoughts about the score.").await;
    assert_eq!(r.status(), 429, "{}", r.text().await.unwrap());

    // A moderator's decision on A teaches B's spam filter.
    let learnt = b.site.spam.decisions_learnt();
    let id = a
        .site
        .store
        .published_comments(a.site.store.post_id_by_slug("heat").await.unwrap().unwrap())
        .await
        .unwrap()[0]
        .id;
    a.login_admin().await;
    let r = a.moderate(id, "spam", "published").await;
    assert_eq!(r.status(), 303);
    let start = Instant::now();
    while b.site.spam.decisions_learnt() == learnt {
        assert!(start.elapsed() < Duration::from_secs(5), "B never learnt");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }

    // Its undo on A makes B forget it.
    let batch = crate::helpers::press(&r);
    let r = a
        .post_form(
            "/admin/comments?status=published",
            "/admin/comments/undo",
            &[("batch", &batch)],
        )
        .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let start = Instant::now();
    while b.site.spam.decisions_learnt() != learnt {
        assert!(start.elapsed() < Duration::from_secs(5), "B never forgot");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}
