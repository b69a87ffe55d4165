use crate::helpers::{TestApp, HEAT, PASSWORD};

/// The fields of a complete pick as the editor's form sends them.
fn pick_form<'a>() -> Vec<(&'a str, &'a str)> {
    vec![
        ("kind", "pick"),
        ("action", "save"),
        ("title", "Arrival: the language of time"),
        ("slug", ""),
        ("section", "best-pick"),
        ("status", "published"),
        ("date", ""),
        ("tags", "science fiction, language"),
        ("summary", "A quiet first-contact film."),
        ("authors", ""),
        ("cover", ""),
        ("body", "Why it works.\n\n## Plot\nA linguist is called in."),
        ("question", "Would you want to know?"),
        ("work", ""),
        ("work_kind", "movie"),
        ("work_name", "Arrival"),
        ("work_year", "2016"),
        ("work_directors", "Denis Villeneuve"),
        ("work_writers", "Eric Heisserer"),
        ("work_genres", "Science fiction, Drama"),
        ("work_runtime_minutes", "116"),
        ("work_box_office_usd", "203,400,000"),
        ("work_budget_usd", "47000000"),
        ("cast_name", "Amy Adams"),
        ("cast_role", "Louise Banks"),
        ("cast_name", ""),
        ("cast_role", ""),
        ("score_source", "metacritic"),
        ("score_value", "81"),
        ("score_scale", ""),
        ("score_source", "imdb"),
        ("score_value", "7.9"),
        ("score_scale", ""),
        ("critic_outlet", "The Test Review"),
        ("critic_quote", "Patient and moving."),
        ("critic_critic", ""),
        ("critic_link", ""),
        ("line_speaker", "Louise"),
        ("line_text", "A line written for this test."),
        ("line_context", ""),
    ]
}

fn with<'a>(
    mut form: Vec<(&'a str, &'a str)>,
    name: &str,
    value: &'a str,
) -> Vec<(&'a str, &'a str)> {
    let field = form.iter_mut().find(|(k, _)| *k == name).unwrap();
    field.1 = value;
    form
}

async fn post_count(app: &TestApp) -> i64 {
    app.site
        .store
        .list_posts(&bestpick_store::PostFilter {
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap()
        .1
}

#[tokio::test]
async fn log_in_create_a_pick_and_see_it_on_the_home_page() {
    let app = TestApp::spawn().await;
    let r = app.get("/admin/posts").await;
    assert_eq!(r.status(), 303, "the editor needs a login");
    app.login_admin().await;

    let (status, html) = app.get_text("/admin/posts/new?kind=pick").await;
    assert_eq!(status, 200);
    assert!(html.contains("name=\"work_name\""));

    let r = app
        .post_form(
            "/admin/posts/new?kind=pick",
            "/admin/posts/new",
            &pick_form(),
        )
        .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());

    let (_, home) = app.get_text("/").await;
    assert!(home.contains("Arrival: the language of time"), "{home}");
    let (status, page) = app
        .get_text("/best-pick/arrival-the-language-of-time")
        .await;
    assert_eq!(status, 200);
    for expected in [
        "Denis Villeneuve",
        "Amy Adams",
        "Louise Banks",
        "$203.4 million",
        "class=\"chart-value\">81</text>",
        "7.9/10",
        "Patient and moving.",
        "A line written for this test.",
        "Would you want to know?",
        "<details class=\"spoilers\">",
    ] {
        assert!(page.contains(expected), "lacks {expected}");
    }

    // Edit: the form comes back filled; unpublish from the list.
    let id = app
        .site
        .store
        .post_id_by_slug("arrival-the-language-of-time")
        .await
        .unwrap()
        .unwrap();
    let (_, edit) = app.get_text(&format!("/admin/posts/{id}")).await;
    assert!(edit.contains("value=\"Louise Banks\""));
    assert!(edit.contains("value=\"203,400,000\""));
    let r = app
        .post_form(
            "/admin/posts",
            &format!("/admin/posts/{id}/status"),
            &[("status", "draft")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert!(!app.get_text("/").await.1.contains("Arrival"));

    // Log out: the editor is closed again.
    let r = app.post_form("/admin/posts", "/admin/logout", &[]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(app.get("/admin/posts").await.status(), 303);
}

#[tokio::test]
async fn bad_form_input_shows_errors_next_to_fields_and_saves_nothing() {
    let app = TestApp::spawn().await;
    app.login_admin().await;
    app.import(HEAT).await;
    let before = post_count(&app).await;
    // (form, field, what its error says)
    type Case<'a> = (Vec<(&'a str, &'a str)>, &'a str, &'a str);
    let cases: Vec<Case> = vec![
        (
            with(pick_form(), "title", ""),
            "title",
            "every post needs a title",
        ),
        (
            with(pick_form(), "section", "no-such-section"),
            "section",
            "no-such-section",
        ),
        (
            with(
                with(pick_form(), "score_source", "imdb"),
                "score_value",
                "11",
            ),
            "scores[0]",
            "outside",
        ),
        (
            with(pick_form(), "work_year", "20160"),
            "work.year",
            "20160 is not a plausible year",
        ),
        (with(pick_form(), "slug", "heat"), "slug", "heat"),
        (
            with(pick_form(), "work_year", "twenty"),
            "work.year",
            "twenty&#39; is not a year",
        ),
    ];
    for (form, field, message) in cases {
        let r = app
            .post_form("/admin/posts/new?kind=pick", "/admin/posts/new", &form)
            .await;
        assert_eq!(r.status(), 422, "{field} should be refused");
        let html = r.text().await.unwrap();
        assert!(html.contains("The post was not saved"), "{html}");
        assert!(
            html.contains(message),
            "the {field} error should say {message:?}:\n{html}"
        );
        // What was typed is still there.
        assert!(html.contains("value=\"Louise Banks\""));
    }
    assert_eq!(post_count(&app).await, before, "nothing was saved");
    assert!(app
        .site
        .store
        .work_by_slug("arrival-2016", bestpick_store::FilmScope::All)
        .await
        .unwrap()
        .is_none());
}

/// Every problem at once, in a summary that names each field as the form
/// labels it, counting rows from 1, and links to its input; nothing saved.
#[tokio::test]
async fn every_error_is_listed_at_once_and_links_to_its_field() {
    let app = TestApp::spawn().await;
    app.login_admin().await;
    let mut form = with(pick_form(), "title", "");
    form = with(form, "work_year", "twenty");
    form = with(form, "work_box_office_usd", "a lot");
    // The second score row.
    let value = form
        .iter_mut()
        .filter(|(k, _)| *k == "score_value")
        .nth(1)
        .unwrap();
    value.1 = "4/5";
    let r = app
        .post_form("/admin/posts/new?kind=pick", "/admin/posts/new", &form)
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("Please fix 4 problems"), "{html}");
    for (anchor, label) in [
        ("f-work_year", "Year"),
        ("f-work_box_office_usd", "Box office"),
        ("f-scores-1-value", "Score 2: value"),
        ("f-title", "Title"),
    ] {
        assert!(
            html.contains(&format!("<a href=\"#{anchor}\">{label}</a>:")),
            "the summary lacks {label}:\n{html}"
        );
        assert!(
            html.contains(&format!("id=\"{anchor}\"")),
            "no input {anchor}"
        );
    }
    assert!(html.contains("IMDb scores are out of 10"), "{html}");
    assert!(html.contains("aria-label=\"Score 2: value\""));
    // The browser's own checks would stop at the first field: off.
    assert!(html.contains("id=\"editor\" enctype=\"multipart/form-data\" novalidate"));
    assert_eq!(post_count(&app).await, 0);
}

/// After each save the editor says what became of the post.
#[tokio::test]
async fn the_editor_says_saved_published_or_scheduled() {
    let app = TestApp::spawn().await;
    app.login_admin().await;
    for (status, date, said) in [
        ("draft", "", "Saved as a draft"),
        ("review", "", "Saved and submitted for review"),
        ("published", "", "Published."),
        (
            "published",
            "2099-05-04T18:30",
            "Scheduled for 4 May 2099 at 18:30 UTC",
        ),
    ] {
        let title = format!("A {status} post {date}");
        let form = with(
            with(with(pick_form(), "status", status), "date", date),
            "title",
            &title,
        );
        let r = app
            .post_form("/admin/posts/new?kind=pick", "/admin/posts/new", &form)
            .await;
        assert_eq!(r.status(), 303, "{status}");
        let edit = r.headers()["location"].to_str().unwrap().to_owned();
        let (_, html) = app.get_text(&edit).await;
        assert!(html.contains(said), "{status} {date}: {html}");
        // The next one is another work's pick.
        let id: i64 = edit
            .trim_start_matches("/admin/posts/")
            .split('?')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        app.site.store.delete_post(id).await.unwrap();
    }
}

/// Scores and money typed as the sites and the papers write them.
#[tokio::test]
async fn values_are_taken_as_people_write_them() {
    let app = TestApp::spawn().await;
    app.login_admin().await;
    let mut form = with(pick_form(), "work_box_office_usd", "$203.4 million");
    form = with(form, "work_budget_usd", "47M");
    form = with(form, "score_source", "Rotten Tomatoes");
    form = with(form, "score_value", "94%");
    let r = app
        .post_form("/admin/posts/new?kind=pick", "/admin/posts/new", &form)
        .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let (_, page) = app
        .get_text("/best-pick/arrival-the-language-of-time")
        .await;
    for shown in ["94%", "7.9/10", "$203.4 million", "$47 million"] {
        assert!(page.contains(shown), "the page lacks {shown}");
    }
    // The editor shows them back the same way, and they save unchanged.
    let id = app
        .site
        .store
        .post_id_by_slug("arrival-the-language-of-time")
        .await
        .unwrap()
        .unwrap();
    let (_, edit) = app.get_text(&format!("/admin/posts/{id}?saved=1")).await;
    for value in ["Rotten Tomatoes", "94%", "IMDb", "7.9/10", "203,400,000"] {
        assert!(edit.contains(&format!("value=\"{value}\"")), "{value}");
    }
    assert!(edit.contains("Published."), "the notice says what was done");
    let exported = bestpick_app::export::to_data(&app.site.store.post(id).await.unwrap().unwrap());
    assert_eq!(exported.scores[0].source, "rotten-tomatoes");
}

/// Without JavaScript, "Add a row" and each row's remove button send the
/// form back with a row more or less and everything typed kept.
#[tokio::test]
async fn rows_are_added_and_removed_without_javascript() {
    let app = TestApp::spawn().await;
    app.login_admin().await;
    let count = |html: &str| html.matches("name=\"cast_name\"").count();
    let form = with(pick_form(), "action", "add:cast");
    let r = app
        .post_form("/admin/posts/new?kind=pick", "/admin/posts/new", &form)
        .await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert_eq!(count(&html), 3, "one row more than the two sent");
    assert!(html.contains("value=\"Louise Banks\""));
    assert!(html.contains("id=\"f-cast-2-name\""));
    assert!(!html.contains("form-errors"), "nothing was checked yet");

    let form = with(pick_form(), "action", "remove:cast:0");
    let r = app
        .post_form("/admin/posts/new?kind=pick", "/admin/posts/new", &form)
        .await;
    let html = r.text().await.unwrap();
    assert_eq!(count(&html), 1);
    assert!(!html.contains("Louise Banks"));
    assert!(
        html.contains("value=\"Patient and moving.\"") || html.contains(">Patient and moving.<")
    );
    assert_eq!(post_count(&app).await, 0, "nothing was saved");

    // A button this editor does not have saves nothing either.
    for action in ["remove:cast:99999999999999999999", "add:nothing", "delete"] {
        let form = with(pick_form(), "action", action);
        let r = app
            .post_form("/admin/posts/new?kind=pick", "/admin/posts/new", &form)
            .await;
        assert_eq!(r.status(), 200, "{action}");
        assert_eq!(post_count(&app).await, 0, "{action} saved nothing");
    }
}

/// "Preview" shows the whole post of the unsaved form as readers will see
/// it, for a new post and for a published one whose readers still see it
/// unchanged; checked as a save is; nothing stored.
#[tokio::test]
async fn the_whole_post_is_previewed_from_the_unsaved_form() {
    let app = TestApp::spawn().await;
    app.login_admin().await;
    let form = with(pick_form(), "action", "preview");
    let r = app
        .post_form("/admin/posts/new?kind=pick", "/admin/posts/new", &form)
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "private, no-store");
    let html = r.text().await.unwrap();
    for part in [
        "Preview: nothing shown here is saved",
        "class=\"factbox\"",
        "Denis Villeneuve",
        "as Louise Banks",
        "$203.4 million",
        "class=\"score-chart\"",
        "7.9/10",
        "Patient and moving.",
        "A line written for this test.",
        "Would you want to know?",
        "<h1>Arrival: the language of time</h1>",
    ] {
        assert!(html.contains(part), "the preview lacks {part}:\n{html}");
    }
    assert_eq!(post_count(&app).await, 0, "a preview saves nothing");
    assert!(app
        .site
        .store
        .work_by_slug("arrival-2016", bestpick_store::FilmScope::All)
        .await
        .unwrap()
        .is_none());

    // Checked as a save is.
    let bad = with(with(pick_form(), "action", "preview"), "section", "nowhere");
    let r = app
        .post_form("/admin/posts/new?kind=pick", "/admin/posts/new", &bad)
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("there is no section"));

    // A published post's changes, seen before readers see them.
    let r = app
        .post_form(
            "/admin/posts/new?kind=pick",
            "/admin/posts/new",
            &pick_form(),
        )
        .await;
    assert_eq!(r.status(), 303);
    let edit = r.headers()["location"].to_str().unwrap().to_owned();
    let edit = edit.split('?').next().unwrap().to_owned();
    let changed = with(
        with(pick_form(), "action", "preview"),
        "title",
        "Arrival, retitled",
    );
    let changed = with(changed, "slug", "arrival-the-language-of-time");
    let r = app.post_form(&edit, &edit, &changed).await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("<h1>Arrival, retitled</h1>"));
    assert!(html.contains("readers still see the post as it was"));
    let (_, public) = app
        .get_text("/best-pick/arrival-the-language-of-time")
        .await;
    assert!(public.contains("<h1>Arrival: the language of time</h1>"));
    assert!(!public.contains("retitled"));
}

/// A typed work that other posts show is named with their count before
/// saving; an author is told the facts stay as they are.
#[tokio::test]
async fn a_work_other_posts_use_is_named_before_saving() {
    let app = TestApp::spawn_with_team().await;
    app.login_admin().await;
    let ask = "/admin/works/sharing?kind=pick&work_name=Heat&work_year=1995";
    let (status, json) = app.get_text(ask).await;
    assert_eq!(status, 200);
    let said: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        said["message"],
        "“Heat” (1995) is also used by 1 other post: what you change in its facts changes there too."
    );
    // The form says it too, when it comes back.
    let form = with(
        with(with(pick_form(), "work_name", "Heat"), "work_year", "1995"),
        "title",
        "",
    );
    let r = app
        .post_form("/admin/posts/new?kind=pick", "/admin/posts/new", &form)
        .await;
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("is also used by 1 other post"));
    // Heat's own editor: no other post.
    let heat = app
        .site
        .store
        .post_id_by_slug("heat")
        .await
        .unwrap()
        .unwrap();
    let (_, json) = app.get_text(&format!("{ask}&post={heat}")).await;
    assert_eq!(json, r#"{"message":null}"#);
    let (_, json) = app
        .get_text("/admin/works/sharing?kind=pick&work_name=Arrival&work_year=2016")
        .await;
    assert_eq!(json, r#"{"message":null}"#);
    // An author's changes to it would not be saved: said so.
    let ann = app.logged_in("ann").await;
    let said = app.text_with(&ann, ask).await;
    assert!(said.contains("its facts stay as they are"), "{said}");

    // A work only another writer's draft shows: nothing of it is told,
    // by name and year or by IMDb id.
    app.import(
        "+++\ntitle = \"Bob's secret\"\nsection = \"best-pick\"\nstatus = \"draft\"\nauthors = [\"bob\"]\n\
         [work]\nkind = \"movie\"\nname = \"Unannounced\"\nyear = 2027\nimdb_id = \"tt0999999\"\n+++\nSoon.\n",
    )
    .await;
    for ask in [
        "/admin/works/sharing?kind=pick&work_name=Unannounced&work_year=2027",
        "/admin/works/sharing?kind=pick&work_name=Anything&work_year=2000&work_imdb_id=tt0999999",
    ] {
        let said = app.text_with(&ann, ask).await;
        assert_eq!(said, r#"{"message":null}"#, "{ask}");
    }
}

/// The editor's script saves drafts as JSON requests: never publishing,
/// never touching a published post, and saying what keeps a draft unsaved.
#[tokio::test]
async fn autosave_keeps_drafts_and_leaves_published_posts_alone() {
    let app = TestApp::spawn().await;
    app.login_admin().await;
    let csrf = app.csrf("/admin/posts/new?kind=pick").await;
    let autosave = |path: &str, fields: Vec<(&str, &str)>| {
        let mut fields: Vec<(String, String)> = fields
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        fields.push(("csrf".into(), csrf.clone()));
        app.client
            .post(app.url(path))
            .header("accept", "application/json")
            .form(&fields)
            .send()
    };
    let r = autosave("/admin/posts/new", with(pick_form(), "action", "autosave"))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let saved: serde_json::Value = r.json().await.unwrap();
    let id = saved["id"].as_i64().unwrap();
    assert_eq!(saved["edit"], format!("/admin/posts/{id}"));
    let post = app.site.store.post(id).await.unwrap().unwrap();
    assert_eq!(
        post.card.status.as_str(),
        "draft",
        "set to published, saved as a draft"
    );

    // What keeps it from being saved, in words.
    let path = format!("/admin/posts/{id}");
    let r = autosave(
        &path,
        with(with(pick_form(), "action", "autosave"), "work_year", "soon"),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 422);
    let said: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        said["error"]["message"],
        "not saved yet: Year: 'soon' is not a year"
    );

    // A published post is not autosaved.
    let r = app
        .post_form(
            &path,
            &format!("/admin/posts/{id}/status"),
            &[("status", "published")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let changed = with(
        with(pick_form(), "action", "autosave"),
        "title",
        "Half-written",
    );
    let r = autosave(&path, changed).await.unwrap();
    assert_eq!(r.status(), 409);
    let (_, page) = app
        .get_text("/best-pick/arrival-the-language-of-time")
        .await;
    assert!(!page.contains("Half-written"));
}

#[tokio::test]
async fn a_form_without_its_csrf_token_is_refused() {
    let app = TestApp::spawn().await;
    app.login_admin().await;
    let r = app
        .client
        .post(app.url("/admin/posts/new"))
        .form(&pick_form())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("CSRF"));
    let mut forged = pick_form();
    forged.push(("csrf", "not-the-token"));
    let r = app
        .client
        .post(app.url("/admin/posts/new"))
        .form(&forged)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(post_count(&app).await, 0);

    // The login form has its own token too.
    let fresh = crate::helpers::client();
    let r = fresh
        .post(app.url("/admin/login"))
        .form(&[("username", "chief"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn wrong_passwords_are_refused_then_rate_limited() {
    let app = TestApp::spawn().await;
    for _ in 0..5 {
        let r = app.login("chief", "not the password").await;
        assert_eq!(r.status(), 401);
        assert!(r
            .text()
            .await
            .unwrap()
            .contains("Wrong user name or password."));
    }
    let r = app.login("chief", PASSWORD).await;
    assert_eq!(
        r.status(),
        429,
        "even the right password waits after 5 failures"
    );
    assert!(r.headers().contains_key("retry-after"));
    assert!(r.text().await.unwrap().contains("Too many failed logins"));
    assert_eq!(app.get("/admin/posts").await.status(), 303, "not logged in");
}

#[tokio::test]
async fn session_cookies_are_http_only_and_secure_behind_https() {
    let app = TestApp::spawn().await;
    let csrf = app.csrf("/admin/login").await;
    let form = [
        ("csrf", csrf.as_str()),
        ("username", "chief"),
        ("password", PASSWORD),
    ];
    let r = app
        .client
        .post(app.url("/admin/login"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(!cookie.contains("Secure"));
    // A client saying it came over https is not believed: only a proxy
    // the operator trusts may say so (and HSTS is only sent then).
    let https_login = |app: &TestApp| {
        let base = app.base.clone();
        async move {
            crate::helpers::login_request(&base, &[("username", "chief"), ("password", PASSWORD)])
                .await
                .header("x-forwarded-proto", "https")
                .send()
                .await
                .unwrap()
        }
    };
    let r = https_login(&app).await;
    assert_eq!(r.status(), 303);
    assert!(!r.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .contains("Secure"));
    assert!(r.headers().get("strict-transport-security").is_none());
    // Behind a TLS-terminating proxy the operator named.
    let app = TestApp::spawn_behind_proxy().await;
    let r = https_login(&app).await;
    assert_eq!(r.status(), 303);
    assert!(r.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .contains("Secure"));
    assert_eq!(r.headers()["strict-transport-security"], "max-age=31536000");
}

fn upload(csrf: &str, bytes: Vec<u8>, name: &str, alt: &str) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new()
        .text("csrf", csrf.to_owned())
        .text("alt", alt.to_owned())
        .text("caption", "The red carpet at dusk")
        .text("credit", "Test Photographer")
        .part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()),
        )
}

#[tokio::test]
async fn uploads_make_responsive_figures_and_bad_files_are_refused() {
    let app = TestApp::spawn().await;
    app.login_admin().await;
    let csrf = app.csrf("/admin/media").await;
    let picture = bestpick_app::media::generated_picture(1200, 800, 7);

    // Not an image.
    let r = app
        .client
        .post(app.url("/admin/media"))
        .multipart(upload(
            &csrf,
            b"%PDF-1.4 not a picture".to_vec(),
            "notes.pdf",
            "Notes",
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("not an image") || html.contains("not a JPEG"),
        "{html}"
    );
    assert!(html.contains("value=\"Notes\""), "what was typed is kept");

    // Too large: over the 10 MB limit.
    let big = vec![0u8; 11 * 1024 * 1024];
    let r = app
        .client
        .post(app.url("/admin/media"))
        .multipart(upload(&csrf, big, "huge.jpg", "Huge"))
        .send()
        .await
        .unwrap();
    assert!(r.status() == 422 || r.status() == 413, "{}", r.status());
    let html = r.text().await.unwrap();
    assert!(html.contains("10 MB"), "{html}");

    // No CSRF token.
    let form = reqwest::multipart::Form::new().text("alt", "x").part(
        "file",
        reqwest::multipart::Part::bytes(picture.clone()).file_name("a.jpg"),
    );
    let r = app
        .client
        .post(app.url("/admin/media"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(
        app.site.store.media_list(10).await.unwrap().is_empty(),
        "nothing stored"
    );

    // A good one, then used in a post body and as a cover.
    let r = app
        .client
        .post(app.url("/admin/media"))
        .multipart(upload(&csrf, picture, "carpet.jpg", "A red carpet"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let media = app.site.store.media_list(10).await.unwrap();
    assert_eq!(media.len(), 1);
    let m = &media[0];
    assert!(
        m.srcset.contains("480w") && m.srcset.contains("960w"),
        "{}",
        m.srcset
    );
    assert_eq!(app.get(&m.url).await.status(), 200);

    let body = format!("Opening night.\n\n![A red carpet]({})\n", m.url);
    let id = m.id.to_string();
    let form = vec![
        ("kind", "article"),
        ("action", "save"),
        ("title", "Festival opens"),
        ("section", "news"),
        ("status", "published"),
        ("cover", id.as_str()),
        ("body", body.as_str()),
    ];
    let r = app
        .post_form("/admin/posts/new?kind=article", "/admin/posts/new", &form)
        .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let (_, page) = app.get_text("/news/festival-opens").await;
    assert!(page.contains("srcset=\""), "{page}");
    assert!(
        page.contains("<figcaption>The red carpet at dusk"),
        "{page}"
    );
    assert!(page.contains("Test Photographer"));
}

#[tokio::test]
async fn the_live_preview_renders_sanitised_markdown() {
    let app = TestApp::spawn().await;
    app.login_admin().await;
    let r = app
        .post_form(
            "/admin/posts/new?kind=essay",
            "/admin/preview",
            &[("body", "**bold** <script>alert(1)</script>")],
        )
        .await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("<strong>bold</strong>"));
    assert!(!html.contains("<script"));
}

#[tokio::test]
async fn authors_submit_for_review_and_editors_manage_sections() {
    let app = TestApp::spawn().await;
    app.login_admin().await;
    let r = app
        .post_form(
            "/admin/users",
            "/admin/users",
            &[
                ("username", "writer"),
                ("display_name", "A Writer"),
                ("role", "author"),
                ("password", "writer password 1"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);

    // Sections: create, refuse a reserved address, reorder, retire.
    let r = app
        .post_form(
            "/admin/sections",
            "/admin/sections",
            &[
                ("name", "Reviews"),
                ("slug", ""),
                ("description", "Short reviews"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let r = app
        .post_form(
            "/admin/sections",
            "/admin/sections",
            &[
                ("name", "Admin things"),
                ("slug", "admin"),
                ("description", ""),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("used by the site itself"));
    let reviews = app
        .site
        .store
        .section_by_slug("reviews")
        .await
        .unwrap()
        .unwrap();
    let r = app
        .post_form(
            "/admin/sections",
            &format!("/admin/sections/{}/move", reviews.id),
            &[("step", "-1")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let order: Vec<String> = app
        .site
        .store
        .sections()
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.slug)
        .collect();
    assert_eq!(order, ["best-pick", "essays", "reviews", "news"]);
    let essays = app
        .site
        .store
        .section_by_slug("essays")
        .await
        .unwrap()
        .unwrap();
    let into = essays.id.to_string();
    let r = app
        .post_form(
            "/admin/sections",
            &format!("/admin/sections/{}/retire", reviews.id),
            &[("into", into.as_str())],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(app.get("/reviews").await.headers()["location"], "/essays");

    // The author may not publish.
    let author = TestApp {
        client: crate::helpers::client(),
        ..app
    };
    let r = author.login("writer", "writer password 1").await;
    assert_eq!(r.status(), 303);
    let form = vec![
        ("kind", "essay"),
        ("action", "save"),
        ("title", "My first essay"),
        ("section", "essays"),
        ("status", "published"),
        ("body", "Text."),
    ];
    let r = author
        .post_form("/admin/posts/new?kind=essay", "/admin/posts/new", &form)
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("an editor publishes it"));
    let form = vec![
        ("kind", "essay"),
        ("action", "save"),
        ("title", "My first essay"),
        ("section", "essays"),
        ("status", "review"),
        ("body", "Text."),
    ];
    let r = author
        .post_form("/admin/posts/new?kind=essay", "/admin/posts/new", &form)
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(author.get("/admin/sections").await.status(), 403);
    assert_eq!(author.get("/admin/users").await.status(), 403);
}
