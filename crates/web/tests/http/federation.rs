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
    let inbox = app
        .client
        .post(app.url("/ap/inbox"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(inbox.status(), 404);
    let home = app.get_text("/").await.1;
    assert!(
        !home.contains("application/activity+json") && !home.contains("@site@"),
        "no follow link"
    );
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
    // A picture and a header of its own, drawn.
    for (field, size) in [("icon", (400, 400)), ("image", (1500, 500))] {
        let url = site[field]["url"].as_str().unwrap().replace(&app.base, "");
        let r = app.get(&url).await;
        assert_eq!(r.status(), 200, "{url}");
        let png = image::load_from_memory(&r.bytes().await.unwrap()).unwrap();
        assert_eq!((png.width(), png.height()), size, "{field}");
    }

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

/// `GET /api/v1/federation` with `token`.
pub async fn api_status(app: &TestApp, token: &str) -> serde_json::Value {
    app.client
        .get(app.url("/api/v1/federation"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// A follower as the inbox would have kept it.
async fn follower(app: &TestApp, host: &str, name: &str) -> String {
    let id = format!("https://{host}/users/{name}");
    app.site
        .store
        .keep_remote_actor(&bestpick_store::RemoteActor {
            id: id.clone(),
            inbox: format!("{id}/inbox"),
            shared_inbox: Some(format!("https://{host}/inbox")),
            key_id: format!("{id}#main-key"),
            public_pem: String::new(),
            name: format!("{name} of {host}"),
            handle: format!("@{name}@{host}"),
            url: Some(format!("https://{host}/@{name}")),
            icon: None,
            fetched_at: app.site.now(),
        })
        .await
        .unwrap();
    app.site
        .store
        .add_follower(
            "site",
            &id,
            &format!("{id}#follow"),
            &format!("{id}/inbox"),
            "{}",
        )
        .await
        .unwrap();
    id
}

#[tokio::test]
async fn the_admin_sees_followers_and_blocks_accounts_and_servers() {
    let app = federated().await;
    let ann = follower(&app, "films.example", "ann").await;
    follower(&app, "spam.example", "bot1").await;
    follower(&app, "spam.example", "bot2").await;
    app.login_admin().await;
    let page = app.text_with(&app.client, "/admin/federation").await;
    for seen in [
        "@ann@films.example",
        "@bot1@spam.example",
        "3 follow the site",
    ] {
        assert!(page.contains(seen), "{seen}");
    }
    // Blocking a server ends its follows; blocking an account, its own.
    let r = app
        .post_form(
            "/admin/federation",
            "/admin/federation/blocks",
            &[("kind", "domain"), ("value", "https://SPAM.example/x")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let r = app
        .post_form(
            "/admin/federation",
            "/admin/federation/followers/remove",
            &[("local_actor", "site"), ("actor", &ann), ("block", "1")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert!(app.site.store.followers().await.unwrap().is_empty());
    assert!(app.site.store.federation_blocked(&ann).await.unwrap());
    assert!(app
        .site
        .store
        .federation_blocked("https://spam.example/users/bot3")
        .await
        .unwrap());
    let page = app.text_with(&app.client, "/admin/federation").await;
    assert!(
        page.contains("server spam.example") && page.contains(&format!("account {ann}")),
        "{page}"
    );
    // Nonsense is refused with why, and nothing is blocked.
    let r = app
        .post_form(
            "/admin/federation",
            "/admin/federation/blocks",
            &[("kind", "actor"), ("value", "not an address")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let said = r.text().await.unwrap();
    assert!(said.contains("is not an account"), "{said}");
    assert_eq!(app.site.store.federation_blocks().await.unwrap().len(), 2);

    // The API says the same, to admins.
    follower(&app, "films.example", "bea").await;
    let token = bestpick_app::accounts::create_token(&app.site, "t", "chief", None)
        .await
        .unwrap();
    let status = api_status(&app, &token).await;
    assert_eq!(status["enabled"], true);
    assert_eq!(status["site_followers"], 1);
    assert_eq!(
        status["followers"][0]["actor"]["handle"],
        "@bea@films.example"
    );
    // Bea's Accept waits (this site has no address to send from); the
    // blocked ones' were dropped.
    assert_eq!(status["deliveries"]["waiting"], 1);
    assert_eq!(status["blocks"].as_array().unwrap().len(), 2);
    // The key can be replaced; the actor shows the new one.
    let before = json(&app, "/ap/site").await.2["publicKey"]["publicKeyPem"].clone();
    let r = app
        .post_form("/admin/federation", "/admin/federation/keys", &[])
        .await;
    assert_eq!(r.status(), 303);
    assert_ne!(
        json(&app, "/ap/site").await.2["publicKey"]["publicKeyPem"],
        before
    );
    // An author's too; a user who does not exist is named.
    let chief = json(&app, "/ap/users/chief").await.2["publicKey"]["publicKeyPem"].clone();
    let r = app
        .post_form(
            "/admin/federation",
            "/admin/federation/keys",
            &[("account", "@chief")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_ne!(
        json(&app, "/ap/users/chief").await.2["publicKey"]["publicKeyPem"],
        chief
    );
    let r = app
        .post_form(
            "/admin/federation",
            "/admin/federation/keys",
            &[("account", "nobody")],
        )
        .await;
    assert_eq!(r.status(), 422);
}

#[tokio::test]
async fn posts_are_objects_and_pages_point_to_them() {
    let app = federated().await;
    // Pages name the site's handle once the site has its own address.
    let host = app.base.trim_start_matches("http://").to_owned();
    assert!(!app.get_text("/").await.1.contains("@site@"));
    app.set_settings(&[("site_url", &app.base)]).await;
    let heat = app
        .site
        .store
        .post_id_by_slug("heat")
        .await
        .unwrap()
        .unwrap();
    let card = app.site.store.post_card(heat).await.unwrap().unwrap();
    // A post's object is named by its number and its first save.
    let heat = format!("{heat}-{}", card.created_at);
    assert_eq!(
        app.get(&format!("/ap/posts/{}", card.id)).await.status(),
        404
    );
    let (status, kind, object) = json(&app, &format!("/ap/posts/{heat}")).await;
    assert_eq!((status, kind.as_str()), (200, "application/activity+json"));
    // Heat is short: a Note, its title leading and its link ending the text.
    assert_eq!(object["type"], "Note");
    assert_eq!(object["url"], app.url("/best-pick/heat"));
    let content = object["content"].as_str().unwrap();
    assert!(
        content.starts_with("<p><strong>Heat: two professionals, one city</strong></p>"),
        "{content}"
    );
    assert!(
        content.ends_with(&format!(
            "<a href=\"{0}\">{0}</a></p>",
            app.url("/best-pick/heat")
        )),
        "{content}"
    );
    assert_eq!(object["attributedTo"], app.url("/ap/users/chief"));
    assert_eq!(
        object["to"][0],
        "https://www.w3.org/ns/activitystreams#Public"
    );
    let (_, _, outbox) = json(&app, "/ap/site/outbox").await;
    assert_eq!(outbox["totalItems"], 1);
    assert_eq!(outbox["orderedItems"][0]["object"]["id"], object["id"]);
    let (_, _, followers) = json(&app, "/ap/users/chief/followers").await;
    assert_eq!(followers["totalItems"], 0);
    // Each page names its actor or object, and the site's handle.
    let page = app.get_text("/best-pick/heat").await.1;
    assert!(page.contains(&format!(
        "<link rel=\"alternate\" type=\"application/activity+json\" href=\"{}\">",
        app.url(&format!("/ap/posts/{heat}"))
    )));
    assert!(page.contains(&format!("@site@{host}")));
    let author = app.get_text("/author/chief").await.1;
    assert!(
        author.contains(&format!("rel=\"me\">@chief@{host}</a>")),
        "{author}"
    );
    assert!(author.contains(&app.url("/ap/users/chief")));
    // A draft is no object.
    app.import(
        &HEAT
            .replace("slug = \"heat\"", "slug = \"heat-2\"")
            .replace(
                "section = \"best-pick\"",
                "section = \"best-pick\"\nstatus = \"draft\"",
            ),
    )
    .await;
    let draft = app
        .site
        .store
        .post_id_by_slug("heat-2")
        .await
        .unwrap()
        .unwrap();
    let draft = app.site.store.post_card(draft).await.unwrap().unwrap();
    assert_eq!(
        app.get(&format!("/ap/posts/{}-{}", draft.id, draft.created_at))
            .await
            .status(),
        404
    );
    assert_eq!(json(&app, "/ap/site/outbox").await.2["totalItems"], 1);
}
