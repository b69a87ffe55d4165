//! The site's public address (`https://example.org`): where every absolute
//! link the site gives out points (canonical links, feeds, the sitemap,
//! structured data, social cards, mail). Only a scheme, a host and a port:
//! a path, a query or a user name would be joined into every link.

use std::fmt;

/// A checked public address, kept without a trailing slash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SiteUrl(String);

impl SiteUrl {
    /// Checks an address an operator gave; the error says what is wrong.
    pub fn parse(value: &str) -> Result<SiteUrl, String> {
        let value = value.trim();
        let url = url::Url::parse(value).map_err(|e| {
            format!("'{value}' is not an address such as https://example.org ({e})")
        })?;
        if !matches!(url.scheme(), "https" | "http") {
            return Err(format!(
                "'{value}' must start with https:// (or http://), not {}:",
                url.scheme()
            ));
        }
        let Some(host) = url.host_str().filter(|h| !h.is_empty()) else {
            return Err(format!("'{value}' has no host name"));
        };
        if !url.username().is_empty() || url.password().is_some() {
            return Err(format!("'{value}' must not hold a user name or password"));
        }
        if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
            return Err(format!(
                "'{value}' must be the site's root alone, such as {}://{host}, with no path, query or #part",
                url.scheme()
            ));
        }
        let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
        Ok(SiteUrl(format!("{}://{host}{port}", url.scheme())))
    }

    /// The absolute address of `path`, a path on this site (`/best-pick/heat`).
    pub fn join(&self, path: &str) -> String {
        debug_assert!(path.is_empty() || path.starts_with('/'), "{path}");
        format!("{}{path}", self.0)
    }

    /// The host (and port), as `acct:` names and mail headers write it.
    pub fn host(&self) -> &str {
        self.0.split_once("://").map_or(&self.0, |(_, h)| h)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_https(&self) -> bool {
        self.0.starts_with("https://")
    }
}

impl fmt::Display for SiteUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl serde::Serialize for SiteUrl {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_scheme_a_host_and_a_port_are_kept() {
        let ok = |s: &str| SiteUrl::parse(s).unwrap().to_string();
        assert_eq!(ok("https://example.org"), "https://example.org");
        assert_eq!(ok("https://Example.org/"), "https://example.org");
        assert_eq!(ok(" http://127.0.0.1:8080 "), "http://127.0.0.1:8080");
        assert_eq!(ok("https://[::1]:8443/"), "https://[::1]:8443");
        assert_eq!(
            SiteUrl::parse("https://example.org")
                .unwrap()
                .join("/rss.xml"),
            "https://example.org/rss.xml"
        );
        for (bad, says) in [
            ("example.org", "not an address"),
            ("ftp://example.org", "must start with https://"),
            ("https://example.org/blog", "no path"),
            ("https://example.org/?x=1", "no path, query"),
            ("https://example.org/#top", "#part"),
            ("https://me:pw@example.org", "user name"),
            ("javascript:alert(1)", "must start with https://"),
        ] {
            let e = SiteUrl::parse(bad).unwrap_err();
            assert!(e.contains(says), "{bad}: {e}");
        }
        assert_eq!(
            SiteUrl::parse("http://localhost:8080").unwrap().host(),
            "localhost:8080"
        );
    }
}
