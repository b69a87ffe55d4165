//! Mail through a real SMTP server on loopback (Python's aiosmtpd, which
//! `.ci/run` installs): reply notifications with their one-click
//! unsubscribe, the newsletter's double opt-in, and a server that is down
//! delaying mail without losing any.

use crate::helpers::{skip, TestApp, HEAT};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// aiosmtpd on a port of this machine, writing each message it receives
/// to a file of its folder.
struct SmtpSink {
    child: std::process::Child,
    dir: tempfile::TempDir,
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const SINK: &str = "import sys, time, itertools\n\
from aiosmtpd.controller import Controller\n\
count = itertools.count()\n\
class Keep:\n\
\x20   async def handle_DATA(self, server, session, envelope):\n\
\x20       n = next(count)\n\
\x20       with open(f'{sys.argv[1]}/{n:04}.eml.part', 'wb') as f:\n\
\x20           f.write(envelope.content)\n\
\x20       import os; os.rename(f'{sys.argv[1]}/{n:04}.eml.part', f'{sys.argv[1]}/{n:04}.eml')\n\
\x20       return '250 OK'\n\
c = Controller(Keep(), hostname='127.0.0.1', port=int(sys.argv[2]))\n\
c.start()\n\
print('ready', flush=True)\n\
while True: time.sleep(3600)\n";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl SmtpSink {
    /// The sink on `port`, or none (said, and failed under CI) without aiosmtpd.
    fn start(port: u16) -> Option<SmtpSink> {
        let has = std::process::Command::new("python3")
            .args(["-c", "import aiosmtpd"])
            .output();
        if !has.is_ok_and(|o| o.status.success()) {
            skip("Python's aiosmtpd is not installed (pip install aiosmtpd)");
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let mut child = std::process::Command::new("python3")
            .arg("-c")
            .arg(SINK)
            .arg(dir.path())
            .arg(port.to_string())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        use std::io::BufRead;
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(line.trim(), "ready");
        Some(SmtpSink { child, dir })
    }

    fn messages(&self) -> Vec<String> {
        messages_in(self.dir.path())
    }

    /// Waits up to 20 s for at least `n` messages.
    async fn wait_for(&self, n: usize) -> Vec<String> {
        for _ in 0..200 {
            let m = self.messages();
            if m.len() >= n {
                return m;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{n} messages expected, {} arrived", self.messages().len());
    }
}

fn messages_in(dir: &Path) -> Vec<String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|f| quoted_printable(&String::from_utf8_lossy(&std::fs::read(f).unwrap())))
        .collect()
}

/// The message with quoted-printable undone (soft breaks, `=3D`...), and
/// lines ending in `\n`: what a mail app shows.
fn quoted_printable(raw: &str) -> String {
    let raw = raw.replace("\r\n", "\n");
    let (head, body) = raw.split_at(raw.find("\n\n").unwrap_or(raw.len()));
    let body = body.replace("=\n", "");
    let bytes = body.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).and_then(|b| hex(*b)),
            bytes.get(i + 2).and_then(|b| hex(*b)),
        ) {
            (b'=', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    format!("{head}{}", String::from_utf8_lossy(&out))
}

/// A header's value (unfolded).
fn header(mail: &str, name: &str) -> Option<String> {
    let head = &mail[..mail.find("\n\n").unwrap_or(mail.len())];
    let unfolded = head.replace("\n ", " ").replace("\n\t", " ");
    unfolded
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{name}: ")).map(str::to_owned))
}

async fn app_mailing_to(port: u16) -> TestApp {
    let settings = bestpick_app::mail::MailSettings::parse(
        &format!("smtp+plain://127.0.0.1:{port}"),
        None,
        None,
        "Films <news@films.example>",
    )
    .unwrap();
    let app = TestApp::spawn_with(bestpick_web::Options {
        mail: Some(settings),
        ..Default::default()
    })
    .await;
    app.import(HEAT).await;
    app.relax_comment_limits().await;
    // Mail is written outside any request: it takes the site's address.
    app.set_settings(&[("site_url", app.base.as_str())]).await;
    app
}

const POST: &str = "/best-pick/heat";

/// Sends a comment as `name`; its id (none when it is held).
async fn comment(app: &TestApp, name: &str, body: &str, extra: &[(&str, &str)]) -> Option<i64> {
    let email = format!("{}@example.com", name.to_lowercase());
    let mut fields = vec![("name", name), ("email", email.as_str()), ("body", body)];
    fields.extend_from_slice(extra);
    let r = app.comment(POST, &fields).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let at = r.headers()["location"].to_str().unwrap().to_owned();
    at.rsplit_once("#comment-")
        .map(|(_, id)| id.parse().unwrap())
}

#[tokio::test]
async fn a_published_reply_is_mailed_once_with_a_one_click_unsubscribe() {
    let port = free_port();
    let Some(sink) = SmtpSink::start(port) else {
        return;
    };
    let app = app_mailing_to(port).await;
    // The form offers the box, and the privacy notice says what it does.
    let (_, page) = app.get_text(POST).await;
    assert!(
        page.contains("name=\"notify\"")
            && page.contains("one mail is sent to your address for each published reply")
    );

    let ann = comment(
        &app,
        "Ann",
        "The bank robbery still holds up, thirty years on.",
        &[("notify", "on")],
    )
    .await
    .unwrap();
    let parent = ann.to_string();
    // A reply held for moderation is not mailed about.
    app.set_settings(&[("comments.hold_at", "0.0")]).await;
    comment(
        &app,
        "Cy",
        "A reply that waits for a moderator.",
        &[("parent_id", &parent)],
    )
    .await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert!(sink.messages().is_empty(), "nothing for a held reply");
    app.relax_comment_limits().await;
    let reply = comment(
        &app,
        "Ben",
        "And the sound of that shootout stays with me.",
        &[("parent_id", &parent)],
    )
    .await
    .unwrap();

    let mails = sink.wait_for(1).await;
    let mail = &mails[0];
    assert_eq!(
        header(mail, "To").as_deref(),
        Some("ann@example.com"),
        "{mail}"
    );
    assert!(header(mail, "From").unwrap().contains("news@films.example"));
    assert!(
        header(mail, "Subject")
            .unwrap()
            .contains("A reply to your comment on"),
        "{mail}"
    );
    assert!(
        header(mail, "Content-Type")
            .unwrap()
            .starts_with("multipart/alternative"),
        "{mail}"
    );
    assert!(
        mail.contains("Content-Type: text/plain") && mail.contains("Content-Type: text/html"),
        "{mail}"
    );
    // Who replied and where, not what: the words stay on the site.
    assert!(mail.contains("Ben replied to your comment"), "{mail}");
    assert!(!mail.contains("shootout"), "{mail}");
    assert!(
        mail.contains(&app.url(&format!("{POST}#comment-{reply}"))),
        "{mail}"
    );
    assert_eq!(
        header(mail, "List-Unsubscribe-Post").as_deref(),
        Some("List-Unsubscribe=One-Click")
    );
    let link = header(mail, "List-Unsubscribe").unwrap();
    let link = link
        .trim_start_matches('<')
        .trim_end_matches('>')
        .to_owned();
    assert!(link.starts_with(&app.url("/mail/unsubscribe?")), "{link}");
    assert!(
        mail.contains(&link.replace('&', "&amp;")) || mail.contains(&link),
        "the link is in the body too"
    );

    // Following the link only asks; the mail app's one-click POST does it.
    let r = app.client.get(&link).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(app.site.store.comment(ann).await.unwrap().unwrap().notify);
    let r = app
        .client
        .post(&link)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(!app.site.store.comment(ann).await.unwrap().unwrap().notify);
    // A forged link is refused and changes nothing.
    let token = link.split("t=").nth(1).unwrap();
    let forged = app.url(&format!("/mail/unsubscribe?comment=999&t={token}"));
    assert_eq!(app.client.post(&forged).send().await.unwrap().status(), 400);

    comment(
        &app,
        "Dee",
        "One more reply, after Ann left.",
        &[("parent_id", &parent)],
    )
    .await
    .expect("published: had it been held, nothing would be tested");
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(
        sink.messages().len(),
        1,
        "one mail per reply, none after unsubscribing"
    );
}

/// A site mailing to `port`, where nothing listens, with a reply notice
/// that has been tried once and waits (with its error kept) for another.
async fn a_reply_notice_tried_while_the_server_is_down(port: u16) -> TestApp {
    let app = app_mailing_to(port).await;
    let ann = comment(&app, "Ann", "Waiting for a reply.", &[("notify", "on")])
        .await
        .unwrap();
    comment(
        &app,
        "Ben",
        "Here it is.",
        &[("parent_id", &ann.to_string())],
    )
    .await;
    for _ in 0..100 {
        if app.site.store.mail_tried().await.unwrap() {
            return app;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the notice was never tried");
}

#[tokio::test]
async fn a_mail_server_that_is_down_delays_mail_and_loses_none() {
    let port = free_port();
    let app = a_reply_notice_tried_while_the_server_is_down(port).await;
    // Nothing listens: the try failed and the mail waits, with why.
    let counts = app.site.store.mail_counts().await.unwrap();
    assert_eq!(
        (counts.waiting, counts.sent, counts.given_up),
        (1, 0, 0),
        "{counts:?}"
    );
    // The server comes back; the retry's time comes; the mail arrives.
    let Some(sink) = SmtpSink::start(port) else {
        return;
    };
    app.advance_clock(bestpick_store::retry_after(1) + 1);
    let mails = sink.wait_for(1).await;
    assert!(
        mails[0].contains("Ben replied to your comment"),
        "{}",
        mails[0]
    );
    // The server has it; the worker records it once the server's answer is in.
    let mut sent = 0;
    for _ in 0..100 {
        sent = app.site.store.mail_counts().await.unwrap().sent;
        if sent == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(sent, 1);
}

#[tokio::test]
async fn mail_that_cannot_be_sent_for_a_day_is_given_up_with_the_reason() {
    let port = free_port();
    let app = a_reply_notice_tried_while_the_server_is_down(port).await;
    app.advance_clock(bestpick_store::GIVE_UP_AFTER + 3600);
    let mut counts = app.site.store.mail_counts().await.unwrap();
    for _ in 0..100 {
        counts = app.site.store.mail_counts().await.unwrap();
        if counts.given_up == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(counts.given_up, 1, "{counts:?}");
    let (to, why) = counts.last_failure.unwrap();
    assert_eq!(to, "ann@example.com");
    assert!(!why.is_empty(), "the reason is kept");
}

#[tokio::test]
async fn the_newsletter_takes_a_confirmed_address_and_lets_it_go_in_one_click() {
    let port = free_port();
    let Some(sink) = SmtpSink::start(port) else {
        return;
    };
    let app = app_mailing_to(port).await;
    let (_, home) = app.get_text("/").await;
    assert!(home.contains("action=\"/newsletter\""), "the footer's form");
    let subscribe = |email: &'static str| {
        app.client
            .post(app.url("/newsletter"))
            .header("origin", app.url(""))
            .form(&[("email", email)])
            .send()
    };
    let r = subscribe("Reader@Example.com").await.unwrap();
    let status = r.status();
    let text = r.text().await.unwrap();
    assert_eq!(status, 200, "{text}");
    assert!(text.contains("a mail there has a link to confirm"));
    // Asking again at once sends no second mail: the form floods no one.
    assert_eq!(subscribe("reader@example.com").await.unwrap().status(), 200);
    let bad = subscribe("not an address").await.unwrap();
    assert_eq!(bad.status(), 400);
    let mails = sink.wait_for(1).await;
    assert_eq!(
        header(&mails[0], "To").as_deref(),
        Some("reader@example.com")
    );
    let confirm = mails[0]
        .split_whitespace()
        .find(|w| w.starts_with(&app.url("/newsletter/confirm?")))
        .unwrap()
        .to_owned();
    // The link asks (a mail scanner following it subscribes no one); the
    // button confirms.
    let r = app.client.get(&confirm).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        app.site.store.subscribers().await.unwrap()[0].status,
        "pending"
    );
    let r = app.client.post(&confirm).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let subs = app.site.store.subscribers().await.unwrap();
    assert_eq!(subs[0].status, "confirmed");
    // A pick published now goes out to the subscriber, once.
    app.advance_clock(10);
    app.import(
        "+++\ntitle = \"Collateral: one night in LA\"\nslug = \"collateral\"\nkind = \"pick\"\nsection = \"best-pick\"\n\
         [work]\nkind = \"movie\"\nname = \"Collateral\"\nyear = 2004\n+++\nA cab ride.\n",
    )
    .await;
    let mails = sink.wait_for(2).await;
    let letter = &mails[1];
    assert!(
        header(letter, "Subject")
            .unwrap()
            .contains("Collateral: one night in LA"),
        "{letter}"
    );
    assert!(
        letter.contains(&app.url("/best-pick/collateral")),
        "{letter}"
    );
    let link = header(letter, "List-Unsubscribe").unwrap();
    let link = link
        .trim_start_matches('<')
        .trim_end_matches('>')
        .to_owned();
    let r = app
        .client
        .post(&link)
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        app.site.store.subscribers().await.unwrap()[0].status,
        "unsubscribed"
    );
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(sink.messages().len(), 2, "nothing more");
}

/// Subscribes `email` through the form and confirms it with the mailed link.
async fn confirmed_subscriber(app: &TestApp, sink: &SmtpSink, email: &'static str) {
    let before = sink.messages().len();
    let r = app
        .client
        .post(app.url("/newsletter"))
        .header("origin", app.url(""))
        .form(&[("email", email)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let mails = sink.wait_for(before + 1).await;
    let confirm = mails[before]
        .split_whitespace()
        .find(|w| w.starts_with(&app.url("/newsletter/confirm?")))
        .unwrap()
        .to_owned();
    assert_eq!(
        app.client.post(&confirm).send().await.unwrap().status(),
        200
    );
}

#[tokio::test]
async fn a_weekly_newsletter_gathers_the_week_s_picks_in_one_mail() {
    let port = free_port();
    let Some(sink) = SmtpSink::start(port) else {
        return;
    };
    let app = app_mailing_to(port).await;
    app.set_settings(&[("newsletter", "weekly")]).await;
    confirmed_subscriber(&app, &sink, "weekly@example.com").await;
    app.advance_clock(10);
    for (slug, name) in [("thief", "Thief"), ("manhunter", "Manhunter")] {
        app.import(&format!(
            "+++\ntitle = \"{name}, again\"\nslug = \"{slug}\"\nkind = \"pick\"\nsection = \"best-pick\"\n\
             [work]\nkind = \"movie\"\nname = \"{name}\"\nyear = 1981\n+++\nWords.\n"
        ))
        .await;
    }
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(
        sink.messages().len(),
        1,
        "only the confirmation before the week is out"
    );
    app.advance_clock(7 * 24 * 3600);
    let mails = sink.wait_for(2).await;
    let digest = &mails[1];
    assert!(
        digest.contains("Thief, again") && digest.contains("Manhunter, again"),
        "{digest}"
    );
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(sink.messages().len(), 2, "one digest");

    // The admin sees the list and how mail went, and exports it.
    app.login_admin().await;
    let (status, html) = app.get_text("/admin/subscribers").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("weekly@example.com") && html.contains("2 sent"),
        "{html}"
    );
    let r = app.get("/admin/subscribers.csv").await;
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = r.text().await.unwrap();
    assert!(
        csv.starts_with("email,status,subscribed_at,confirmed_at,unsubscribed_at\n"),
        "{csv}"
    );
    assert!(csv.contains("weekly@example.com,confirmed,20"), "{csv}");
}
