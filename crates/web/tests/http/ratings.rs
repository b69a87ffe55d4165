//! Readers' ratings: given without an account from the pick's own page,
//! counted once per reader, limited per address, shown apart from the
//! critics' average, and reset or hidden by an editor.

use crate::helpers::{client, TestApp};

const PICK: &str = r#"+++
title = "La La Land: a love letter"
slug = "la-la-land"
kind = "pick"
section = "best-pick"
date = 2020-01-01
question = "Do you like it?"

[work]
kind = "movie"
name = "La La Land"
year = 2016

[[scores]]
source = "metacritic"
value = 94
+++
City of stars.
"#;

/// A reader's rating, sent as the pick's page sends it.
pub(crate) async fn rate(
    app: &TestApp,
    reader: &reqwest::Client,
    post_id: i64,
    value: &str,
) -> (u16, String) {
    let r = reader
        .post(app.url("/ratings"))
        .header("origin", app.url(""))
        .form(&[("post_id", post_id.to_string()), ("value", value.into())])
        .send()
        .await
        .unwrap();
    let location = r
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (r.status().as_u16(), location)
}

/// The readers' score line of a page, in words.
fn readers(html: &str) -> Option<String> {
    let at = html.find("class=\"readers-score\"")?;
    let line = &html[at..at + html[at..].find("</p>")?];
    let text: String = line
        .split('<')
        .filter_map(|p| p.split_once('>').map(|(_, t)| t))
        .collect::<Vec<_>>()
        .join(" ");
    Some(text.split_whitespace().collect::<Vec<_>>().join(" "))
}

#[tokio::test]
async fn a_rating_counts_once_per_reader_and_apart_from_the_critics() {
    let app = TestApp::spawn().await;
    app.import(PICK).await;
    let id = app
        .site
        .store
        .post_id_by_slug("la-la-land")
        .await
        .unwrap()
        .unwrap();
    let page = || async { app.get_text("/best-pick/la-la-land").await.1 };
    let first = page().await;
    assert!(first.contains("action=\"/ratings\""), "a form to rate");
    assert!(first.contains("aria-label=\"5 stars\""));
    assert_eq!(readers(&first), None, "no readers' score before a rating");

    let ann = client();
    let (status, back) = rate(&app, &ann, id, "4").await;
    assert_eq!(status, 303);
    assert_eq!(back, "/best-pick/la-la-land?rated=thanks#readers");
    let thanked = app.text_with(&ann, &back).await;
    assert!(thanked.contains("Thank you: your rating counts"));
    assert_eq!(
        readers(&page().await).as_deref(),
        Some("Readers 4.0/5 from 1 rating")
    );
    // Rated again, Ann's rating changes; she counts once.
    rate(&app, &ann, id, "2").await;
    assert_eq!(
        readers(&page().await).as_deref(),
        Some("Readers 2.0/5 from 1 rating")
    );
    let bob = client();
    rate(&app, &bob, id, "5").await;
    assert_eq!(
        readers(&page().await).as_deref(),
        Some("Readers 3.5/5 from 2 ratings")
    );
    // The critics' average is theirs alone, on the page and on cards.
    let (_, home) = app.get_text("/").await;
    assert!(home.contains("94/100 on Metacritic"), "{home}");

    // Bad values and forms from other sites change nothing.
    assert_eq!(rate(&app, &client(), id, "6").await.0, 422);
    assert_eq!(rate(&app, &client(), id, "up").await.0, 422);
    let elsewhere = client()
        .post(app.url("/ratings"))
        .header("origin", "https://evil.example")
        .form(&[("post_id", id.to_string()), ("value", "1".into())])
        .send()
        .await
        .unwrap();
    assert_eq!(elsewhere.status().as_u16(), 403);
    assert_eq!(
        readers(&page().await).as_deref(),
        Some("Readers 3.5/5 from 2 ratings")
    );

    // One address: a few readers of a household, then no more for now.
    for _ in 0..3 {
        assert_eq!(rate(&app, &client(), id, "3").await.0, 303);
    }
    let (status, back) = rate(&app, &client(), id, "1").await;
    assert_eq!(status, 303);
    assert!(back.ends_with("?rated=later#readers"));
    let told = app.get_text(&back).await.1;
    assert!(told.contains("please rate again later"));
    assert_eq!(
        readers(&page().await).as_deref(),
        Some("Readers 3.2/5 from 5 ratings")
    );

    // Thumbs, as a site setting.
    bestpick_app::settings::set(&app.site, "ratings_scale", "thumbs")
        .await
        .unwrap();
    let thumbs = page().await;
    assert!(thumbs.contains("name=\"value\" value=\"up\""));
    assert!(
        bestpick_app::settings::set(&app.site, "ratings_scale", "smileys")
            .await
            .is_err()
    );

    // An editor resets the ratings, or hides them: none shown, none taken.
    app.login_admin().await;
    let list = app.get_text("/admin/posts").await.1;
    assert!(list.contains("5 reader ratings:") && list.contains("value=\"reset\">Reset ratings"));
    let r = app
        .post_form(
            "/admin/posts",
            &format!("/admin/posts/{id}/ratings"),
            &[("op", "reset")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(readers(&page().await), None);
    rate(&app, &client(), id, "up").await;
    assert_eq!(
        readers(&page().await).as_deref(),
        Some("Readers 100% liked it from 1 rating")
    );
    let r = app
        .post_form(
            "/admin/posts",
            &format!("/admin/posts/{id}/ratings"),
            &[("op", "hide")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let hidden = page().await;
    assert_eq!(readers(&hidden), None);
    assert!(!hidden.contains("action=\"/ratings\""));
    assert_eq!(rate(&app, &client(), id, "up").await.0, 404);

    // A draft takes no rating.
    app.import(
        &PICK
            .replace("la-la-land", "draft-land")
            .replace("date = 2020-01-01", "status = \"draft\""),
    )
    .await;
    let draft = app
        .site
        .store
        .post_id_by_slug("draft-land")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(rate(&app, &client(), draft, "up").await.0, 404);
}
