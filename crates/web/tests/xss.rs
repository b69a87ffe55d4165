//! Stored XSS in a real browser: every payload of
//! `../shared/data/attacks/xss_alert.txt` in every field an author or a
//! reader controls, each page that shows it loaded in headless Chromium
//! with a hook, installed before any of the page's own scripts, that
//! records any call of `alert`, `confirm`, `prompt` or `print`. A page must record
//! none, hold no element that could run script (event handler attributes,
//! `javascript:` addresses, script from elsewhere, frames), and the site
//! must receive no CSP violation report.
//!
//! A test binary of its own: its four thousand page loads run after the
//! `http` tests, not beside their timing tests.

#[path = "http/chromium.rs"]
mod chromium;
#[allow(dead_code)]
#[path = "http/helpers.rs"]
mod helpers;

use bestpick_app::posts::{self, CoverSource};
use bestpick_core::comment::CommentStatus;
use bestpick_core::document::PostData;
use bestpick_core::user::Role;
use bestpick_store::SaveMode;
use chromium::{click, connect, fill, start_chromedriver};
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::Client;
use helpers::{TestApp, PASSWORD};
use serde_json::{json, Value};

/// Every field that takes a payload, as reported.
const FIELDS: &[&str] = &[
    "post title",
    "summary",
    "body",
    "question",
    "work name",
    "original name",
    "director",
    "writer",
    "cast name",
    "cast role",
    "genre",
    "country",
    "language",
    "awards",
    "poster address",
    "tag",
    "critic's quote",
    "critic's outlet",
    "critic's name",
    "critic's link",
    "line speaker",
    "line text",
    "line context",
    "image alt",
    "image caption",
    "image credit",
    "author display name",
    "site name",
    "site tagline",
    "section name",
    "section description",
    "comment name",
    "comment website",
    "comment body",
];

/// Records calls of the dialog functions, before the page's scripts run.
const HOOK: &str = "window.__xss = [];
for (const name of ['alert', 'confirm', 'prompt', 'print']) {
  window[name] = (...args) => { window.__xss.push(name + '(' + args.map(String).join(',') + ')'); };
}";

/// What a loaded page ran, and what in it could run script.
const INSPECT: &str = "
const found = [];
const ours = location.origin + '/static/';
for (const el of document.querySelectorAll('*')) {
  for (const a of el.attributes) {
    const name = a.name.toLowerCase();
    if (name.startsWith('on')) found.push(el.tagName + ' ' + name);
    // An address, as the browser resolves it: which scheme would it run?
    if (['href', 'src', 'action', 'formaction', 'xlink:href', 'data', 'poster', 'srcset'].includes(name)) {
      for (const part of name === 'srcset' ? a.value.split(',') : [a.value]) {
        let scheme = '';
        try { scheme = new URL(part.trim().split(/\\s+/)[0], document.baseURI).protocol; } catch (e) {}
        if (['javascript:', 'vbscript:', 'data:'].includes(scheme)) found.push(el.tagName + ' ' + name + '=' + a.value);
      }
    }
  }
  const tag = el.tagName.toLowerCase();
  // Structured data is a script element the browser never runs: it must
  // hold JSON alone (a payload that broke out would make an element of its own).
  let data = false;
  if (tag === 'script' && el.type === 'application/ld+json') {
    try { JSON.parse(el.textContent); data = !el.src; } catch (e) {}
  }
  if (tag === 'script' && !data && !(el.src && el.src.startsWith(ours))) found.push('script ' + el.src);
  if (['iframe', 'frame', 'object', 'embed', 'applet', 'base'].includes(tag)) found.push(tag);
  if (tag === 'meta' && (el.getAttribute('http-equiv') || '').toLowerCase() === 'refresh') found.push('meta refresh');
}
return { ran: window.__xss === undefined ? null : window.__xss, found };";

/// A Chrome DevTools command through chromedriver's `goog/cdp/execute`.
#[derive(Debug)]
struct Cdp(&'static str, Value);

impl WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base: &reqwest::Url,
        session: Option<&str>,
    ) -> Result<reqwest::Url, url::ParseError> {
        base.join(&format!("session/{}/goog/cdp/execute", session.unwrap()))
    }

    fn method_and_body(&self, _: &reqwest::Url) -> (axum::http::Method, Option<String>) {
        let body = json!({ "cmd": self.0, "params": self.1 }).to_string();
        (axum::http::Method::POST, Some(body))
    }
}

fn payloads() -> Option<Vec<String>> {
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/attacks/xss_alert.txt");
    let list = std::fs::read_to_string(file).ok()?;
    // One payload per line, used exactly as written (CRLF line ends).
    Some(
        list.split("\r\n")
            .filter(|l| !l.trim().is_empty())
            .map(str::to_owned)
            .collect(),
    )
}

/// Pick `i` with payload `p` in every field of the post, its work and its
/// cover; a digit suffix where a name becomes an address (a payload of
/// signs alone makes none).
fn pick(i: usize, p: &str) -> Value {
    let named = format!("{p} {i}");
    json!({
        "title": p, "slug": format!("pick-{i}"), "kind": "pick", "section": "best-pick",
        "date": "2020-01-01", "status": "published",
        "summary": p, "question": p, "authors": [format!("u{i}")], "tags": [named.clone()],
        "body": format!("{p}\n\n{p}\n"),
        "cover": { "src": "cover.png", "alt": p, "caption": p, "credit": p },
        "work": {
            "kind": "movie", "name": named, "original_name": p, "year": 2000,
            "directors": [named.clone()], "writers": [named.clone()],
            "cast": [{ "name": named.clone(), "role": p }], "genres": [p],
            "countries": [p], "languages": [p], "awards": p,
            "poster": format!("https://example.org/{p}"),
        },
        "critics": [{ "outlet": p, "quote": p, "critic": p, "link": p }],
        "lines": [{ "speaker": p, "text": p, "context": p }],
    })
}

/// Saves a pick; a field whose payload is refused (a link that is no web
/// address, a name too long) is set to plain text and counted, so that
/// the rest of the post still carries its payload.
/// Returns how many saves were retried (one retry may drop several fields).
async fn save_pick(app: &TestApp, admin: &bestpick_store::User, i: usize, p: &str) -> usize {
    let mut value = pick(i, p);
    for refused in 0..5 {
        let data: PostData = serde_json::from_value(value.clone()).unwrap();
        let cover = CoverSource::Load(Box::new(move |_| {
            Ok(bestpick_app::media::generated_picture(24, 16, i as u32))
        }));
        match posts::save(&app.site, &data, cover, admin, SaveMode::Create).await {
            Ok(_) => return refused,
            Err(posts::SaveError::Invalid(errors)) => {
                for e in &errors.0 {
                    let pointer = format!(
                        "/{}",
                        e.field
                            .replace(['[', ']'], ".")
                            .replace("..", ".")
                            .trim_end_matches('.')
                            .replace('.', "/")
                    );
                    let slot = value.pointer_mut(&pointer).unwrap_or_else(|| {
                        panic!("payload {i}: no field {} ({})", e.field, e.message)
                    });
                    // An address refused is left out; any other text is plain.
                    *slot = if e.field.ends_with("link") || e.field.ends_with("poster") {
                        Value::Null
                    } else {
                        json!(format!("plain {i}"))
                    };
                }
            }
            Err(e) => panic!("payload {i} {p:?}: {e:?}"),
        }
    }
    panic!("payload {i} {p:?}: still refused after five tries")
}

#[tokio::test]
async fn no_payload_runs_in_any_field_on_any_page() {
    let Some(payloads) = payloads() else {
        helpers::skip("../shared/data/attacks is not there");
        return;
    };
    let Some(driver) = start_chromedriver() else {
        helpers::skip("chromedriver is not installed (apt-get install chromium chromium-driver, as .ci/run does)");
        return;
    };
    assert!(payloads.len() > 600, "{} payloads", payloads.len());
    // The site logs what a CSP report says.
    let _ = tracing_subscriber::fmt().with_test_writer().try_init();
    let app = TestApp::spawn().await;
    app.relax_comment_limits().await;
    app.set_settings(&[
        ("comments.max_links", "50"),
        ("comments.max_length", "100000"),
    ])
    .await;
    let store = &app.site.store;
    let admin = store.first_admin().await.unwrap().unwrap();
    let hash = bestpick_app::secrets::hash_password(PASSWORD).unwrap();
    let best_pick = store
        .section_by_slug("best-pick")
        .await
        .unwrap()
        .unwrap()
        .id;

    // Every payload in every field of its own post, author and comment.
    let mut refused = 0;
    for (i, p) in payloads.iter().enumerate() {
        store
            .create_user(&format!("u{i}"), p, Role::Author, &hash)
            .await
            .unwrap();
        refused += save_pick(&app, &admin, i, p).await;
        if i % 100 == 0 {
            eprintln!("{i} posts saved");
        }
    }
    for (i, p) in payloads.iter().enumerate() {
        let path = format!("/best-pick/pick-{i}");
        // Refused fields are shown back in the form (the page is loaded
        // below); the comment is then stored with what is accepted: no
        // website (not a web address), a shorter name, a plain body.
        let name80: String = p.chars().take(80).collect();
        let body = format!("{p}\n\nnumber {i}");
        let plain = format!("plain {i}");
        let tries: [[&str; 3]; 4] = [
            [p, p, &body],
            [p, "", &body],
            [&name80, "", &body],
            [&name80, "", &plain],
        ];
        let mut stored = false;
        for (n, [name, website, body]) in tries.iter().enumerate() {
            let r = app
                .comment(
                    &path,
                    &[
                        ("name", name),
                        ("email", "reader@example.com"),
                        ("website", website),
                        ("body", body),
                    ],
                )
                .await;
            match r.status().as_u16() {
                303 => {
                    refused += n;
                    stored = true;
                    break;
                }
                422 => {}
                s => panic!("comment {i}: {s}"),
            }
        }
        assert!(stored, "comment {i} {p:?} is stored in some form");
        if i % 100 == 0 {
            eprintln!("{i} payloads stored");
        }
    }
    // Shown, whatever the filter made of them.
    let mut comment_ids = Vec::new();
    for status in [CommentStatus::Pending, CommentStatus::Spam] {
        let filter = bestpick_store::QueueFilter {
            status,
            author_id: None,
            limit: 100_000,
            offset: 0,
            first_scored: None,
        };
        let (queued, _) = store.comment_queue(&filter).await.unwrap();
        comment_ids.extend(queued.iter().map(|q| q.comment.id));
    }
    store
        .set_comment_status(&comment_ids, CommentStatus::Published, true)
        .await
        .unwrap();

    let c = connect(&driver).await;
    c.issue_cmd(Cdp(
        "Page.addScriptToEvaluateOnNewDocument",
        json!({ "source": HOOK }),
    ))
    .await
    .unwrap();
    // The hook works: a page's own alert is recorded, not shown.
    c.goto(&app.url("/")).await.unwrap();
    c.execute("alert('hook')", vec![]).await.unwrap();
    let check = c.execute(INSPECT, vec![]).await.unwrap();
    assert_eq!(check["ran"], json!(["alert(hook)"]), "{check}");
    // And violations are reported: a plain-http image is one.
    c.execute(
        "const i = new Image(); i.src = 'http://example.invalid/x.png'; document.body.append(i);",
        vec![],
    )
    .await
    .unwrap();
    let reports = &app.state.csp_reports;
    for _ in 0..100 {
        if reports.count() > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(reports.count(), 1, "the browser reports a CSP violation");

    // As the admin, who sees every page, public and editor alike.
    c.goto(&app.url("/admin/login")).await.unwrap();
    fill(&c, "#username", "chief").await;
    fill(&c, "#password", PASSWORD).await;
    click(&c, "form.form button[type=submit]").await;
    c.wait()
        .for_element(fantoccini::Locator::Css(".admin-bar"))
        .await
        .unwrap();

    let mut loads = 0;
    let mut kinds = std::collections::BTreeSet::new();
    let mut load = |c: Client, kind: &'static str, path: String| {
        kinds.insert(kind);
        loads += 1;
        let url = app.url(&path);
        async move {
            c.goto(&url).await.unwrap();
            let seen = c.execute(INSPECT, vec![]).await.unwrap();
            assert_eq!(seen["ran"], json!([]), "{path} ran script: {seen}");
            assert_eq!(seen["found"], json!([]), "{path} could run script: {seen}");
            // A report is sent soon after the violation: by the next page.
            assert_eq!(
                reports.count(),
                1,
                "a CSP violation by {path} or the page before"
            );
        }
    };
    for (i, p) in payloads.iter().enumerate() {
        // The site-wide texts carry this payload while its pages load.
        app.set_settings(&[("site_name", p.as_str()), ("site_tagline", p.as_str())])
            .await;
        store.update_section(best_pick, p, p).await.unwrap();
        let id = store
            .post_id_by_slug(&format!("pick-{i}"))
            .await
            .unwrap()
            .unwrap();
        let post = store.post(id).await.unwrap().unwrap();
        load(c.clone(), "post page", format!("/best-pick/pick-{i}")).await;
        load(c.clone(), "post editor", format!("/admin/posts/{id}")).await;
        load(c.clone(), "section page", "/best-pick".into()).await;
        load(c.clone(), "author page", format!("/author/u{i}")).await;
        if let Some(work) = &post.work {
            load(c.clone(), "work page", format!("/work/{}", work.slug)).await;
            for credit in &work.cast {
                let person = &credit.person.slug;
                load(c.clone(), "person page", format!("/person/{person}")).await;
            }
        }
        // Lists: each of their pages once (the home page shows 12 posts,
        // the moderation queue 20).
        if i % 12 == 0 {
            load(c.clone(), "home page", format!("/?page={}", i / 12 + 1)).await;
        }
        if i % 20 == 0 {
            let page = i / 20 + 1;
            load(
                c.clone(),
                "moderation queue",
                format!("/admin/comments?status=published&page={page}"),
            )
            .await;
        }
    }
    load(c.clone(), "posts list", "/admin/posts".into()).await;
    load(c.clone(), "media library", "/admin/media".into()).await;
    load(c.clone(), "sections admin", "/admin/sections".into()).await;
    load(c.clone(), "users admin", "/admin/users".into()).await;
    // Reports come in on their own time: give them a moment.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let reports = reports.count() - 1;
    c.close().await.unwrap();
    eprintln!(
        "XSS in Chromium: {} payloads × {} fields ({refused} retries after refused input) on {} kinds of page, {loads} page loads: 0 ran, {reports} CSP reports",
        payloads.len(),
        FIELDS.len(),
        kinds.len(),
    );
    assert_eq!(reports, 0, "CSP violation reports");
    // Refusals are fields with a format (a critic's link, a website, a
    // poster must be web addresses) or a length: most payloads are stored.
    assert!(
        refused * 5 < payloads.len() * FIELDS.len(),
        "{refused} retries after refused input"
    );
}
