//! The site as ActivityPub actors: WebFinger, NodeInfo, actor documents
//! with keys, collections, posts as objects; nothing when turned off.

use crate::helpers::{TestApp, HEAT};

async fn federated() -> TestApp {
    let app = TestApp::spawn_with_team().await;
    app.set_settings(&[("federation", "on")]).await;
    app
}

async fn json(app: &TestApp, path: &str) -> (u16, String, serde_json::Value) {
    let r = app.get(path).await;
    let status = r.status().as_u16();
    let kind = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let text = r.text().await.unwrap();
    (
        status,
        kind,
        serde_json::from_str(&text).unwrap_or_default(),
    )
}

#[tokio::test]
async fn nothing_federates_when_it_is_turned_off() {
    let app = TestApp::spawn().await;
    app.import(HEAT).await;
    app.set_settings(&[("federation", "off")]).await;
    let host = app.base.trim_start_matches("http://").to_owned();
    for path in [
        format!("/.well-known/webfinger?resource=acct:site@{host}"),
        "/.well-known/nodeinfo".to_owned(),
        "/nodeinfo/2.1".to_owned(),
        "/ap/site".to_owned(),
        "/ap/users/chief".to_owned(),
        "/ap/site/outbox".to_owned(),
        "/ap/site/followers".to_owned(),
        "/ap/posts/1".to_owned(),
    ] {
        assert_eq!(app.get(&path).await.status(), 404, "{path}");
    }
    let inbox = app.client.post(app.url("/ap/inbox")).body("{}").send().await.unwrap();
    assert_eq!(inbox.status(), 404);
    let home = app.get_text("/").await.1;
    assert!(!home.contains("application/activity+json") && !home.contains("@site@"), "no follow link");
}

#[tokio::test]
async fn webfinger_finds_the_site_and_its_published_authors() {
    let app = federated().await;
    let host = app.base.trim_start_matches("http://").to_owned();
    let (status, kind, jrd) = json(
        &app,
        &format!("/.well-known/webfinger?resource=acct:site@{host}"),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(kind, "application/jrd+json");
    assert_eq!(jrd["subject"], format!("acct:site@{host}"));
    let this = jrd["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == "self")
        .unwrap();
    assert_eq!(this["type"], "application/activity+json");
    assert_eq!(this["href"], app.url("/ap/site"));
    // By the actor's address too.
    let (status, _, by_url) = json(
        &app,
        &format!(
            "/.well-known/webfinger?resource={}",
            app.url("/ap/users/chief")
        ),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(by_url["subject"], format!("acct:chief@{host}"));
    // Bob has published nothing; another host is not ours; a bad resource says so.
    for (resource, want) in [
        (format!("acct:bob@{host}"), 404),
        ("acct:site@elsewhere.example".to_owned(), 404),
        ("acct:nobody".to_owned(), 400),
    ] {
        let r = app
            .get(&format!("/.well-known/webfinger?resource={resource}"))
            .await;
        assert_eq!(r.status(), want, "{resource}");
    }
}

#[tokio::test]
async fn nodeinfo_says_what_the_site_runs() {
    let app = federated().await;
    let (status, _, links) = json(&app, "/.well-known/nodeinfo").await;
    assert_eq!(status, 200);
    assert_eq!(links["links"][0]["href"], app.url("/nodeinfo/2.1"));
    let (status, kind, info) = json(&app, "/nodeinfo/2.1").await;
    assert_eq!(status, 200);
    assert!(kind.starts_with("application/json"), "{kind}");
    assert_eq!(info["version"], "2.1");
    assert_eq!(info["software"]["name"], "bestpick");
    assert_eq!(info["protocols"], serde_json::json!(["activitypub"]));
    assert_eq!(info["usage"]["localPosts"], 1);
}

#[tokio::test]
async fn actors_carry_a_key_of_their_own_that_is_kept() {
    let app = federated().await;
    let (status, kind, site) = json(&app, "/ap/site").await;
    assert_eq!(status, 200);
    assert_eq!(kind, "application/activity+json");
    assert_eq!(site["type"], "Service");
    assert_eq!(site["id"], app.url("/ap/site"));
    assert_eq!(site["preferredUsername"], "site");
    assert!(site["@context"]
        .to_string()
        .contains("https://w3id.org/security/v1"));
    assert_eq!(site["publicKey"]["owner"], app.url("/ap/site"));
    assert_eq!(
        site["publicKey"]["id"],
        format!("{}#main-key", app.url("/ap/site"))
    );
    let pem = site["publicKey"]["publicKeyPem"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----"), "{pem}");
    assert_eq!(site["endpoints"]["sharedInbox"], app.url("/ap/inbox"));

    let (status, _, chief) = json(&app, "/ap/users/chief").await;
    assert_eq!(status, 200);
    assert_eq!(chief["type"], "Person");
    assert_eq!(chief["name"], "Editor in Chief");
    assert_eq!(chief["url"], app.url("/author/chief"));
    let chief_pem = chief["publicKey"]["publicKeyPem"].as_str().unwrap();
    assert_ne!(chief_pem, pem, "each actor has a key of its own");
    // Made once and kept.
    assert_eq!(
        json(&app, "/ap/site").await.2["publicKey"]["publicKeyPem"],
        pem.as_str()
    );
    assert_eq!(
        app.get("/ap/users/bob").await.status(),
        404,
        "nothing published"
    );
}
