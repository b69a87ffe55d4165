//! bestpick's HTTP side: the public pages, the editor at `/admin`, the JSON
//! API at `/api/v1`, and the embedded default theme. Handlers stay thin: they
//! parse the request, call an operation of `bestpick-app`, and render.

mod admin;
mod api;
mod assets;
mod auth;
mod card;
mod client;
mod comments;
mod error;
mod features;
mod federation;
mod feeds;
mod head;
mod mail;
mod origin;
mod page_cache;
mod public;
mod ratings;
mod render;
mod routes;
mod search;
mod security;
mod server;
mod sitemap;
mod state;
mod templates;
mod works;

#[doc(hidden)]
pub use admin::post_form::decode as decode_post_form;
pub use client::parse_proxy;
pub use page_cache::PageCache;
pub use routes::Route;
pub use security::CspReports;
pub use server::Limits;
pub use state::AppState;

/// The newsletter of the newest pick for `to`, ready to send (`bestpick
/// newsletter send-test`), with the pick's title.
pub async fn test_newsletter(
    state: &AppState,
    to: &str,
) -> anyhow::Result<(String, bestpick_store::QueuedMail)> {
    mail::test_newsletter(state, to).await
}

use anyhow::Context;
use axum::middleware::from_fn_with_state;
use axum::Router;
use bestpick_app::Site;
use routes::Routes;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tower::Layer;

/// How a site is served.
#[derive(Clone, Debug)]
pub struct Options {
    /// The most memory the page cache may hold, in bytes.
    pub page_cache_bytes: usize,
    /// Reverse proxies whose `X-Forwarded-For` and `-Proto` are believed.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Connection limits: slow clients, idle ones, how many at once.
    pub limits: server::Limits,
    /// The SMTP server mail goes through; none: no mail is sent, and
    /// neither the reply box nor the newsletter form is offered.
    pub mail: Option<bestpick_app::mail::MailSettings>,
    /// Addresses in one sitemap file: the protocol's 50,000 (a test
    /// lowers it to see the index without 50,000 posts).
    pub sitemap_urls: usize,
    /// Lets federation fetch from and deliver to loopback and private
    /// addresses over plain http: for tests with a peer on this machine.
    pub federation_allow_private: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            page_cache_bytes: 16 << 20,
            trusted_proxies: Vec::new(),
            limits: server::Limits::default(),
            sitemap_urls: 50_000,
            mail: None,
            federation_allow_private: false,
        }
    }
}

/// A bound, ready-to-run site. Binding happens in [`Application::build`], so
/// callers (and tests, with port 0) learn the real address before serving.
pub struct Application {
    listener: TcpListener,
    router: Router,
    state: AppState,
}

impl Application {
    pub async fn build(site: Site, listen: &str, options: &Options) -> anyhow::Result<Application> {
        let listener = TcpListener::bind(listen)
            .await
            .with_context(|| format!("could not listen on {listen}"))?;
        let state = AppState::new(site, options.clone())?;
        Ok(Application {
            listener,
            router: app(state.clone()),
            state,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    pub fn port(&self) -> u16 {
        self.local_addr().port()
    }

    /// The page cache, to see how much it holds.
    pub fn page_cache(&self) -> Arc<PageCache> {
        self.state.pages.clone()
    }

    /// What every handler shares, for tests to look into (reports, counts).
    pub fn state(&self) -> AppState {
        self.state.clone()
    }

    /// Serves until `shutdown` completes, then finishes the requests under way.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        // Scheduled posts need no job: a published post shows once its time
        // has passed, as every listing compares it with the clock. Other
        // processes' writes (a command run while the site is served, other
        // instances on the same PostgreSQL) are followed: their pages change
        // here, and their comments and decisions reach this memory. Related
        // picks an import left to compute are computed meanwhile.
        let mail = match &self.state.options.mail {
            Some(settings) => {
                let mailer = bestpick_app::mail::Mailer::new(settings.clone())?;
                Some(tokio::spawn(mail::run(self.state.clone(), mailer)))
            }
            None => None,
        };
        let federation = tokio::spawn(federation::deliver::run(self.state.clone()));
        let site = self.state.site.clone();
        let follow = tokio::spawn(async move {
            tokio::join!(
                site.store.follow_other_writers(),
                site.follow_other_instances(),
                site.store.relate_in_background()
            )
        });
        // Outside in: who the client is, the security headers, then fresh
        // cached pages answered before routing.
        let site =
            from_fn_with_state(self.state.clone(), page_cache::answer_cached).layer(self.router);
        let site = from_fn_with_state(self.state.clone(), origin::scope).layer(site);
        let site = axum::middleware::from_fn(security::headers).layer(site);
        let site = from_fn_with_state(self.state.clone(), client::identify).layer(site);
        server::serve(self.listener, site, self.state.options.limits, shutdown).await;
        follow.abort();
        federation.abort();
        if let Some(mail) = mail {
            mail.abort();
        }
        self.state.site.store.close().await;
        Ok(())
    }
}

/// Every route of the site, on one state: what `serve` and the tests run.
pub fn app(state: AppState) -> Router {
    site(state.clone()).into_parts().0.with_state(state)
}

/// What [`app`] serves: each method and path, as the router was built.
pub fn route_table(state: AppState) -> Vec<Route> {
    site(state).into_parts().1
}

fn site(state: AppState) -> Routes {
    use axum::extract::DefaultBodyLimit;
    use axum::http::{header::CACHE_CONTROL, HeaderValue};
    use tower_http::set_header::SetResponseHeaderLayer;
    // The editor's pages are one person's: never stored anywhere. Readers'
    // pages come through the page cache, which marks what it keeps public;
    // the rest (a form sent back with errors, a draft's preview, a
    // redirect) may be kept only by the reader's own browser, asking first.
    let admin = admin::router().map(|r| {
        r.layer(SetResponseHeaderLayer::overriding(
            CACHE_CONTROL,
            HeaderValue::from_static("private, no-store"),
        ))
    });
    let cached = from_fn_with_state(state.clone(), page_cache::serve);
    let readers = Routes::new()
        .merge(comments::router())
        .merge(search::router())
        .merge(works::router())
        .merge(ratings::router())
        .merge(mail::router())
        .merge(federation::router())
        .merge(
            feeds::router()
                .merge(sitemap::router())
                .merge(card::router())
                .merge(public::router())
                .map(|r| r.layer(cached)),
        )
        .map(|r| {
            r.layer(SetResponseHeaderLayer::if_not_present(
                CACHE_CONTROL,
                HeaderValue::from_static("private, no-cache"),
            ))
        });
    let pages = Routes::new()
        .merge(admin)
        .merge(assets::router())
        .merge(security::router())
        .merge(readers)
        .map(|r| r.layer(from_fn_with_state(state, error::themed_errors)));
    Routes::new()
        .nest("/api/v1", api::router())
        .merge(pages)
        .map(|r| {
            r.layer(DefaultBodyLimit::max(admin::MAX_BODY_BYTES))
                .layer(tower_http::trace::TraceLayer::new_for_http())
        })
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}
