//! What every handler shares: the site, the templates, the page cache.

use crate::page_cache::PageCache;
use crate::security::CspReports;
use crate::templates::Templates;
use crate::Options;
use bestpick_app::Site;
use std::ops::Deref;
use std::sync::Arc;

/// Cloned for every request (by each layer and extractor that takes the
/// state), so it is one `Arc`: cloning the fields themselves, a dozen
/// atomic counters shared by both cores, took a third of the time of
/// serving a cached page.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

pub struct Shared {
    pub site: Site,
    pub options: Options,
    pub templates: Templates,
    pub pages: Arc<PageCache>,
    pub csp_reports: CspReports,
    /// Bodies rendered at once (see `render.rs`).
    pub render_turns: Arc<tokio::sync::Semaphore>,
    /// Federation's client, inbox limits and what it learnt of servers.
    pub federator: bestpick_app::federation::Federator,
}

impl Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl AppState {
    pub fn new(site: Site, options: Options) -> anyhow::Result<AppState> {
        let templates = Templates::new(&site.theme_dir())?;
        Ok(AppState(Arc::new(Shared {
            site,
            templates,
            pages: Arc::new(PageCache::new(options.page_cache_bytes)),
            csp_reports: CspReports::default(),
            render_turns: Arc::new(tokio::sync::Semaphore::new(
                2 * std::thread::available_parallelism().map_or(1, |n| n.get()),
            )),
            federator: bestpick_app::federation::Federator::new(options.federation_allow_private),
            options,
        })))
    }
}
