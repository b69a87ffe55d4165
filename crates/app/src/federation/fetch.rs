//! Talking to other servers safely: public https addresses only (unless
//! the operator's test setting allows private ones), a name's addresses
//! checked when it is resolved (so a redirect or a DNS answer cannot lead
//! inside), a time limit on every request and a size limit on every body.
//! The same rules as `activitypub_federation`'s fetch, here on `reqwest`.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

/// The most a fetched document may weigh.
pub const MAX_BODY: usize = 1024 * 1024;
/// The longest a request may take, connection included.
pub const TIMEOUT: Duration = Duration::from_secs(10);

pub const ACCEPT: &str =
    "application/activity+json, application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"";

/// Why a fetch or a delivery failed.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("{0} is not a public https address")]
    Refused(String),
    #[error("{0}")]
    Failed(String),
    /// The server answered with an error status.
    #[error("{url} answered {status}")]
    Status { url: String, status: u16 },
    #[error("the answer from {0} is larger than 1 MiB")]
    TooLarge(String),
    #[error("the answer from {0} is not JSON: {1}")]
    NotJson(String, String),
}

/// Whether an address is on the public internet: not loopback, private,
/// link-local, shared (CGNAT), documentation, multicast or reserved.
pub fn is_public(ip: IpAddr) -> bool {
    use ipnet::{Ipv4Net, Ipv6Net};
    const V4: &[&str] = &[
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.168.0.0/16",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",
        "240.0.0.0/4",
    ];
    const V6: &[&str] = &[
        // IPv4-compatible, NAT64 (both prefixes), 6to4 and Teredo carry an
        // IPv4 address that may be a private one: refused whole.
        "::/96",
        "64:ff9b::/96",
        "64:ff9b:1::/48",
        "100::/64",
        "2001::/32",
        "2001:db8::/32",
        "2002::/16",
        "fc00::/7",
        "fe80::/10",
        "fec0::/10",
        "ff00::/8",
    ];
    match ip {
        IpAddr::V4(v4) => !V4
            .iter()
            .any(|n| n.parse::<Ipv4Net>().is_ok_and(|n| n.contains(&v4))),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public(IpAddr::V4(v4)),
            None => !V6
                .iter()
                .any(|n| n.parse::<Ipv6Net>().is_ok_and(|n| n.contains(&v6))),
        },
    }
}

/// Checks an address before it is asked for: https (or http when private
/// addresses are allowed), and no private address written as a number.
pub fn check_url(url: &url::Url, allow_private: bool) -> Result<(), FetchError> {
    let refused = || FetchError::Refused(url.to_string());
    match url.scheme() {
        "https" => {}
        "http" if allow_private => {}
        _ => return Err(refused()),
    }
    let literal = match url.host() {
        Some(url::Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
        Some(url::Host::Domain(_)) => None,
        None => return Err(refused()),
    };
    match literal {
        Some(ip) if !allow_private && !is_public(ip) => Err(refused()),
        _ => Ok(()),
    }
}

/// Resolves names to public addresses only.
struct PublicOnly;

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|a| is_public(a.ip()))
                .collect();
            if found.is_empty() {
                return Err(format!("{host} has no public address").into());
            }
            Ok(Box::new(found.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// The HTTP client federation uses for everything it sends and fetches.
#[derive(Clone)]
pub struct Client {
    pub http: reqwest::Client,
    pub allow_private: bool,
}

impl Client {
    pub fn new(allow_private: bool) -> Client {
        let mut builder = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .connect_timeout(Duration::from_secs(5))
            .no_proxy()
            .user_agent(concat!("bestpick/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::custom(move |attempt| {
                // `previous` holds the first address too.
                if attempt.previous().len() > 3 {
                    attempt.error("more than 3 redirects")
                } else if check_url(attempt.url(), allow_private).is_err() {
                    attempt.error("a redirect to an address that is not public")
                } else {
                    attempt.follow()
                }
            }));
        if !allow_private {
            builder = builder.dns_resolver(Arc::new(PublicOnly));
        }
        Client {
            http: builder.build().expect("the TLS backend is built in"),
            allow_private,
        }
    }

    /// Reads a response's body, at most [`MAX_BODY`].
    pub async fn body(url: &str, mut response: reqwest::Response) -> Result<Vec<u8>, FetchError> {
        if response
            .content_length()
            .is_some_and(|n| n > MAX_BODY as u64)
        {
            return Err(FetchError::TooLarge(url.to_owned()));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| FetchError::Failed(format!("{url}: {e}")))?
        {
            if body.len() + chunk.len() > MAX_BODY {
                return Err(FetchError::TooLarge(url.to_owned()));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_addresses_pass() {
        for private in [
            "64:ff9b::a00:5",
            "2002:a00:5::1",
            "::a00:5",
            "127.0.0.1",
            "10.1.2.3",
            "192.168.1.1",
            "172.20.0.1",
            "169.254.169.254",
            "100.64.0.1",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "0.0.0.0",
        ] {
            assert!(!is_public(private.parse().unwrap()), "{private}");
        }
        for public in ["1.1.1.1", "93.184.216.34", "2606:4700::1111"] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
        let url = |u: &str| url::Url::parse(u).unwrap();
        assert!(check_url(&url("https://mastodon.example/users/a"), false).is_ok());
        assert!(check_url(&url("http://mastodon.example/users/a"), false).is_err());
        assert!(check_url(&url("https://127.0.0.1/users/a"), false).is_err());
        assert!(check_url(&url("https://[::1]/users/a"), false).is_err());
        assert!(check_url(&url("http://127.0.0.1:8080/users/a"), true).is_ok());
        assert!(check_url(&url("ftp://example.com/a"), true).is_err());
    }
}
