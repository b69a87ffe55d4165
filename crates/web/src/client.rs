//! Who is asking, by address: the socket's peer, or, when that peer is a
//! reverse proxy on this machine (the setup the README describes), the
//! address the proxy added last to `X-Forwarded-For`. Rate limits, the
//! login limit and IP blocks all use it.

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};

#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_canonical())
            .unwrap_or(IpAddr::from([0, 0, 0, 0]));
        Ok(ClientIp(client_ip(
            peer,
            parts.headers.get("x-forwarded-for"),
        )))
    }
}

/// Only a loopback peer is believed: anyone else could write the header.
fn client_ip(peer: IpAddr, forwarded: Option<&axum::http::HeaderValue>) -> IpAddr {
    if !peer.is_loopback() {
        return peer;
    }
    forwarded
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit(',').next())
        .and_then(|last| last.trim().parse::<IpAddr>().ok())
        .map(|ip| ip.to_canonical())
        .unwrap_or(peer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn a_local_proxy_is_believed_and_nobody_else() {
        let local: IpAddr = "127.0.0.1".parse().unwrap();
        let remote: IpAddr = "198.51.100.7".parse().unwrap();
        let header = HeaderValue::from_static("10.0.0.1, 203.0.113.9");
        assert_eq!(
            client_ip(local, Some(&header)),
            "203.0.113.9".parse::<IpAddr>().unwrap()
        );
        assert_eq!(client_ip(remote, Some(&header)), remote);
        assert_eq!(client_ip(local, None), local);
        let mapped = HeaderValue::from_static("::ffff:203.0.113.9");
        assert_eq!(
            client_ip(local, Some(&mapped)),
            "203.0.113.9".parse::<IpAddr>().unwrap()
        );
    }
}
