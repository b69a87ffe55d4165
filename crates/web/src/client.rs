//! Who is asking, by address. The socket's peer, unless the operator said
//! that peer is one of their reverse proxies (`--trusted-proxy`): then the
//! right-most address in `X-Forwarded-For` that is not a trusted proxy, the
//! one the outermost trusted proxy saw. Nothing is trusted by default, so a
//! header written by a client is never believed. Rate limits, the login
//! limit and IP blocks all use it.

use crate::state::AppState;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;
use ipnet::IpNet;
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};

#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub IpAddr);

/// Reads a `--trusted-proxy` value: an address (`10.0.0.5`, `::1`) or a
/// network (`10.0.0.0/8`).
pub fn parse_proxy(s: &str) -> Result<IpNet, String> {
    let s = s.trim();
    s.parse::<IpNet>()
        .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| format!("'{s}' is not an IP address or a network such as 10.0.0.0/8"))
}

/// The reverse proxies whose forwarding headers are believed.
#[derive(Debug, Clone, Copy)]
struct TrustedProxies<'a>(&'a [IpNet]);

impl TrustedProxies<'_> {
    fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client's address for a request from `peer` carrying these
    /// `X-Forwarded-For` values.
    fn client_ip<'a>(&self, peer: IpAddr, forwarded: impl Iterator<Item = &'a [u8]>) -> IpAddr {
        if !self.trusts(peer) {
            return peer;
        }
        // Each proxy appends the address it saw: read from the right,
        // past our own proxies, to the first address none of them is.
        // Hops are split as bytes: junk a client wrote at the left (even
        // bytes that are not text) must not hide what our proxies added.
        let hops: Vec<&[u8]> = forwarded.flat_map(|v| v.split(|b| *b == b',')).collect();
        let mut client = peer;
        for hop in hops.iter().rev() {
            let hop = std::str::from_utf8(hop).unwrap_or("");
            match hop.trim().parse::<IpAddr>() {
                Ok(ip) => {
                    client = ip.to_canonical();
                    if !self.trusts(client) {
                        break;
                    }
                }
                // Junk in the chain: what lies left of it cannot be believed.
                Err(_) => break,
            }
        }
        client
    }
}

/// Outermost layer: works out the client's address once, and removes the
/// forwarding headers of a peer that is not a trusted proxy, so that no
/// later code (the https check for cookies and HSTS) can believe them.
pub async fn identify(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let peer = peer(req.extensions());
    let trusted = TrustedProxies(&state.options.trusted_proxies);
    let client = if trusted.trusts(peer) {
        client_ip_from(trusted, peer, req.headers())
    } else {
        for name in [
            "x-forwarded-for",
            "x-forwarded-proto",
            "x-forwarded-host",
            "forwarded",
        ] {
            req.headers_mut().remove(name);
        }
        peer
    };
    req.extensions_mut().insert(ClientIp(client));
    next.run(req).await
}

/// The socket's peer, as the accept loop recorded it.
fn peer(extensions: &axum::http::Extensions) -> IpAddr {
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_canonical())
        .unwrap_or(IpAddr::from([0, 0, 0, 0]))
}

fn client_ip_from(trusted: TrustedProxies, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
    let values = headers
        .get_all("x-forwarded-for")
        .iter()
        .map(|v| v.as_bytes());
    trusted.client_ip(peer, values)
}

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        // The peer itself only without the `identify` layer (never in `serve`).
        Ok(parts
            .extensions
            .get::<ClientIp>()
            .copied()
            .unwrap_or_else(|| ClientIp(peer(&parts.extensions))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn nothing_is_trusted_by_default() {
        let none = TrustedProxies(&[]);
        let local = ip("127.0.0.1");
        assert_eq!(
            none.client_ip(local, ["203.0.113.9"].into_iter().map(str::as_bytes)),
            local
        );
    }

    #[test]
    fn the_rightmost_untrusted_address_is_the_client() {
        let nets = [
            parse_proxy("127.0.0.1").unwrap(),
            parse_proxy("10.0.0.0/8").unwrap(),
        ];
        let proxies = TrustedProxies(&nets);
        let local = ip("127.0.0.1");
        // A client may write anything at the left; our proxies append.
        let chain = ["1.2.3.4, 203.0.113.9", "10.1.1.1"];
        assert_eq!(
            proxies.client_ip(local, chain.into_iter().map(str::as_bytes)),
            ip("203.0.113.9")
        );
        assert_eq!(
            proxies.client_ip(local, ["::ffff:203.0.113.9"].into_iter().map(str::as_bytes)),
            ip("203.0.113.9")
        );
        // A proxy that sent no header is the client itself.
        assert_eq!(proxies.client_ip(local, std::iter::empty()), local);
        // Junk stops the walk at the last good address.
        assert_eq!(
            proxies.client_ip(
                local,
                ["203.0.113.9, junk, 10.0.0.2"]
                    .into_iter()
                    .map(str::as_bytes)
            ),
            ip("10.0.0.2")
        );
        // A peer that is not a proxy is never asked.
        let remote = ip("198.51.100.7");
        assert_eq!(
            proxies.client_ip(remote, chain.into_iter().map(str::as_bytes)),
            remote
        );
        // Bytes that are not text, at the left, hide nothing.
        let odd: &[u8] = b"\xff\xfe, 203.0.113.9";
        assert_eq!(
            proxies.client_ip(local, [odd].into_iter()),
            ip("203.0.113.9")
        );
        assert!(parse_proxy("10.0.0.0/33").is_err());
        assert!(parse_proxy("nonsense").is_err());
    }
}
