//! bestpick's HTTP side: the public pages, the editor at `/admin`, the JSON
//! API at `/api/v1`, and the embedded default theme. Handlers stay thin: they
//! parse the request, call an operation of `bestpick-app`, and render.

mod admin;
mod api;
mod assets;
mod auth;
mod client;
mod comments;
mod error;
mod public;
mod render;
mod state;
mod templates;

pub use state::AppState;

use anyhow::Context;
use axum::serve::ListenerExt;
use axum::Router;
use bestpick_app::Site;
use std::future::Future;
use std::net::SocketAddr;
use tokio::net::TcpListener;

/// A bound, ready-to-run site. Binding happens in [`Application::build`], so
/// callers (and tests, with port 0) learn the real address before serving.
pub struct Application {
    listener: TcpListener,
    router: Router,
    state: AppState,
}

impl Application {
    pub async fn build(site: Site, listen: &str) -> anyhow::Result<Application> {
        let listener = TcpListener::bind(listen)
            .await
            .with_context(|| format!("could not listen on {listen}"))?;
        let state = AppState::new(site)?;
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

    /// Serves until `shutdown` completes, then finishes the requests under way.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        // Scheduled posts need no job: a published post shows once its time
        // has passed, as every listing compares it with the clock.
        // Answers go out as soon as they are written: with Nagle's algorithm a
        // large page's last segment can wait for an ACK (a 40 ms step in p99).
        let listener = self.listener.tap_io(|tcp| {
            if let Err(e) = tcp.set_nodelay(true) {
                tracing::warn!("could not set TCP_NODELAY: {e}");
            }
        });
        let served = axum::serve(
            listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await;
        self.state.site.store.close().await;
        served.context("the server stopped")
    }
}

/// Every route of the site, on one state: what `serve` and the tests run.
pub fn app(state: AppState) -> Router {
    use axum::extract::DefaultBodyLimit;
    use axum::http::{header::CACHE_CONTROL, HeaderValue};
    use axum::middleware::from_fn_with_state;
    use tower_http::set_header::SetResponseHeaderLayer;
    // The editor's pages are one person's: never stored anywhere. Readers'
    // pages carry a form token tied to the reader's cookie, so only the
    // reader's own browser may keep them (and must ask again first).
    let admin = admin::router().layer(SetResponseHeaderLayer::overriding(
        CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    ));
    let readers = Router::new()
        .merge(comments::router())
        .merge(public::router())
        .layer(SetResponseHeaderLayer::if_not_present(
            CACHE_CONTROL,
            HeaderValue::from_static("private, no-cache"),
        ));
    let pages = Router::new()
        .merge(admin)
        .merge(assets::router())
        .merge(readers)
        .layer(from_fn_with_state(state.clone(), error::themed_errors));
    Router::new()
        .nest("/api/v1", api::router())
        .merge(pages)
        .layer(DefaultBodyLimit::max(admin::MAX_BODY_BYTES))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
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
