use crate::helpers::{TestApp, HEAT};
use bestpick_app::accounts;
use bestpick_core::user::Role;
use serde_json::{json, Value};

async fn token(app: &TestApp, username: &str) -> String {
    accounts::create_token(&app.site, &format!("test-{username}"), username, None)
        .await
        .unwrap()
}

fn essay(title: &str) -> Value {
    json!({ "title": title, "section": "essays", "kind": "essay", "body": "Some *text*." })
}

#[tokio::test]
async fn reading_is_public() {
    let app = TestApp::spawn().await;
    app.import(HEAT).await;
    let posts: Value = app
        .get("/api/v1/posts?section=best-pick")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(posts["total"], 1);
    assert_eq!(posts["items"][0]["slug"], "heat");
    let post: Value = app.get("/api/v1/posts/heat").await.json().await.unwrap();
    assert_eq!(post["work_details"]["directors"][0]["name"], "Michael Mann");
    assert_eq!(post["scores"][0]["normalised"], 76.0);
    assert_eq!(post["critics"][0]["outlet"], "The Test Gazette");
    let work: Value = app
        .get("/api/v1/works/heat-1995")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(work["posts"][0]["slug"], "heat");
    let person: Value = app
        .get("/api/v1/people/al-pacino")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(person["credits"][0]["role"], "Vincent Hanna");
    let sections: Value = app.get("/api/v1/sections").await.json().await.unwrap();
    assert_eq!(sections["items"].as_array().unwrap().len(), 3);
    let r = app.get("/api/v1/posts/nothing").await;
    assert_eq!(r.status(), 404);
    let err: Value = r.json().await.unwrap();
    assert_eq!(err["error"]["status"], 404);
    let r = app.get("/api/v1/posts?kind=film").await;
    assert_eq!(r.status(), 400);
    let err: Value = r.json().await.unwrap();
    assert_eq!(err["error"]["fields"][0]["field"], "kind");
}

#[tokio::test]
async fn writing_needs_a_token_and_errors_name_their_field() {
    let app = TestApp::spawn().await;
    let url = app.url("/api/v1/posts");
    let r = app
        .client
        .post(&url)
        .json(&essay("No token"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.headers().contains_key("www-authenticate"));
    let r = app
        .client
        .post(&url)
        .bearer_auth("bp_wrong")
        .json(&essay("Bad token"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    let t = token(&app, "chief").await;
    let r = app
        .client
        .post(&url)
        .bearer_auth(&t)
        .json(&essay("On endings"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    assert_eq!(r.headers()["location"], "/api/v1/posts/on-endings");
    assert_eq!(app.get("/essays/on-endings").await.status(), 200);

    // The same slug again: a conflict.
    let r = app
        .client
        .post(&url)
        .bearer_auth(&t)
        .json(&essay("On endings"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    let err: Value = r.json().await.unwrap();
    assert_eq!(err["error"]["fields"][0]["field"], "slug");

    // A score above its scale.
    let pick = json!({
        "title": "Too good", "section": "best-pick", "kind": "pick",
        "work": { "kind": "movie", "name": "Too Good", "year": 2001 },
        "scores": [{ "source": "imdb", "value": 11 }],
    });
    let r = app
        .client
        .post(&url)
        .bearer_auth(&t)
        .json(&pick)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let err: Value = r.json().await.unwrap();
    assert_eq!(err["error"]["fields"][0]["field"], "scores[0].value");
    assert!(err["error"]["fields"][0]["message"]
        .as_str()
        .unwrap()
        .contains("0 to 10"));
    // Named as the editor labels it, counting from 1, in the message too;
    // a source is taken by its name as well as its key.
    assert_eq!(err["error"]["fields"][0]["label"], "Score 1: value");
    assert_eq!(
        err["error"]["message"],
        "the post is not valid: Score 1: value: 11 is outside the IMDb scale of 0 to 10"
    );
    let named = json!({
        "title": "Named", "section": "best-pick", "kind": "pick",
        "work": { "kind": "movie", "name": "Named", "year": 2001 },
        "scores": [{ "source": "Rotten Tomatoes", "value": 94 }],
    });
    let r = app
        .client
        .post(&url)
        .bearer_auth(&t)
        .json(&named)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let (_, page) = app.get_text("/best-pick/named").await;
    assert!(page.contains("94%"), "{page}");

    // Not JSON, and an unknown field.
    let r = app
        .client
        .post(&url)
        .bearer_auth(&t)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = app
        .client
        .post(&url)
        .bearer_auth(&t)
        .json(&json!({"title": "x", "section": "essays", "colour": "red"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("colour"));

    // Update by slug.
    let r = app.client.put(app.url("/api/v1/posts/on-endings")).bearer_auth(&t)
        .json(&json!({"title": "On endings, again", "section": "essays", "kind": "essay", "body": "New."}))
        .send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(app
        .get_text("/essays/on-endings")
        .await
        .1
        .contains("On endings, again"));
    let r = app
        .client
        .put(app.url("/api/v1/posts/nothing"))
        .bearer_auth(&t)
        .json(&essay("x"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn roles_limit_what_a_token_may_do() {
    let app = TestApp::spawn().await;
    accounts::add_user(&app.site, "writer", "", Role::Author, "writer password 1")
        .await
        .unwrap();
    let t = token(&app, "writer").await;
    let r = app
        .client
        .post(app.url("/api/v1/sections"))
        .bearer_auth(&t)
        .json(&json!({"name": "Mine"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let mut published = essay("Straight out");
    published["status"] = json!("published");
    let r = app
        .client
        .post(app.url("/api/v1/posts"))
        .bearer_auth(&t)
        .json(&published)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);

    let admin = token(&app, "chief").await;
    let r = app
        .client
        .post(app.url("/api/v1/sections"))
        .bearer_auth(&admin)
        .json(&json!({"name": "Interviews", "description": "Talking to people"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let r = app
        .client
        .put(app.url("/api/v1/sections/interviews"))
        .bearer_auth(&admin)
        .json(&json!({"name": "Conversations"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let work = json!({"kind": "tv", "name": "Slow Horses", "year": 2022, "seasons": 4, "directors": ["James Hawes"]});
    let r = app
        .client
        .post(app.url("/api/v1/works"))
        .bearer_auth(&admin)
        .json(&work)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let bad = json!({"kind": "movie", "name": "Later", "year": 20160});
    let r = app
        .client
        .post(app.url("/api/v1/works"))
        .bearer_auth(&admin)
        .json(&bad)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let err: Value = r.json().await.unwrap();
    assert_eq!(err["error"]["fields"][0]["field"], "year");
    let r = app
        .client
        .put(app.url("/api/v1/people/james-hawes"))
        .bearer_auth(&admin)
        .json(&json!({"name": "James Hawes (director)"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}
