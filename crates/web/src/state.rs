//! What every handler shares: the site, the templates, the login limiter.

use crate::auth::LoginLimiter;
use crate::page_cache::PageCache;
use crate::templates::Templates;
use bestpick_app::Site;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub site: Site,
    pub templates: Arc<Templates>,
    pub login_limiter: Arc<LoginLimiter>,
    pub pages: Arc<PageCache>,
}

impl AppState {
    /// `page_cache_bytes` bounds the memory of cached pages.
    pub fn new(site: Site, page_cache_bytes: usize) -> anyhow::Result<AppState> {
        let templates = Templates::new(&site.theme_dir())?;
        Ok(AppState {
            site,
            templates: Arc::new(templates),
            login_limiter: Arc::new(LoginLimiter::default()),
            pages: Arc::new(PageCache::new(page_cache_bytes)),
        })
    }
}
