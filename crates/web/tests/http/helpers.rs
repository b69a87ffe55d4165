use bestpick_app::{accounts, import, Site};
use bestpick_core::user::Role;
use bestpick_store::scratch::Scratch;
use bestpick_store::Clock;
use reqwest::redirect::Policy;
use std::path::Path;
use std::sync::Arc;

pub const PASSWORD: &str = "correct horse battery";

/// A running site on a random port with its own data folder.
pub struct TestApp {
    pub base: String,
    pub site: Site,
    /// A client that keeps cookies and does not follow redirects, so tests
    /// see each 303 and 301.
    pub client: reqwest::Client,
    /// The data folder, shared with [`TestApp::another_instance`]s.
    pub dir: Arc<tempfile::TempDir>,
    pub pages: std::sync::Arc<bestpick_web::PageCache>,
    /// What the running site's handlers share: for its route table and its
    /// CSP report count.
    pub state: bestpick_web::AppState,
    /// The site's database, dropped last (on PostgreSQL, with the test).
    pub db: Scratch,
}

/// A site in `dir` on the engine the suite runs on: SQLite in the folder,
/// or a database of its own on PostgreSQL when `BESTPICK_TEST_POSTGRES` is
/// set. Its clock is the system's, which a test may move ahead.
pub async fn open_site(dir: &Path) -> (Site, Scratch) {
    open_site_on(dir, Clock::adjustable()).await
}

/// [`open_site`] on `clock`.
pub async fn open_site_on(dir: &Path, clock: Clock) -> (Site, Scratch) {
    let db = Scratch::new(dir).await.expect("a test database");
    let site = Site::open_at(dir, db.location(), clock).await.unwrap();
    (site, db)
}

impl TestApp {
    /// A site with the sections best-pick, essays and news and an admin
    /// called "editor-in-chief", as a fresh install after setup.
    pub async fn spawn() -> TestApp {
        Self::spawn_with(bestpick_web::Options::default()).await
    }

    /// [`TestApp::spawn`] with these options (a small page cache, say).
    pub async fn spawn_with(options: bestpick_web::Options) -> TestApp {
        Self::spawn_on(options, Clock::adjustable()).await
    }

    /// [`TestApp::spawn_with`] on `clock` (a fixed one, where timing matters).
    pub async fn spawn_on(options: bestpick_web::Options, clock: Clock) -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let (site, db) = open_site_on(dir.path(), clock).await;
        for (slug, name) in [
            ("best-pick", "Best Pick"),
            ("essays", "Essays"),
            ("news", "News"),
        ] {
            site.store.create_section(slug, name, "").await.unwrap();
        }
        accounts::add_user(&site, "chief", "Editor in Chief", Role::Admin, PASSWORD)
            .await
            .unwrap();
        Self::serve_with(Arc::new(dir), site, db, options).await
    }

    /// [`TestApp::spawn`] with Heat published by the admin, the authors
    /// "ann" and "bob" and the editor "ed" (all with [`PASSWORD`]).
    pub async fn spawn_with_team() -> TestApp {
        let app = Self::spawn().await;
        add_team(&app).await;
        app
    }

    /// [`TestApp::spawn`] behind a reverse proxy on this machine that the
    /// operator trusts (`--trusted-proxy 127.0.0.1`).
    pub async fn spawn_behind_proxy() -> TestApp {
        Self::spawn_with(bestpick_web::Options {
            trusted_proxies: vec![bestpick_web::parse_proxy("127.0.0.1").unwrap()],
            ..Default::default()
        })
        .await
    }

    /// A site whose data folder already holds these theme files (path
    /// under `theme/`, content), as an operator's customised theme.
    pub async fn spawn_with_theme(files: &[(&str, &str)]) -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        for (path, content) in files {
            let path = dir.path().join("theme").join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, content).unwrap();
        }
        let (site, db) = open_site(dir.path()).await;
        accounts::add_user(&site, "chief", "Editor in Chief", Role::Admin, PASSWORD)
            .await
            .unwrap();
        Self::serve(dir, site, db).await
    }

    /// A site with nothing in it: no admin yet.
    pub async fn spawn_empty() -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let (site, db) = open_site(dir.path()).await;
        Self::serve(dir, site, db).await
    }

    async fn serve(dir: tempfile::TempDir, site: Site, db: Scratch) -> TestApp {
        let dir = Arc::new(dir);
        Self::serve_with(dir, site, db, bestpick_web::Options::default()).await
    }

    /// Another instance of this site, as a second `bestpick serve` behind
    /// the same load balancer would be: its own server, memory and page
    /// cache, on the same database and data folder, and a clock in step.
    pub async fn another_instance(&self) -> TestApp {
        let clock = self.site.store.clock().clone();
        let site = Site::open_at(self.data_dir(), self.db.location(), clock)
            .await
            .unwrap();
        let db = self.db.borrowed();
        Self::serve_with(self.dir.clone(), site, db, bestpick_web::Options::default()).await
    }

    async fn serve_with(
        dir: Arc<tempfile::TempDir>,
        site: Site,
        db: Scratch,
        options: bestpick_web::Options,
    ) -> TestApp {
        let app = bestpick_web::Application::build(site.clone(), "127.0.0.1:0", &options)
            .await
            .unwrap();
        let base = format!("http://127.0.0.1:{}", app.port());
        let pages = app.page_cache();
        let state = app.state();
        tokio::spawn(app.run_until(std::future::pending()));
        TestApp {
            base,
            site,
            client: client(),
            dir,
            pages,
            state,
            db,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    pub async fn get_text(&self, path: &str) -> (u16, String) {
        let r = self.get(path).await;
        (r.status().as_u16(), r.text().await.unwrap())
    }

    /// Imports a content document as the admin.
    pub async fn import(&self, text: &str) {
        let admin = self.site.store.first_admin().await.unwrap().unwrap();
        import::import_text(
            &self.site,
            text,
            bestpick_app::posts::CoverSource::None,
            &admin,
        )
        .await
        .unwrap_or_else(|e| panic!("import failed: {e:?}"));
    }

    /// Posts a form to `path` with the CSRF token of the page at `form_page`.
    pub async fn post_form(
        &self,
        form_page: &str,
        path: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        self.post_form_with(&self.client, form_page, path, fields)
            .await
    }

    /// [`TestApp::post_form`] as another browser (its own cookies).
    pub async fn post_form_with(
        &self,
        client: &reqwest::Client,
        form_page: &str,
        path: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        let page = client.get(self.url(form_page)).send().await.unwrap();
        let status = page.status();
        let html = page.text().await.unwrap();
        assert_eq!(status, 200, "{form_page} should load:\n{html}");
        let mut csrf =
            hidden_value(&html, "csrf").unwrap_or_else(|| panic!("no csrf field on {form_page}"));
        if csrf.is_empty() {
            // A shared post page: its script would fetch the reader's token.
            let post_id = hidden_value(&html, "post_id").unwrap();
            let me = self.form_details(client, &post_id).await;
            csrf = me["csrf"].as_str().unwrap().to_owned();
        }
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        client.post(self.url(path)).form(&all).send().await.unwrap()
    }

    /// A page's text as another browser sees it.
    pub async fn text_with(&self, client: &reqwest::Client, path: &str) -> String {
        client
            .get(self.url(path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// The CSRF token in the first form of a page.
    pub async fn csrf(&self, page: &str) -> String {
        let (status, html) = self.get_text(page).await;
        assert_eq!(status, 200, "{page} should load:\n{html}");
        hidden_value(&html, "csrf").unwrap_or_else(|| panic!("no csrf field on {page}"))
    }

    /// A browser of its own logged in as `username` (with [`PASSWORD`]).
    pub async fn logged_in(&self, username: &str) -> reqwest::Client {
        let c = client();
        let r = self
            .post_form_with(
                &c,
                "/admin/login",
                "/admin/login",
                &[("username", username), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(r.status(), 303, "{username} logs in");
        c
    }

    pub async fn login(&self, username: &str, password: &str) -> reqwest::Response {
        self.post_form(
            "/admin/login",
            "/admin/login",
            &[
                ("username", username),
                ("password", password),
                ("next", "/admin/posts"),
            ],
        )
        .await
    }

    pub async fn login_admin(&self) {
        let r = self.login("chief", PASSWORD).await;
        assert_eq!(r.status(), 303, "login should redirect");
    }

    pub fn data_dir(&self) -> &Path {
        self.dir.path()
    }
}

/// A login form from a new browser of its own, with the CSRF token its
/// login page gave it, ready to send to the site at `base`: tests add
/// headers (a forwarded address, https) first.
pub async fn login_request(base: &str, fields: &[(&str, &str)]) -> reqwest::RequestBuilder {
    let c = client();
    let url = format!("{base}/admin/login");
    let page = c.get(&url).send().await.unwrap().text().await.unwrap();
    let csrf = hidden_value(&page, "csrf").expect("the login page has a csrf field");
    let mut form = vec![("csrf", csrf.as_str())];
    form.extend_from_slice(fields);
    c.post(&url).form(&form)
}

/// Heat published by the admin; the authors Ann and Bob and the editor Ed.
pub async fn add_team(app: &TestApp) {
    app.import(HEAT).await;
    for (name, role) in [
        ("ann", Role::Author),
        ("bob", Role::Author),
        ("ed", Role::Editor),
    ] {
        accounts::add_user(&app.site, name, name, role, PASSWORD)
            .await
            .unwrap();
    }
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .build()
        .unwrap()
}

/// The value of `<input type="hidden" name=NAME value="...">`.
pub fn hidden_value(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')?;
    Some(html[start..start + end].to_owned())
}

/// A full pick in the content format, with every structured field.
pub const HEAT: &str = r#"+++
title = "Heat: two professionals, one city"
slug = "heat"
kind = "pick"
section = "best-pick"
date = 2020-05-04
tags = ["crime", "los-angeles"]
summary = "A long, patient crime film about two men who are very good at their jobs."
question = "Whose side were you on by the end?"

[work]
kind = "movie"
name = "Heat"
year = 1995
directors = ["Michael Mann"]
writers = ["Michael Mann"]
cast = [{ name = "Al Pacino", role = "Vincent Hanna" }, { name = "Robert De Niro", role = "Neil McCauley" }]
genres = ["Crime", "Thriller"]
runtime_minutes = 170
countries = ["United States"]
languages = ["English"]
box_office_usd = 187_400_000
budget_usd = 60_000_000
awards = "No Oscar nominations, many admirers"
imdb_id = "tt0113277"

[[scores]]
source = "metacritic"
value = 76

[[scores]]
source = "imdb"
value = 8.3

[[critics]]
outlet = "The Test Gazette"
critic = "A. Critic"
quote = "Every scene earns its length."
link = "https://example.org/heat"

[[lines]]
speaker = "Neil McCauley"
text = "A line we wrote for this test."
context = "In the diner"
+++
An introduction about **Heat**.

## Plot
The robbery goes wrong, which we fold away.
"#;

impl TestApp {
    /// Stores site settings, as the admin's settings form would.
    pub async fn set_settings(&self, pairs: &[(&str, &str)]) {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        self.site.store.set_settings(&pairs).await.unwrap();
    }

    /// Comment settings that let a test post at once and often, and
    /// publish all but clear spam (the filter's own thresholds are tested
    /// in the spam crate and the spam-folder test).
    pub async fn relax_comment_limits(&self) {
        self.set_settings(&[
            ("comments.hold_at", "0.9"),
            ("comments.spam_at", "0.97"),
            ("comments.min_seconds", "0"),
            ("comments.per_ip", "100000"),
            ("comments.per_network", "100000"),
            ("comments.per_post", "100000"),
        ])
        .await;
    }

    /// Loads a post page as a reader and sends its comment form with these
    /// fields (on top of the form's own hidden ones).
    pub async fn comment(&self, post_path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.comment_with(&self.client, post_path, fields).await
    }

    pub async fn comment_with(
        &self,
        client: &reqwest::Client,
        post_path: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut all = self.hidden_fields(client, post_path).await;
        for (k, v) in fields {
            all.retain(|(name, _)| name != k);
            all.push((k, v.to_string()));
        }
        client
            .post(self.url("/comments"))
            .form(&all)
            .send()
            .await
            .unwrap()
    }

    /// The comment form's hidden fields (csrf, stamp, post_id) as a
    /// browser has them once comments.js has filled them in.
    pub async fn hidden_fields(
        &self,
        client: &reqwest::Client,
        post_path: &str,
    ) -> Vec<(&'static str, String)> {
        let html = self.text_with(client, post_path).await;
        let post_id = hidden_value(&html, "post_id")
            .unwrap_or_else(|| panic!("no comment form on {post_path}:\n{html}"));
        let me = self.form_details(client, &post_id).await;
        vec![
            ("csrf", me["csrf"].as_str().unwrap().to_owned()),
            ("stamp", me["stamp"].as_str().unwrap().to_owned()),
            ("post_id", post_id),
        ]
    }

    /// What comments.js fetches for a post's comment form: the reader's
    /// token, time stamp, name when logged in, and editable comments.
    pub async fn form_details(&self, client: &reqwest::Client, post_id: &str) -> serde_json::Value {
        let r = client
            .get(self.url(&format!("/comments/form/{post_id}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["cache-control"], "private, no-store");
        r.json().await.unwrap()
    }

    /// A moderator's action (approve, spam, trash, ...) on one comment,
    /// sent from the queue of `status` as the moderation page does.
    pub async fn moderate(&self, id: i64, action: &str, status: &str) -> reqwest::Response {
        self.post_form(
            &format!("/admin/comments?status={status}"),
            "/admin/comments",
            &[
                ("ids", &id.to_string()),
                ("action", action),
                ("status", status),
            ],
        )
        .await
    }

    /// How many comments the database holds, whatever their status.
    pub async fn stored_comments(&self) -> i64 {
        let c = self.site.store.comment_counts(None).await.unwrap();
        c.pending + c.published + c.spam + c.trash
    }

    /// Moves the site's clock `secs` ahead, as if that much time had passed.
    pub fn advance_clock(&self, secs: i64) {
        self.site.store.clock().advance(secs);
    }
}

/// The `undo=` press named in a moderation redirect.
pub fn press(r: &reqwest::Response) -> String {
    let at = r.headers()["location"].to_str().unwrap();
    let (_, rest) = at.split_once("undo=").expect("the notice offers Undo");
    rest.split('&').next().unwrap().to_owned()
}

/// A test whose real part is missing (chromedriver, `../shared`) says so
/// and passes, outside CI; with `CI` set (where `.ci/run` installs and
/// provides everything) it fails instead of passing without running.
pub fn skip(reason: &str) {
    if std::env::var_os("CI").is_some() {
        panic!("CI is set, so this test may not be skipped: {reason}");
    }
    eprintln!("SKIPPED: {reason}");
}
