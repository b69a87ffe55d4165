//! The permission matrix: every route of the router (from its own route
//! table, so a new route cannot be forgotten) × anonymous, author, editor
//! and admin × with and without the CSRF token (for the API: the bearer
//! token), each answer checked against one table. Another author's draft
//! and scheduled post are the targets, and no answer to an author or an
//! anonymous reader may show a word of them.

use crate::helpers::{client, hidden_value, TestApp, PASSWORD};
use bestpick_app::accounts;
use std::collections::BTreeMap;

const DRAFT: &str = "Embargoed draft title";
const DRAFT_WORK: &str = "Unannounced Film";
const SCHEDULED: &str = "Scheduled surprise title";

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Who {
    Anonymous,
    Author,
    Editor,
    Admin,
}

const EVERYONE: [Who; 4] = [Who::Anonymous, Who::Author, Who::Editor, Who::Admin];

/// What an answer means, from its status (and where a redirect goes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Answer {
    /// 2xx, or a redirect that is not to the login page.
    Done,
    /// A redirect to the login page.
    Login,
    /// 401: the API without a token.
    Unauthorised,
    /// 403 for want of a CSRF token.
    NoCsrf,
    /// 403: signed in, but not allowed.
    Forbidden,
    /// 404: missing, or hidden as if missing.
    Missing,
    /// 400 or 422: allowed, but the request is not valid (the post
    /// form sent empty, a comment on a draft).
    Invalid,
}
use Answer::*;

/// Who may do what, as a rule per route: the expected answer of each
/// caller with the token (`.0`) and without it (`.1`).
type Cell = (Answer, Answer);

/// The one table. Each route's answers for anonymous, author, editor and
/// admin. Targets: `{id}`/`{slug}` of a post is another author's draft,
/// `{section}` best-pick, a comment a published one on a published post.
fn expected(method: &str, path: &str) -> Option<[Cell; 4]> {
    // Shorthands for the common rules.
    let anyone = [(Done, Done); 4];
    // A page or action for staff only, any role.
    let staff_page = [(Login, Login), (Done, Done), (Done, Done), (Done, Done)];
    let staff_form = [
        (Login, Login),
        (Done, NoCsrf),
        (Done, NoCsrf),
        (Done, NoCsrf),
    ];
    // For editors and admins: another author's post, the site-wide
    // comment settings, sections.
    let editor_page = [
        (Login, Login),
        (Forbidden, Forbidden),
        (Done, Done),
        (Done, Done),
    ];
    let admin_page = [
        (Login, Login),
        (Forbidden, Forbidden),
        (Forbidden, Forbidden),
        (Done, Done),
    ];
    let admin_form = [
        (Login, Login),
        (Forbidden, NoCsrf),
        (Forbidden, NoCsrf),
        (Done, NoCsrf),
    ];
    let editor_form = [
        (Login, Login),
        (Forbidden, NoCsrf),
        (Done, NoCsrf),
        (Done, NoCsrf),
    ];
    let hidden_draft = [
        (Missing, Missing),
        (Missing, Missing),
        (Done, Done),
        (Done, Done),
    ];
    // The API: reading is anonymous; writing takes a token.
    let api_read = [(Done, Done); 4];
    let api_draft_read = [(Missing, Missing); 4];
    let api_editor_write = [
        (Unauthorised, Unauthorised),
        (Forbidden, Unauthorised),
        (Done, Unauthorised),
        (Done, Unauthorised),
    ];
    Some(match (method, path) {
        // Public pages and files.
        ("GET", "/") => anyone,
        ("GET", "/{section}") => anyone,
        ("GET", "/{section}/") => anyone,
        ("GET", "/tag/{slug}") => anyone,
        // Search finds what readers may see, for anyone (the draft for no one).
        ("GET", "/search") => anyone,
        ("GET", "/search/suggest") => anyone,
        ("GET", "/works") => anyone,
        ("GET", "/api/v1/search") => api_read,
        // Bob has published nothing: his page is as missing as his drafts.
        ("GET", "/author/{username}") => [(Missing, Missing); 4],
        ("GET", "/static/{file}") => anyone,
        ("GET", "/media/{file}") => [(Missing, Missing); 4],
        // A draft's film data is for no one on the site until published.
        ("GET", "/work/{slug}") => [(Missing, Missing); 4],
        ("GET", "/person/{slug}") => [(Missing, Missing); 4],
        ("GET", "/{section}/{slug}") => hidden_draft,
        // Guess! takes answers and shows results; best-pick is no game.
        ("POST", "/{section}") => [(Missing, Missing); 4],
        ("GET", "/{section}/result/{token}") => [(Missing, Missing); 4],
        // Feeds, the sitemap and robots.txt: for anyone; none names the
        // draft, its author (Bob, who published nothing) or its work.
        ("GET", "/atom.xml" | "/rss.xml" | "/sitemap.xml" | "/robots.txt") => anyone,
        ("GET", "/{section}/atom.xml" | "/{section}/rss.xml") => anyone,
        ("GET", "/tag/{slug}/atom.xml" | "/tag/{slug}/rss.xml") => anyone,
        ("GET", "/author/{username}/atom.xml" | "/author/{username}/rss.xml") => {
            [(Missing, Missing); 4]
        }
        ("GET", "/work/{slug}/atom.xml" | "/work/{slug}/rss.xml") => [(Missing, Missing); 4],
        // A share image is drawn for published posts alone.
        ("GET", "/cards/{slug}") => [(Missing, Missing); 4],
        // Bob, who published nothing, has no fediverse picture.
        ("GET", "/cards/actors/{username}" | "/cards/actors/{username}/header") => {
            [(Missing, Missing); 4]
        }
        // A sitemap small enough for one file has no parts.
        ("GET", "/sitemap/{file}") => [(Missing, Missing); 4],
        // WordPress's feed addresses: moved to ours.
        ("GET", "/feed" | "/feed/" | "/feed/atom/" | "/{section}/feed/") => anyone,
        ("GET", "/tag/{slug}/feed/" | "/author/{username}/feed/") => anyone,
        ("POST", "/csp-report") => anyone,
        // Readers' comments: the form's details and the comment pages
        // are for everyone who may see the post (the draft: its editors).
        ("GET", "/comments/form/{post}") => hidden_draft,
        ("GET", "/comments/{id}") => anyone,
        // A comment is edited or deleted only by whoever wrote it (its
        // edit cookie or account): nobody here. Its edit page says so.
        ("GET", "/comments/{id}/edit") => anyone,
        ("POST", "/comments/{id}/edit") => [(Forbidden, NoCsrf); 4],
        ("POST", "/comments/{id}/delete") => [(Forbidden, NoCsrf); 4],
        // A comment on the draft: no such post for those who may not see
        // it; refused (drafts take no comments) for those who may.
        ("POST", "/comments") => [
            (Missing, Missing),
            (Missing, Missing),
            (Invalid, Invalid),
            (Invalid, Invalid),
        ],
        // Logging in and setup.
        ("GET", "/admin/login") => anyone,
        ("POST", "/admin/login") => [(Unauthorised, NoCsrf); 4],
        // Logged out, back to the login page.
        ("POST", "/admin/logout") => [
            (Login, Login),
            (Login, NoCsrf),
            (Login, NoCsrf),
            (Login, NoCsrf),
        ],
        // A site that is set up sends everyone to the login page instead.
        ("GET", "/setup") => [(Login, Login); 4],
        ("POST", "/setup") => [(Login, NoCsrf); 4],
        // The editor.
        ("GET", "/admin") => [(Done, Done); 4],
        ("GET", "/admin/posts") => staff_page,
        ("GET", "/admin/posts/new") => staff_page,
        ("POST", "/admin/posts/new") => [
            (Login, Login),
            (Invalid, NoCsrf),
            (Invalid, NoCsrf),
            (Invalid, NoCsrf),
        ],
        ("GET", "/admin/posts/{id}") => editor_page,
        ("POST", "/admin/posts/{id}") => [
            (Login, Login),
            (Forbidden, NoCsrf),
            (Invalid, NoCsrf),
            (Invalid, NoCsrf),
        ],
        ("POST", "/admin/posts/{id}/status") => editor_form,
        ("POST", "/admin/posts/{id}/delete") => editor_form,
        ("POST", "/admin/posts/{id}/comments") => editor_form,
        ("POST", "/admin/preview") => staff_form,
        ("GET", "/admin/works/sharing") => staff_page,
        ("GET", "/admin/media") => staff_page,
        ("POST", "/admin/media") => staff_form,
        // An image no post uses: editors and admins delete it.
        ("POST", "/admin/media/{id}/delete") => editor_form,
        // Moderation: authors only on their own posts' comments (the
        // comment here is on the admin's post).
        ("GET", "/admin/comments") => staff_page,
        ("POST", "/admin/comments") => editor_form,
        ("POST", "/admin/comments/{id}/block") => editor_form,
        // Undo takes back only the caller's own press: nobody's here.
        ("POST", "/admin/comments/undo") => [
            (Login, Login),
            (Invalid, NoCsrf),
            (Invalid, NoCsrf),
            (Invalid, NoCsrf),
        ],
        ("GET", "/admin/comments/settings") => editor_page,
        ("POST", "/admin/comments/settings") => editor_form,
        ("POST", "/admin/comments/blocklist") => editor_form,
        ("GET", "/admin/comments/privacy") => editor_page,
        ("POST", "/admin/comments/privacy") => editor_form,
        ("GET", "/admin/sections") => editor_page,
        ("POST", "/admin/sections") => editor_form,
        ("POST", "/admin/sections/{id}") => editor_form,
        ("POST", "/admin/sections/{id}/move") => editor_form,
        ("POST", "/admin/sections/{id}/retire") => editor_form,
        ("POST", "/admin/sections/{id}/comments") => editor_form,
        ("POST", "/admin/sections/{id}/menu") => editor_form,
        ("POST", "/admin/posts/{id}/ratings") => editor_form,
        // A rating sent from a page that is not this site's (this client
        // says nothing of where it comes from) is refused before anything.
        ("POST", "/ratings") => [(Forbidden, Forbidden); 4],
        // Mail links carry a token signed for the one address or comment
        // they are about; without it, nothing is done, for anyone.
        ("GET" | "POST", "/mail/unsubscribe") => [(Invalid, Invalid); 4],
        ("GET" | "POST", "/newsletter/confirm") => [(Invalid, Invalid); 4],
        // The fediverse: WebFinger asks which account (none given here);
        // Bob, who published nothing, is no actor; the draft is no object.
        ("GET", "/.well-known/webfinger") => [(Invalid, Invalid); 4],
        ("GET", "/.well-known/nodeinfo" | "/nodeinfo/2.1") => anyone,
        ("GET", "/ap/site" | "/ap/site/outbox" | "/ap/site/followers") => anyone,
        (
            "GET",
            "/ap/users/{username}"
            | "/ap/users/{username}/outbox"
            | "/ap/users/{username}/followers",
        ) => [(Missing, Missing); 4],
        ("GET", "/ap/posts/{id}") => [(Missing, Missing); 4],
        // Inboxes take signed activities alone, whoever asks.
        ("POST", "/ap/inbox" | "/ap/site/inbox" | "/ap/users/{username}/inbox") => {
            [(Unauthorised, Unauthorised); 4]
        }
        ("GET", "/admin/federation") => admin_page,
        (
            "POST",
            "/admin/federation/followers/remove"
            | "/admin/federation/blocks/remove"
            | "/admin/federation/keys",
        ) => admin_form,
        // Blocking nothing is refused with why.
        ("POST", "/admin/federation/blocks") => [
            (Login, Login),
            (Forbidden, NoCsrf),
            (Forbidden, NoCsrf),
            (Invalid, NoCsrf),
        ],
        ("GET", "/api/v1/federation") => [
            (Unauthorised, Unauthorised),
            (Forbidden, Unauthorised),
            (Forbidden, Unauthorised),
            (Done, Unauthorised),
        ],
        // Subscribing is from the site's own form, as rating is.
        ("POST", "/newsletter") => [(Forbidden, Forbidden); 4],
        ("GET", "/admin/users") => admin_page,
        ("GET", "/admin/subscribers" | "/admin/subscribers.csv") => admin_page,
        ("POST", "/admin/users") => admin_form,
        // The API.
        ("GET", "/api/v1/posts") => api_read,
        ("POST", "/api/v1/posts") => api_editor_write,
        ("GET", "/api/v1/posts/{slug}") => api_draft_read,
        ("PUT", "/api/v1/posts/{slug}") => api_editor_write,
        ("GET", "/api/v1/works") => api_read,
        ("POST", "/api/v1/works") => api_editor_write,
        ("GET", "/api/v1/works/{slug}") => api_draft_read,
        ("GET", "/api/v1/people") => api_read,
        ("POST", "/api/v1/people") => api_editor_write,
        ("GET", "/api/v1/people/{slug}") => api_draft_read,
        ("PUT", "/api/v1/people/{slug}") => api_editor_write,
        ("GET", "/api/v1/sections") => api_read,
        ("POST", "/api/v1/sections") => api_editor_write,
        ("GET", "/api/v1/sections/{slug}") => api_read,
        ("PUT", "/api/v1/sections/{slug}") => api_editor_write,
        _ => return None,
    })
}

/// A site for one caller: Heat published by the admin with a published
/// comment, authors ann (the caller when an author) and bob, bob's draft
/// pick (with a film of its own) and scheduled essay, an editor ed.
struct Fixture {
    app: TestApp,
    /// What the post routes act on: bob's draft, or his scheduled essay.
    target_id: i64,
    target_slug: &'static str,
    comment_id: i64,
    /// News, the section the section routes act on, and Best Pick.
    section_id: i64,
    best_pick_id: i64,
    /// An uploaded image no post uses.
    media_id: i64,
}

async fn fixture(scheduled: bool) -> Fixture {
    let app = TestApp::spawn_with_team().await;
    app.import(&format!(
        "+++\ntitle = \"{DRAFT}\"\nslug = \"secret-pick\"\nsection = \"best-pick\"\nstatus = \"draft\"\n\
         authors = [\"bob\"]\ntags = [\"crime\"]\n[work]\nkind = \"movie\"\nname = \"{DRAFT_WORK}\"\nyear = 2026\n\
         cast = [{{ name = \"Secret Actor\", role = \"Lead\" }}]\n+++\n{DRAFT}: the body.\n"
    ))
    .await;
    app.import(&format!(
        "+++\ntitle = \"{SCHEDULED}\"\nslug = \"coming-soon\"\nsection = \"best-pick\"\nkind = \"essay\"\n\
         date = 2099-01-01\nauthors = [\"bob\"]\ntags = [\"crime\"]\n+++\n{SCHEDULED}: the body.\n"
    ))
    .await;
    let store = &app.site.store;
    let target_slug = if scheduled {
        "coming-soon"
    } else {
        "secret-pick"
    };
    let target_id = store.post_id_by_slug(target_slug).await.unwrap().unwrap();
    let heat = store.post_id_by_slug("heat").await.unwrap().unwrap();
    app.relax_comment_limits().await;
    let r = app
        .comment(
            "/best-pick/heat",
            &[
                ("name", "Reader"),
                ("email", "reader@example.com"),
                ("body", "The diner scene is the best scene of the decade."),
            ],
        )
        .await;
    assert_eq!(r.status(), 303, "the fixture's comment is accepted");
    let comment_id = store.published_comments(heat).await.unwrap()[0].id;
    let section_id = store.section_by_slug("news").await.unwrap().unwrap().id;
    let best_pick_id = store
        .section_by_slug("best-pick")
        .await
        .unwrap()
        .unwrap()
        .id;
    let media = bestpick_app::media::upload(
        &app.site,
        "file",
        "unused.png".into(),
        bestpick_app::media::generated_picture(40, 30, 2),
        bestpick_app::media::PhotoText {
            alt: "Unused".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .unwrap();
    Fixture {
        app,
        target_id,
        target_slug,
        comment_id,
        section_id,
        best_pick_id,
        media_id: media.id,
    }
}

impl Fixture {
    /// The route's path with its parameters filled in with the targets.
    fn concrete(&self, path: &str) -> String {
        let p = if path.starts_with("/admin/comments/") || path.starts_with("/comments/{id}") {
            path.replace("{id}", &self.comment_id.to_string())
        } else if path.starts_with("/admin/sections/") {
            path.replace("{id}", &self.section_id.to_string())
        } else if path.starts_with("/admin/media/") {
            path.replace("{id}", &self.media_id.to_string())
        } else {
            path.replace("{id}", &self.target_id.to_string())
        };
        let slug = if p.starts_with("/work/") || p.starts_with("/api/v1/works/") {
            "unannounced-film-2026"
        } else if p.starts_with("/person/") || p.starts_with("/api/v1/people/") {
            "secret-actor"
        } else if p.starts_with("/tag/") {
            "crime"
        } else if p.starts_with("/api/v1/sections/") {
            "news"
        } else {
            self.target_slug
        };
        p.replace("{post}", &self.target_id.to_string())
            .replace("{slug}", slug)
            .replace("{section}", "best-pick")
            .replace("{token}", "0123456789abcdef")
            .replace("{username}", "bob")
            .replace(
                "{file}",
                if p.starts_with("/static/") {
                    "style.css"
                } else {
                    "none.png"
                },
            )
    }

    /// A well-formed form for the route, so that the answer is about who
    /// sent it, not what: whoever may send it gets it done (or, where a
    /// form must be filled in, a validation error).
    fn form(&self, path: &str) -> Vec<(&'static str, String)> {
        let v = |pairs: &[(&'static str, &str)]| {
            pairs
                .iter()
                .map(|(k, v)| (*k, v.to_string()))
                .collect::<Vec<_>>()
        };
        match path {
            "/admin/login" => v(&[("username", "nobody"), ("password", "wrong")]),
            "/setup" => v(&[
                ("site_name", "Taken over"),
                ("username", "mallory"),
                ("display_name", "Mallory"),
                ("password", PASSWORD),
                ("password_again", PASSWORD),
            ]),
            "/admin/comments" => vec![
                ("ids", self.comment_id.to_string()),
                ("action", "approve".into()),
                ("status", "published".into()),
            ],
            "/admin/comments/{id}/block" => v(&[("kind", "email")]),
            "/admin/comments/undo" => v(&[("batch", "0123456789abcdef")]),
            "/admin/comments/settings" => v(&[("comments.min_seconds", "5")]),
            "/admin/comments/blocklist" => v(&[
                ("kind", "email"),
                ("value", "someone@example.com"),
                ("op", "add"),
            ]),
            "/admin/comments/privacy" => v(&[("email", "reader@example.com"), ("op", "export")]),
            "/admin/posts/{id}/status" => v(&[("status", "published")]),
            "/admin/posts/{id}/comments" | "/admin/sections/{id}/comments" => {
                v(&[("comments", "close")])
            }
            "/admin/sections/{id}/menu" => v(&[("menu", "hide")]),
            "/admin/posts/{id}/ratings" => v(&[("op", "hide")]),
            "/ratings" => vec![
                ("post_id", self.target_id.to_string()),
                ("value", "4".into()),
            ],
            "/admin/preview" => v(&[("body", "A *preview*.")]),
            "/admin/sections" => v(&[
                ("name", "Interviews"),
                ("slug", "interviews"),
                ("description", ""),
            ]),
            "/admin/sections/{id}" => v(&[
                ("name", "News"),
                ("slug", "news"),
                ("description", "Changed"),
            ]),
            "/admin/sections/{id}/move" => v(&[("step", "1")]),
            "/admin/sections/{id}/retire" => vec![("into", self.best_pick_id.to_string())],
            "/admin/users" => v(&[
                ("username", "zed"),
                ("display_name", "Zed"),
                ("role", "admin"),
                ("password", PASSWORD),
            ]),
            "/comments" => vec![
                ("post_id", self.target_id.to_string()),
                ("name", "Reader".into()),
                ("email", "reader@example.com".into()),
                ("body", "What a film this will be.".into()),
            ],
            "/comments/{id}/edit" => v(&[("body", "Rewritten by someone else.")]),
            // The editor's post form is long: sent empty, it is refused
            // as invalid once the sender may write it.
            _ => vec![],
        }
    }

    /// A well-formed JSON body for an API write.
    fn json(&self, path: &str) -> serde_json::Value {
        use serde_json::json;
        match path {
            // Published at once, which an author may not do.
            "/api/v1/posts" => json!({
                "title": "Mine", "section": "essays", "kind": "essay", "status": "published", "body": "Mine."
            }),
            "/api/v1/posts/{slug}" => json!({
                "title": "Taken over", "section": "best-pick", "status": "draft", "body": "Mine now."
            }),
            "/api/v1/works" => json!({ "kind": "movie", "name": "Another Film", "year": 2001 }),
            "/api/v1/people" | "/api/v1/people/{slug}" => json!({ "name": "Someone Else" }),
            "/api/v1/sections" => json!({ "slug": "reviews", "name": "Reviews" }),
            "/api/v1/sections/{slug}" => json!({ "name": "News", "description": "Changed" }),
            _ => json!({}),
        }
    }
}

/// A caller's browser: logged in unless anonymous, with the CSRF token
/// its pages carry and an API token of its own.
struct Caller {
    who: Who,
    browser: reqwest::Client,
    csrf: String,
    api_token: Option<String>,
}

async fn caller(f: &Fixture, who: Who) -> Caller {
    let browser = client();
    let app = &f.app;
    let username = match who {
        Who::Anonymous => None,
        Who::Author => Some("ann"),
        Who::Editor => Some("ed"),
        Who::Admin => Some("chief"),
    };
    let login_page = app.text_with(&browser, "/admin/login").await;
    let mut csrf = hidden_value(&login_page, "csrf").unwrap();
    let mut api_token = None;
    if let Some(name) = username {
        let r = browser
            .post(app.url("/admin/login"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("username", name),
                ("password", PASSWORD),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{name} logs in");
        let page = app.text_with(&browser, "/admin/posts/new").await;
        csrf = hidden_value(&page, "csrf").unwrap();
        api_token = Some(
            accounts::create_token(&app.site, &format!("{name}-matrix"), name, None)
                .await
                .unwrap(),
        );
    }
    Caller {
        who,
        browser,
        csrf,
        api_token,
    }
}

/// Sends one route's request, with or without the token, and reads what
/// it answered: a well-formed form or JSON body for the route (the post
/// form goes empty, and is refused as invalid by whoever may send it).
async fn send(
    f: &Fixture,
    c: &Caller,
    method: &str,
    path: &str,
    token: bool,
) -> (Answer, u16, String) {
    let url = f.app.url(&f.concrete(path));
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut req = c.browser.request(method.clone(), &url);
    if path.starts_with("/api/v1/") {
        if let (true, Some(t)) = (token, &c.api_token) {
            req = req.bearer_auth(t);
        }
        if method != reqwest::Method::GET {
            req = req.json(&f.json(path));
        }
    } else if path == "/csp-report" {
        req = req
            .header("content-type", "application/csp-report")
            .body("{}");
    } else if path == "/admin/media" {
        let picture = bestpick_app::media::generated_picture(40, 30, 1);
        let mut form = reqwest::multipart::Form::new()
            .text("alt", "A picture")
            .part(
                "file",
                reqwest::multipart::Part::bytes(picture).file_name("picture.png"),
            );
        if token {
            form = form.text("csrf", c.csrf.clone());
        }
        req = req.multipart(form);
    } else if method == reqwest::Method::POST {
        let mut fields = f.form(path);
        if token {
            fields.push(("csrf", c.csrf.clone()));
        }
        req = req.form(&fields);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    let location = r
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let body = r.text().await.unwrap();
    let answer = match status {
        200..=299 => Done,
        300..=399 if location.starts_with("/admin/login") => Login,
        300..=399 => Done,
        401 => Unauthorised,
        403 if body.contains("CSRF check failed") => NoCsrf,
        403 => Forbidden,
        404 => Missing,
        400 | 422 => Invalid,
        other => panic!("{path}: unexpected {other}:\n{body}"),
    };
    (answer, status, body)
}

/// Routes that end something the rest of the walk needs go last: the
/// draft, a section, a comment, and at the very end the session.
fn ends_something(path: &str) -> u8 {
    match path {
        "/admin/logout" => 2,
        p if p.ends_with("/delete") || p.ends_with("/retire") || p.ends_with("/status") => 1,
        _ => 0,
    }
}

#[tokio::test]
async fn every_route_answers_every_role_as_the_table_says() {
    let mut routes = {
        let f = fixture(false).await;
        bestpick_web::route_table(f.app.state.clone())
    };
    routes.sort_by_key(|r| ends_something(&r.path));
    let missing: Vec<String> = routes
        .iter()
        .filter(|r| expected(r.method.as_str(), &r.path).is_none())
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert!(
        missing.is_empty(),
        "routes with no row in the permission table: {missing:?}"
    );
    let mut wrong = Vec::new();
    let mut tried = 0;
    let mut seen = BTreeMap::new();
    // The post routes on the draft, then on the scheduled post.
    for scheduled in [false, true] {
        for who in EVERYONE {
            // Each caller on a site of its own: what one's actions change
            // (a deleted draft) cannot change another's answers.
            let f = fixture(scheduled).await;
            let c = caller(&f, who).await;
            // Without the token first: those requests must change nothing.
            for token in [false, true] {
                for route in &routes {
                    let (method, path) = (route.method.as_str(), route.path.as_str());
                    let cells = expected(method, path).unwrap();
                    let cell = cells[who as usize];
                    let want = if token { cell.0 } else { cell.1 };
                    let (got, status, body) = send(&f, &c, method, path, token).await;
                    tried += 1;
                    seen.insert(
                        (method.to_owned(), path.to_owned(), who, token, scheduled),
                        got,
                    );
                    if got != want {
                        wrong.push(format!(
                        "{method} {path} as {who:?} {} token on {}: expected {want:?}, got {got:?} ({status})",
                        if token { "with" } else { "without" },
                        f.target_slug,
                    ));
                    }
                    if matches!(c.who, Who::Anonymous | Who::Author) {
                        for secret in [DRAFT, DRAFT_WORK, SCHEDULED, "Secret Actor"] {
                            assert!(
                                !body.contains(secret),
                                "{method} {path} as {who:?} shows {secret:?}:\n{body}"
                            );
                        }
                    }
                }
            }
        }
    }
    eprintln!(
        "permission matrix: {} routes × {} callers × 2 token states × 2 targets = {tried} requests",
        routes.len(),
        EVERYONE.len()
    );
    if !wrong.is_empty() {
        // The whole matrix as observed, to read beside the table.
        let mut observed = String::new();
        for route in &routes {
            observed += &format!("{:<6} {:<36}", route.method.as_str(), route.path);
            for who in EVERYONE {
                let get = |token| {
                    seen[&(
                        route.method.to_string(),
                        route.path.clone(),
                        who,
                        token,
                        false,
                    )]
                };
                observed += &format!(" {who:?}: {:?}/{:?}", get(true), get(false));
            }
            observed += "\n";
        }
        panic!(
            "{} answers differ from the table:\n{}\n\nobserved (with/without token):\n{observed}",
            wrong.len(),
            wrong.join("\n")
        );
    }
}

/// One site for everyone, staff first: what the editor's visits put in
/// the page cache (or anywhere else) never reaches a reader or an author.
#[tokio::test]
async fn what_staff_saw_is_never_served_to_others() {
    let f = fixture(false).await;
    let routes = bestpick_web::route_table(f.app.state.clone());
    let gets: Vec<&str> = routes
        .iter()
        .filter(|r| r.method == axum::http::Method::GET)
        .map(|r| r.path.as_str())
        .collect();
    let (editor, admin) = (caller(&f, Who::Editor).await, caller(&f, Who::Admin).await);
    for path in &gets {
        for staff in [&editor, &admin] {
            send(&f, staff, "GET", path, true).await;
        }
    }
    for who in [Who::Anonymous, Who::Author] {
        let c = caller(&f, who).await;
        for path in &gets {
            let (_, _, body) = send(&f, &c, "GET", path, true).await;
            for secret in [DRAFT, DRAFT_WORK, SCHEDULED, "Secret Actor"] {
                assert!(
                    !body.contains(secret),
                    "GET {path} as {who:?} after staff shows {secret:?}:\n{body}"
                );
            }
        }
    }
}
