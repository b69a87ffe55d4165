//! The site's route table. Every router is built through [`Routes`], which
//! records each method and path it serves beside the axum router: the
//! permission test walks that table, so a new route cannot be left out of it.

use crate::state::AppState;
use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{self, MethodRouter};
use axum::Router;

/// One method on one path, as axum matches it (`/admin/posts/{id}`). A GET
/// route also answers HEAD, with the same handler and no body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    pub method: Method,
    pub path: String,
}

/// An axum router and the table of what it serves.
pub struct Routes {
    router: Router<AppState>,
    table: Vec<Route>,
}

impl Routes {
    pub fn new() -> Self {
        Routes {
            router: Router::new(),
            table: Vec::new(),
        }
    }

    pub fn get<H: Handler<T, AppState>, T: 'static>(self, path: &str, handler: H) -> Self {
        self.on(Method::GET, path, routing::get(handler))
    }

    pub fn post<H: Handler<T, AppState>, T: 'static>(self, path: &str, handler: H) -> Self {
        self.on(Method::POST, path, routing::post(handler))
    }

    pub fn put<H: Handler<T, AppState>, T: 'static>(self, path: &str, handler: H) -> Self {
        self.on(Method::PUT, path, routing::put(handler))
    }

    /// `method` on `path`, served by `service` (a handler with its own
    /// layers). axum merges methods given to one path in separate calls.
    pub fn on(mut self, method: Method, path: &str, service: MethodRouter<AppState>) -> Self {
        self.router = self.router.route(path, service);
        self.table.push(Route {
            method,
            path: path.to_owned(),
        });
        self
    }

    pub fn merge(mut self, other: Routes) -> Self {
        self.router = self.router.merge(other.router);
        self.table.extend(other.table);
        self
    }

    /// `other`'s routes under `prefix` (`/api/v1`).
    pub fn nest(mut self, prefix: &str, other: Routes) -> Self {
        self.router = self.router.nest(prefix, other.router);
        self.table.extend(other.table.into_iter().map(|r| Route {
            method: r.method,
            path: format!("{prefix}{}", r.path),
        }));
        self
    }

    /// The same routes with the router changed: only for a layer or a
    /// fallback (a route added here would be missing from the table).
    pub fn map(mut self, f: impl FnOnce(Router<AppState>) -> Router<AppState>) -> Self {
        self.router = f(self.router);
        self
    }

    pub fn into_parts(self) -> (Router<AppState>, Vec<Route>) {
        (self.router, self.table)
    }
}
