//! A real browser: headless Chromium driven through chromedriver. When
//! chromedriver is not installed (a fresh clone without `.ci/run`'s
//! packages), the test says so and passes without running.

use crate::chromium::{click, connect, fill, start_chromedriver};
use crate::helpers::{TestApp, PASSWORD};
use fantoccini::{Client, Locator};
use std::time::Duration;

/// Logs in through the form as the test site's admin.
async fn log_in_as_chief(c: &Client, app: &TestApp) {
    c.goto(&app.url("/admin/login")).await.unwrap();
    fill(c, "#username", "chief").await;
    fill(c, "#password", PASSWORD).await;
    click(c, "form.form button[type=submit]").await;
    c.wait()
        .for_element(Locator::Css(".admin-bar"))
        .await
        .unwrap();
}

#[tokio::test]
async fn an_editor_writes_and_publishes_a_pick_in_chromium() {
    let Some(driver) = start_chromedriver() else {
        crate::helpers::skip("chromedriver is not installed (apt-get install chromium chromium-driver, as .ci/run does)");
        return;
    };
    let app = TestApp::spawn().await;
    let c = connect(&driver).await;

    log_in_as_chief(&c, &app).await;

    c.goto(&app.url("/admin/posts/new?kind=pick"))
        .await
        .unwrap();
    fill(&c, "#f-title", "Paterson: poems on a bus route").await;
    fill(
        &c,
        "#f-summary",
        "A week in the life of a bus driver who writes poems.",
    )
    .await;
    fill(
        &c,
        "#f-body",
        "A gentle film.\n\n## Plot\nMonday, then Tuesday.",
    )
    .await;
    // The live preview renders the Markdown while typing.
    c.wait()
        .for_element(Locator::XPath(
            "//section[@id='preview']//h2[text()='Plot']",
        ))
        .await
        .unwrap();
    fill(&c, "#f-work_name", "Paterson").await;
    fill(&c, "#f-work_year", "2016").await;
    fill(&c, "#f-work_directors", "Jim Jarmusch").await;
    fill(&c, "#f-work_runtime_minutes", "118").await;
    fill(&c, "input[name=cast_name]", "Adam Driver").await;
    fill(&c, "input[name=cast_role]", "Paterson").await;
    fill(&c, "input[name=score_source]", "metacritic").await;
    fill(&c, "input[name=score_value]", "90").await;
    fill(&c, "input[name=critic_outlet]", "The Browser Review").await;
    fill(&c, "textarea[name=critic_quote]", "Small and perfect.").await;
    fill(&c, "input[name=line_speaker]", "Paterson").await;
    fill(&c, "textarea[name=line_text]", "A line typed by a test.").await;
    fill(&c, "#f-question", "Do you write poems?").await;
    c.find(Locator::Css("#f-status"))
        .await
        .unwrap()
        .select_by_value("published")
        .await
        .unwrap();
    click(&c, ".buttons button[value=save]").await;
    c.wait()
        .for_element(Locator::Css("p.notice, .form-errors"))
        .await
        .ok();

    let id = app
        .site
        .store
        .post_id_by_slug("paterson-poems-on-a-bus-route")
        .await
        .unwrap();
    assert!(id.is_some(), "the pick was saved");

    c.goto(&app.url("/best-pick/paterson-poems-on-a-bus-route"))
        .await
        .unwrap();
    let text = c
        .find(Locator::Css("main"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for expected in [
        "Paterson: poems on a bus route",
        "Jim Jarmusch",
        "Adam Driver",
        "1 h 58 min",
        "Small and perfect.",
        "Do you write poems?",
    ] {
        assert!(
            text.contains(expected),
            "the page lacks {expected}:\n{text}"
        );
    }
    // The plot is folded until opened.
    let plot = c.find(Locator::Css("details.spoilers")).await.unwrap();
    assert!(plot.attr("open").await.unwrap().is_none());

    let shots = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    for (name, width, height) in [("pick-phone", 390, 844), ("pick-desktop", 1280, 900)] {
        c.set_window_size(width, height).await.unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
        let png = c.screenshot().await.unwrap();
        assert!(png.len() > 1000);
        std::fs::write(shots.join(format!("{name}.png")), png).unwrap();
    }
    c.close().await.unwrap();
}

/// The text of the first element matching `css`, once it is there (asked
/// again if the page was replaced in between, as a form's answer loads).
async fn text_of(c: &Client, css: &str) -> String {
    for _ in 0..50 {
        if let Ok(element) = c.wait().for_element(Locator::Css(css)).await {
            if let Ok(text) = element.text().await {
                return text;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no {css} on the page")
}

/// Fills in the comment form as a reader and sends it after the site's
/// minimum of one second (set by the test).
async fn write_comment(c: &Client, name: &str, body: &str) {
    fill(c, "#c-name", name).await;
    fill(
        c,
        "#c-email",
        &format!("{}@example.com", name.to_lowercase()),
    )
    .await;
    fill(c, "#c-body", body).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    click(c, ".comment-form button[type=submit]").await;
}

/// A reader posts a comment and a reply; a comment the filter holds is
/// approved by a moderator with the keyboard; every page shows it then.
#[tokio::test]
async fn a_reader_comments_and_replies_and_a_moderator_approves_in_chromium() {
    let Some(driver) = start_chromedriver() else {
        crate::helpers::skip("chromedriver is not installed (apt-get install chromium chromium-driver, as .ci/run does)");
        return;
    };
    let app = TestApp::spawn().await;
    app.import(crate::helpers::HEAT).await;
    app.relax_comment_limits().await;
    app.set_settings(&[("comments.min_seconds", "1")]).await;
    let c = connect(&driver).await;

    c.goto(&app.url("/best-pick/heat")).await.unwrap();
    write_comment(
        &c,
        "Ann",
        "The diner scene is the best *conversation* in crime films.",
    )
    .await;
    c.wait()
        .for_element(Locator::Css(".comment em"))
        .await
        .unwrap();
    let notice = text_of(&c, ".comments .notice").await;
    assert!(notice.contains("published"), "{notice}");

    // The notice sits beside the new comment, which the page lands on.
    let beside = c
        .execute(
            "return document.querySelector('.comments .notice').previousElementSibling.id;",
            vec![],
        )
        .await
        .unwrap();
    assert!(beside.as_str().unwrap().starts_with("comment-"), "{beside}");

    click(&c, ".comment .reply").await;
    let heading = text_of(&c, ".comment-form h3").await;
    assert!(heading.contains("Reply to Ann"), "{heading}");
    // The form opened under the comment replied to, its message focused.
    let under = c
        .execute(
            "return [document.querySelector('form.comment-form').previousElementSibling.id, document.activeElement.id];",
            vec![],
        )
        .await
        .unwrap();
    assert!(
        under[0].as_str().unwrap().starts_with("comment-"),
        "{under}"
    );
    assert_eq!(under[1], "c-body");
    write_comment(
        &c,
        "Ben",
        "Two men who respect each other across the table.",
    )
    .await;
    let reply = text_of(&c, ".replies .comment-body").await;
    assert!(reply.contains("across the table"), "{reply}");

    // A refused comment: the page lands on the form's message, focused.
    fill(&c, "#c-name", "Dee").await;
    fill(&c, "#c-email", "dee@example.com").await;
    fill(&c, "#c-body", "x").await;
    c.execute("document.getElementById('c-body').value = '';", vec![])
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    click(&c, ".comment-form button[type=submit]").await;
    let message = text_of(&c, "#comment-message").await;
    assert!(message.contains("correct the fields"), "{message}");
    let focused = c
        .execute("return document.activeElement.id;", vec![])
        .await
        .unwrap();
    assert_eq!(focused, "comment-message");
    c.goto(&app.url("/best-pick/heat")).await.unwrap();

    // The site now holds everything for a moderator: this one waits.
    app.set_settings(&[("comments.hold_at", "0")]).await;
    write_comment(
        &c,
        "Cy",
        "Waiting for a moderator, as every comment now does.",
    )
    .await;
    let notice = text_of(&c, ".comments .notice").await;
    assert!(notice.contains("held for moderation"), "{notice}");

    log_in_as_chief(&c, &app).await;
    c.goto(&app.url("/admin/comments")).await.unwrap();
    let held = text_of(&c, ".mod-comment").await;
    assert!(held.contains("Waiting for a moderator"), "{held}");
    assert!(held.contains("spam score"), "{held}");
    // "a" approves the focused comment.
    press_key(&c, "a").await;
    let done = text_of(&c, ".notice").await;
    assert!(done.contains("Approved 1 comment"), "{done}");

    // "u" takes it back while the notice offers Undo; the comment's
    // history says what was done and undone.
    press_key(&c, "u").await;
    let done = text_of(&c, ".notice").await;
    assert!(done.contains("Undone: 1 comment put back"), "{done}");
    click(&c, ".mod-actions summary").await;
    let history = text_of(&c, ".mod-actions").await;
    assert!(
        history.contains("Approved by Editor in Chief") && history.contains("(undone)"),
        "{history}"
    );
    assert!(history.contains("Undone by Editor in Chief"), "{history}");
    let shots = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let shoot = |name: &'static str| {
        let (c, shots) = (c.clone(), shots.clone());
        async move {
            for (size, width, height) in [("phone", 390, 844), ("desktop", 1366, 900)] {
                c.set_window_size(width, height).await.unwrap();
                tokio::time::sleep(Duration::from_millis(200)).await;
                assert!(!scrolls_sideways(&c).await, "{name} at {width} px");
                let png = c.screenshot().await.unwrap();
                std::fs::write(shots.join(format!("admin-{name}-{size}.png")), png).unwrap();
            }
        }
    };
    shoot("comments-history").await;
    // Each checkbox sits beside its label.
    let gap = c
        .execute(
            "const l = document.querySelector('.mod-head label.inline');
             return l.querySelector('strong').getBoundingClientRect().left
                 - l.querySelector('input').getBoundingClientRect().right;",
            vec![],
        )
        .await
        .unwrap();
    assert!(gap.as_f64().unwrap() < 16.0, "{gap}");
    press_key(&c, "a").await;
    // The press sends a form: its answer is a new page, with the notice.
    c.wait()
        .for_element(Locator::Css(".undo button"))
        .await
        .unwrap();
    // Undo is offered for 10 seconds, then hidden and out of reach.
    let visibility = "return getComputedStyle(document.querySelector('.undo button')).visibility;";
    assert_eq!(c.execute(visibility, vec![]).await.unwrap(), "visible");
    shoot("comments-undo").await;
    tokio::time::sleep(Duration::from_millis(10_500)).await;
    assert_eq!(c.execute(visibility, vec![]).await.unwrap(), "hidden");

    c.goto(&app.url("/best-pick/heat")).await.unwrap();
    let comments = text_of(&c, "#comments").await;
    assert!(comments.contains("3 comments"), "{comments}");
    assert!(comments.contains("Waiting for a moderator"), "{comments}");
    c.close().await.unwrap();
}

/// Presses a key on the page, as the moderation shortcuts are used.
async fn press_key(c: &Client, key: &str) {
    c.find(Locator::Css("body"))
        .await
        .unwrap()
        .send_keys(key)
        .await
        .unwrap();
}

/// The number of elements matching `css`.
async fn count(c: &Client, css: &str) -> usize {
    c.find_all(Locator::Css(css)).await.unwrap().len()
}

/// Whether the page scrolls sideways at the window's width.
async fn scrolls_sideways(c: &Client) -> bool {
    let wide = c
        .execute(
            "return document.documentElement.scrollWidth > window.innerWidth;",
            vec![],
        )
        .await
        .unwrap();
    wide.as_bool().unwrap()
}

/// Rows grow and shrink in place, numbered as errors count them; every
/// error comes at once in a summary that links to its field (no browser
/// bubble stops the form); an image uploads by script and becomes the cover
/// without the page being left; the editor and the posts list fit a phone.
#[tokio::test]
async fn the_editor_grows_rows_uploads_images_and_lists_every_error_in_chromium() {
    let Some(driver) = start_chromedriver() else {
        crate::helpers::skip("chromedriver is not installed (apt-get install chromium chromium-driver, as .ci/run does)");
        return;
    };
    let app = TestApp::spawn().await;
    app.import(crate::helpers::HEAT).await;
    let c = connect(&driver).await;
    log_in_as_chief(&c, &app).await;
    c.goto(&app.url("/admin/posts/new?kind=pick"))
        .await
        .unwrap();

    // Leaving asks first once something is typed.
    let leaving_asks = |c: &Client| {
        let c = c.clone();
        async move {
            c.execute(
                "const e = new Event('beforeunload', {cancelable: true}); window.dispatchEvent(e); return e.defaultPrevented;",
                vec![],
            )
            .await
            .unwrap()
            .as_bool()
            .unwrap()
        }
    };
    assert!(!leaving_asks(&c).await, "nothing typed yet");
    // Typing into the last row adds one below it.
    assert_eq!(count(&c, "#f-cast tbody tr").await, 1);
    fill(&c, "#f-cast-0-name", "Adam Driver").await;
    assert_eq!(count(&c, "#f-cast tbody tr").await, 2);
    assert!(leaving_asks(&c).await, "unsaved changes");
    click(&c, "button[value='add:cast']").await;
    assert_eq!(count(&c, "#f-cast tbody tr").await, 3);
    let focused = c
        .execute("return document.activeElement.id;", vec![])
        .await
        .unwrap();
    assert_eq!(focused, "f-cast-2-name", "the new row has the focus");
    // Removing the first row renumbers the others.
    click(&c, "button[value='remove:cast:0']").await;
    assert_eq!(count(&c, "#f-cast tbody tr").await, 2);
    let first = c.find(Locator::Css("#f-cast-0-name")).await.unwrap();
    assert_eq!(
        first.attr("aria-label").await.unwrap().as_deref(),
        Some("Cast 1: actor")
    );
    assert_eq!(first.prop("value").await.unwrap().as_deref(), Some(""));

    // An image chosen and uploaded by script becomes the cover; what was
    // typed stays in the page.
    fill(&c, "#f-summary", "Typed before the upload.").await;
    let png = tempfile::Builder::new().suffix(".png").tempfile().unwrap();
    std::fs::write(
        png.path(),
        bestpick_app::media::generated_picture(640, 400, 11),
    )
    .unwrap();
    c.find(Locator::Css("#f-image_file"))
        .await
        .unwrap()
        .send_keys(&png.path().display().to_string())
        .await
        .unwrap();
    fill(&c, "#f-image_alt", "A notebook of poems").await;
    click(&c, "button[value=upload]").await;
    let mut status = String::new();
    for _ in 0..50 {
        status = text_of(&c, ".upload-status").await;
        if !status.is_empty() && !status.starts_with("Uploading") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        status,
        "Uploaded “A notebook of poems”: it is the cover now."
    );
    let media = app.site.store.media_list(5).await.unwrap();
    let checked = c
        .find(Locator::Css("input[name=cover]:checked"))
        .await
        .unwrap();
    assert_eq!(
        checked.attr("value").await.unwrap(),
        Some(media[0].id.to_string())
    );
    let summary = c.find(Locator::Css("#f-summary")).await.unwrap();
    assert_eq!(
        summary.prop("value").await.unwrap().as_deref(),
        Some("Typed before the upload.")
    );

    // Saved without a title or a year: the server's summary names both, with links.
    click(&c, ".buttons button[value=save]").await;
    let errors = text_of(&c, "#form-errors").await;
    // From the top of the form down.
    let at = |label: &str| {
        errors
            .find(label)
            .unwrap_or_else(|| panic!("no {label}: {errors}"))
    };
    assert!(errors.contains("Please fix 3 problems"), "{errors}");
    assert!(at("Title: is missing") < at("Title of the work: is missing"));
    assert!(at("Title of the work: is missing") < at("Year: is missing"));
    let focused = c
        .execute("return document.activeElement.id;", vec![])
        .await
        .unwrap();
    assert_eq!(focused, "form-errors", "the summary has the focus");
    click(&c, "#form-errors a[href='#f-title']").await;
    let focused = c
        .execute("return document.activeElement.id;", vec![])
        .await
        .unwrap();
    assert_eq!(focused, "f-title", "the link leads to the field");
    let cover = c
        .find(Locator::Css("input[name=cover]:checked"))
        .await
        .unwrap();
    assert_eq!(
        cover.attr("value").await.unwrap(),
        Some(media[0].id.to_string()),
        "the uploaded cover is still chosen"
    );

    // A phone: the editor and the posts list without sideways scrolling.
    let shots = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    for (page, name) in [
        ("/admin/posts/new?kind=pick", "editor"),
        ("/admin/posts", "posts"),
        ("/admin/media", "images"),
    ] {
        for (size, width, height) in [("phone", 390, 844), ("desktop", 1366, 900)] {
            c.set_window_size(width, height).await.unwrap();
            c.goto(&app.url(page)).await.unwrap();
            tokio::time::sleep(Duration::from_millis(200)).await;
            assert!(
                !scrolls_sideways(&c).await,
                "{page} scrolls sideways at {width} px"
            );
            let png = c.screenshot().await.unwrap();
            std::fs::write(shots.join(format!("admin-{name}-{size}.png")), png).unwrap();
        }
    }
    c.close().await.unwrap();
}

/// A draft is saved by itself while it is written: the first save makes
/// the post and the page becomes its editor; a form set to "Published" is
/// still saved as a draft; pressing Save after that updates the same post.
#[tokio::test]
async fn a_draft_is_autosaved_while_it_is_written_in_chromium() {
    let Some(driver) = start_chromedriver() else {
        crate::helpers::skip("chromedriver is not installed (apt-get install chromium chromium-driver, as .ci/run does)");
        return;
    };
    let app = TestApp::spawn().await;
    let c = connect(&driver).await;
    log_in_as_chief(&c, &app).await;
    c.goto(&app.url("/admin/posts/new?kind=essay"))
        .await
        .unwrap();
    fill(&c, "#f-title", "Written while the site keeps it").await;
    fill(&c, "#f-body", "A first paragraph.").await;
    c.find(Locator::Css("#f-status"))
        .await
        .unwrap()
        .select_by_value("published")
        .await
        .unwrap();
    let mut note = String::new();
    for _ in 0..100 {
        note = text_of(&c, "#autosave").await;
        if !note.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(note.starts_with("Draft saved at "), "{note}");
    let id = app
        .site
        .store
        .post_id_by_slug("written-while-the-site-keeps-it")
        .await
        .unwrap()
        .expect("the draft is stored");
    let url = c.current_url().await.unwrap();
    assert!(url.path().ends_with(&format!("/admin/posts/{id}")), "{url}");
    let post = app.site.store.post(id).await.unwrap().unwrap();
    assert_eq!(
        post.card.status.as_str(),
        "draft",
        "autosave never publishes"
    );
    // Save: the same post, now as the form says.
    fill(&c, "#f-body", "A first paragraph, finished.").await;
    click(&c, ".buttons button[value=save]").await;
    let notice = text_of(&c, "#notice").await;
    assert!(notice.starts_with("Published."), "{notice}");
    let (count, _) = app
        .site
        .store
        .list_posts(&bestpick_store::PostFilter {
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(count.len(), 1, "one post, saved twice");
    c.close().await.unwrap();
}
