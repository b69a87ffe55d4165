//! Images in the editor and the image library: an image sent with the
//! editor's form (no JavaScript) becomes the cover, the poster or part of
//! the body without losing what was typed; the library searches, pages and
//! deletes only what nothing uses, saying where the rest is used.

use crate::helpers::{hidden_value, TestApp};

/// The editor's form as a browser sends it with a file: multipart.
fn editor_form(
    csrf: &str,
    fields: &[(&str, &str)],
    image: Option<Vec<u8>>,
) -> reqwest::multipart::Form {
    let mut form = reqwest::multipart::Form::new().text("csrf", csrf.to_owned());
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    let part = match image {
        Some(bytes) => reqwest::multipart::Part::bytes(bytes).file_name("still.png"),
        // An empty file input still sends its part.
        None => reqwest::multipart::Part::bytes(Vec::new()).file_name(""),
    };
    form.part("image_file", part)
}

fn pick<'a>(extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("kind", "pick"),
        ("title", "Paterson"),
        ("section", "best-pick"),
        ("status", "published"),
        ("body", "A gentle film."),
        ("work_name", "Paterson"),
        ("work_year", "2016"),
        ("cast_name", "Adam Driver"),
        ("cast_role", "Paterson"),
    ];
    fields.extend_from_slice(extra);
    fields
}

async fn send(app: &TestApp, path: &str, form: reqwest::multipart::Form) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn an_image_sent_with_the_editor_form_is_used_without_losing_what_was_typed() {
    let app = TestApp::spawn().await;
    app.login_admin().await;
    let csrf = app.csrf("/admin/posts/new?kind=pick").await;
    let picture = bestpick_app::media::generated_picture(900, 600, 3);

    // "Upload": the form comes back with the image as the cover.
    let fields = pick(&[
        ("action", "upload"),
        ("image_alt", "A bus in the rain"),
        ("image_use", "cover"),
    ]);
    let r = send(
        &app,
        "/admin/posts/new",
        editor_form(&csrf, &fields, Some(picture.clone())),
    )
    .await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("Uploaded “A bus in the rain”: it is the cover now."),
        "{html}"
    );
    assert!(
        html.contains("value=\"Adam Driver\""),
        "what was typed is kept"
    );
    let media = app.site.store.media_list(10).await.unwrap();
    assert_eq!(media.len(), 1);
    let cover = media[0].id.to_string();
    assert!(
        html.contains(&format!("name=\"cover\" value=\"{cover}\" checked")),
        "{html}"
    );
    // Nothing was saved yet.
    assert!(app
        .site
        .store
        .post_id_by_slug("paterson")
        .await
        .unwrap()
        .is_none());

    // An image without its alt text is refused, and the form kept.
    let fields = pick(&[("action", "upload"), ("image_use", "cover")]);
    let r = send(
        &app,
        "/admin/posts/new",
        editor_form(&csrf, &fields, Some(picture.clone())),
    )
    .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("<a href=\"#f-image_alt\">Alt text of the new image</a>"),
        "{html}"
    );

    // "Publish" with another image chosen as the poster: both kept.
    let still = bestpick_app::media::generated_picture(600, 900, 4);
    let fields = pick(&[
        ("action", "publish"),
        ("cover", &cover),
        ("image_alt", "The poster"),
        ("image_use", "poster"),
    ]);
    let r = send(
        &app,
        "/admin/posts/new",
        editor_form(&csrf, &fields, Some(still)),
    )
    .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let (_, page) = app.get_text("/best-pick/paterson").await;
    let poster = app.site.store.media_list(10).await.unwrap()[0].url.clone();
    assert!(
        page.contains(&format!("src=\"{poster}\"")),
        "the poster is on the page"
    );
    assert!(
        page.contains("alt=\"A bus in the rain\""),
        "the cover is on the page"
    );

    // A file over the upload limit: the form comes back with what was
    // typed, and nothing is saved.
    let big = vec![0u8; 11 * 1024 * 1024];
    let fields = pick(&[("action", "publish"), ("image_alt", "Huge")]);
    let r = send(
        &app,
        "/admin/posts/new",
        editor_form(&csrf, &fields, Some(big)),
    )
    .await;
    let status = r.status();
    let html = r.text().await.unwrap();
    assert_eq!(status, 422, "{html}");
    assert!(html.contains("upload limit of 10 MB"), "{html}");
    assert!(
        html.contains("value=\"Adam Driver\""),
        "what was typed is kept"
    );
    assert_eq!(app.site.store.media_list(10).await.unwrap().len(), 2);

    // As an image in the body, by its Markdown.
    let id = app
        .site
        .store
        .post_id_by_slug("paterson")
        .await
        .unwrap()
        .unwrap();
    let edit = format!("/admin/posts/{id}");
    let csrf = app.csrf(&edit).await;
    let third = bestpick_app::media::generated_picture(800, 500, 5);
    let fields = pick(&[
        ("action", "save"),
        ("cover", &cover),
        ("work_poster", &poster),
        ("image_alt", "The route"),
        ("image_use", "body"),
    ]);
    let r = send(&app, &edit, editor_form(&csrf, &fields, Some(third))).await;
    assert_eq!(r.status(), 303);
    let (_, page) = app.get_text("/best-pick/paterson").await;
    assert!(page.contains("alt=\"The route\""), "{page}");
}

#[tokio::test]
async fn the_library_searches_and_deletes_only_what_nothing_uses() {
    let app = TestApp::spawn_with_team().await;
    app.login_admin().await;
    let csrf = app.csrf("/admin/media").await;
    for (seed, alt) in [
        (1, "Harbour at dawn"),
        (2, "A diner at night"),
        (3, "Rain on glass"),
    ] {
        let form = reqwest::multipart::Form::new()
            .text("csrf", csrf.clone())
            .text("alt", alt)
            .part(
                "file",
                reqwest::multipart::Part::bytes(bestpick_app::media::generated_picture(
                    640, 400, seed,
                ))
                .file_name(format!("{seed}.png")),
            );
        let r = send(&app, "/admin/media", form).await;
        assert_eq!(r.status(), 303);
    }
    let (_, found) = app.get_text("/admin/media?q=DINER").await;
    assert!(found.contains("A diner at night"));
    assert!(!found.contains("Harbour at dawn"));
    let (_, none) = app.get_text("/admin/media?q=%25").await;
    assert!(none.contains("No image matches"), "% is taken literally");

    // The JSON answer the editor's drag and drop reads.
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf.clone())
        .text("alt", "Dropped")
        .part(
            "file",
            reqwest::multipart::Part::bytes(bestpick_app::media::generated_picture(300, 200, 9))
                .file_name("drop.png"),
        );
    let r = app
        .client
        .post(app.url("/admin/media"))
        .header("accept", "application/json")
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let m: serde_json::Value = r.json().await.unwrap();
    assert_eq!(m["alt"], "Dropped");
    assert!(m["url"].as_str().unwrap().starts_with("/media/"));

    // Heat's cover is the diner: deleting it is refused and says where.
    let media = app.site.store.media_list(10).await.unwrap();
    let diner = media
        .iter()
        .find(|m| m.alt == "A diner at night")
        .unwrap()
        .clone();
    let heat = app
        .site
        .store
        .post_id_by_slug("heat")
        .await
        .unwrap()
        .unwrap();
    let edit = format!("/admin/posts/{heat}");
    let r = app
        .post_form(
            &edit,
            &format!("/admin/posts/{heat}/status"),
            &[("status", "published")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let mut data =
        bestpick_app::export::to_data(&app.site.store.post(heat).await.unwrap().unwrap());
    data.cover = None;
    bestpick_app::posts::save(
        &app.site,
        &data,
        bestpick_app::posts::CoverSource::Media(diner.id),
        &app.site
            .store
            .user_by_username("chief")
            .await
            .unwrap()
            .unwrap(),
        bestpick_store::SaveMode::Update(heat),
    )
    .await
    .unwrap();
    let delete = format!("/admin/media/{}/delete", diner.id);
    let r = app.post_form("/admin/media", &delete, &[]).await;
    assert_eq!(r.status(), 409);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("“A diner at night” was not deleted: it is used as the cover of “Heat"),
        "{html}"
    );
    assert!(app.site.media_dir().join(&diner.file).exists());

    // Used in a body, or as a work's poster: refused too, and said so.
    let rain = media
        .iter()
        .find(|m| m.alt == "Rain on glass")
        .unwrap()
        .clone();
    app.import(&format!(
        "+++\ntitle = \"Rainy films\"\nsection = \"essays\"\nkind = \"essay\"\n+++\nLook: ![Rain]({})\n",
        rain.variants.first().map_or(rain.url.clone(), |v| format!("/media/{}", v.file))
    ))
    .await;
    let r = app
        .post_form(
            "/admin/media",
            &format!("/admin/media/{}/delete", rain.id),
            &[],
        )
        .await;
    assert_eq!(r.status(), 409);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("the body of “Rainy films”"));
    let dropped = m["id"].as_i64().unwrap();
    app.import(&format!(
        "+++\ntitle = \"A poster\"\nsection = \"best-pick\"\n[work]\nkind = \"movie\"\nname = \"Dropped\"\nyear = 2001\nposter = \"{}\"\n+++\nText.\n",
        m["url"].as_str().unwrap()
    ))
    .await;
    let r = app
        .post_form(
            "/admin/media",
            &format!("/admin/media/{dropped}/delete"),
            &[],
        )
        .await;
    assert_eq!(r.status(), 409);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("the poster of the work of “A poster”"));

    // The same picture uploaded again keeps its caption and credit.
    for (caption, credit) in [
        (Some("The harbour"), Some("Our photographer")),
        (None, None),
    ] {
        let mut form = reqwest::multipart::Form::new()
            .text("csrf", csrf.clone())
            .text("alt", "Harbour at dawn");
        if let (Some(caption), Some(credit)) = (caption, credit) {
            form = form.text("caption", caption).text("credit", credit);
        }
        let form = form.part(
            "file",
            reqwest::multipart::Part::bytes(bestpick_app::media::generated_picture(640, 400, 1))
                .file_name("1.png"),
        );
        assert_eq!(send(&app, "/admin/media", form).await.status(), 303);
    }
    let again = app
        .site
        .store
        .media_search(&bestpick_store::MediaQuery {
            text: "harbour".into(),
            before: None,
            limit: 5,
        })
        .await
        .unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].credit.as_deref(), Some("Our photographer"));

    // An author may not delete images; an unused one goes with its files.
    let harbour = media
        .iter()
        .find(|m| m.alt == "Harbour at dawn")
        .unwrap()
        .clone();
    let author = app.logged_in("ann").await;
    let page = app.text_with(&author, "/admin/media").await;
    assert!(!page.contains("/delete"), "no delete buttons for an author");
    let token = hidden_value(&page, "csrf").unwrap();
    let r = author
        .post(app.url(&format!("/admin/media/{}/delete", harbour.id)))
        .form(&[("csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = app
        .post_form(
            "/admin/media",
            &format!("/admin/media/{}/delete", harbour.id),
            &[],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert!(app.site.store.media(harbour.id).await.unwrap().is_none());
    assert!(!app.site.media_dir().join(&harbour.file).exists());
    for v in &harbour.variants {
        assert!(!app.site.media_dir().join(&v.file).exists());
    }
}
