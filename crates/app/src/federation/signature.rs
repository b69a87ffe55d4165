//! HTTP signatures, both kinds the fediverse speaks: RFC 9421 (with
//! `Content-Digest`, Mastodon's default since 4.5, Fedify's first try)
//! and draft-cavage-12 `rsa-sha256` (with `Digest`, what every server
//! takes). Written here on `rsa`, `sha2` and `sfv`: the one crate for it,
//! `activitypub_federation`, signs draft-cavage only (see the README).

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use reqwest::header::HeaderMap;
use rsa::pkcs1v15::Pkcs1v15Sign;
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey};
use rsa::{RsaPrivateKey, RsaPublicKey};
use sha2::{Digest, Sha256, Sha512};

/// How far a signature's time may be from ours, either way.
pub const CLOCK_SKEW: i64 = 3600;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Scheme {
    Rfc9421,
    Cavage,
}

impl Scheme {
    pub fn name(self) -> &'static str {
        match self {
            Scheme::Rfc9421 => "rfc9421",
            Scheme::Cavage => "draft-cavage",
        }
    }

    pub fn other(self) -> Scheme {
        match self {
            Scheme::Rfc9421 => Scheme::Cavage,
            Scheme::Cavage => Scheme::Rfc9421,
        }
    }
}

/// Why a request's signature is not taken. Said to the sender as it is.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SignatureError {
    #[error("the request is not signed (no Signature header)")]
    Unsigned,
    #[error("malformed signature: {0}")]
    Malformed(String),
    #[error("the signature does not cover {0}")]
    NotCovered(&'static str),
    #[error("the signature's time is more than an hour from ours")]
    Stale,
    #[error("the body does not match its digest")]
    Digest,
    #[error("the signature does not verify with the actor's key")]
    Invalid,
}

fn malformed(what: impl Into<String>) -> SignatureError {
    SignatureError::Malformed(what.into())
}

pub fn private_key(pem: &str) -> anyhow::Result<RsaPrivateKey> {
    Ok(RsaPrivateKey::from_pkcs8_pem(pem)?)
}

fn rsa_sign(key: &RsaPrivateKey, text: &str) -> anyhow::Result<String> {
    let hash = Sha256::digest(text.as_bytes());
    Ok(B64.encode(key.sign(Pkcs1v15Sign::new::<Sha256>(), &hash)?))
}

/// `host[:port]` of a URL, as `Host` and `@authority` carry it.
fn authority(url: &url::Url) -> String {
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host,
    }
}

fn path_and_query(url: &url::Url) -> String {
    match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_owned(),
    }
}

/// The headers that sign a request to `url` (with `body` for a POST).
pub fn sign(
    scheme: Scheme,
    method: &str,
    url: &url::Url,
    body: Option<&[u8]>,
    key_id: &str,
    key: &RsaPrivateKey,
    now: i64,
) -> anyhow::Result<Vec<(&'static str, String)>> {
    let date = httpdate::fmt_http_date(
        std::time::UNIX_EPOCH + std::time::Duration::from_secs(now.max(0) as u64),
    );
    let host = authority(url);
    let mut headers = vec![("host", host.clone()), ("date", date.clone())];
    match scheme {
        Scheme::Cavage => {
            let mut names = vec!["(request-target)", "host", "date"];
            let mut lines = vec![
                format!(
                    "(request-target): {} {}",
                    method.to_ascii_lowercase(),
                    path_and_query(url)
                ),
                format!("host: {host}"),
                format!("date: {date}"),
            ];
            if let Some(body) = body {
                let digest = format!("SHA-256={}", B64.encode(Sha256::digest(body)));
                names.push("digest");
                lines.push(format!("digest: {digest}"));
                headers.push(("digest", digest));
            }
            let signature = rsa_sign(key, &lines.join("\n"))?;
            headers.push((
                "signature",
                format!(
                    "keyId=\"{key_id}\",algorithm=\"rsa-sha256\",headers=\"{}\",signature=\"{signature}\"",
                    names.join(" ")
                ),
            ));
        }
        Scheme::Rfc9421 => {
            let mut components = vec!["@method", "@target-uri", "@authority", "date"];
            let mut lines = vec![
                format!("\"@method\": {}", method.to_ascii_uppercase()),
                format!("\"@target-uri\": {url}"),
                format!("\"@authority\": {host}"),
                format!("\"date\": {date}"),
            ];
            if let Some(body) = body {
                let digest = format!("sha-256=:{}:", B64.encode(Sha256::digest(body)));
                components.push("content-digest");
                lines.push(format!("\"content-digest\": {digest}"));
                headers.push(("content-digest", digest));
            }
            let params = format!(
                "({});created={now};keyid=\"{key_id}\";alg=\"rsa-v1_5-sha256\"",
                components
                    .iter()
                    .map(|c| format!("\"{c}\""))
                    .collect::<Vec<_>>()
                    .join(" ")
            );
            lines.push(format!("\"@signature-params\": {params}"));
            let signature = rsa_sign(key, &lines.join("\n"))?;
            headers.push(("signature-input", format!("sig1={params}")));
            headers.push(("signature", format!("sig1=:{signature}:")));
        }
    }
    Ok(headers)
}

/// A request as it arrived, to check its signature.
pub struct Incoming<'a> {
    pub method: &'a str,
    /// The absolute address the sender asked for.
    pub target_uri: &'a url::Url,
    pub headers: &'a HeaderMap,
    /// The body, for POST.
    pub body: Option<&'a [u8]>,
}

/// A signature read from a request, ready to check with its key.
#[derive(Debug, Clone)]
pub struct Claim {
    /// The key's id, which names its actor's document.
    pub key_id: String,
    pub scheme: Scheme,
    base: String,
    signature: Vec<u8>,
}

impl Claim {
    /// Whether the claim is signed by the key `public_pem`.
    pub fn verify(&self, public_pem: &str) -> Result<(), SignatureError> {
        use rsa::pkcs1::DecodeRsaPublicKey;
        // SubjectPublicKeyInfo, as most servers publish; PKCS#1 from a few.
        let key = RsaPublicKey::from_public_key_pem(public_pem)
            .or_else(|_| RsaPublicKey::from_pkcs1_pem(public_pem))
            .map_err(|_| malformed("the actor's public key is not an RSA key"))?;
        let hash = Sha256::digest(self.base.as_bytes());
        key.verify(Pkcs1v15Sign::new::<Sha256>(), &hash, &self.signature)
            .map_err(|_| SignatureError::Invalid)
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Every value of a header, joined as RFC 9421 (and cavage) want them.
fn header_value(headers: &HeaderMap, name: &str) -> Option<String> {
    let values: Vec<&str> = headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(str::trim)
        .collect();
    (!values.is_empty()).then(|| values.join(", "))
}

fn within(now: i64, at: i64) -> Result<(), SignatureError> {
    match (now - at).abs() <= CLOCK_SKEW {
        true => Ok(()),
        false => Err(SignatureError::Stale),
    }
}

/// Reads the request's signature (RFC 9421 when it has `Signature-Input`,
/// else draft-cavage), checking its time and body digest; the key check
/// is [`Claim::verify`], once the key is fetched.
pub fn claim(req: &Incoming, now: i64) -> Result<Claim, SignatureError> {
    match header(req.headers, "signature-input") {
        Some(_) => claim_rfc9421(req, now),
        None => claim_cavage(req, now),
    }
}

fn claim_cavage(req: &Incoming, now: i64) -> Result<Claim, SignatureError> {
    let raw = header(req.headers, "signature").ok_or(SignatureError::Unsigned)?;
    let mut fields = std::collections::HashMap::new();
    for part in split_params(raw) {
        let (k, v) = part
            .split_once('=')
            .ok_or_else(|| malformed(format!("Signature: '{part}' is not name=\"value\"")))?;
        let v = v.trim().trim_matches('"');
        fields.insert(k.trim().to_ascii_lowercase(), v.to_owned());
    }
    let key_id = fields
        .get("keyid")
        .ok_or_else(|| malformed("Signature: no keyId"))?;
    if let Some(alg) = fields.get("algorithm") {
        if !matches!(alg.as_str(), "rsa-sha256" | "hs2019") {
            return Err(malformed(format!(
                "Signature: algorithm {alg} is not rsa-sha256"
            )));
        }
    }
    let signature = B64
        .decode(
            fields
                .get("signature")
                .ok_or_else(|| malformed("Signature: no signature"))?,
        )
        .map_err(|_| malformed("Signature: the signature is not base64"))?;
    let names: Vec<String> = fields
        .get("headers")
        .map_or("date", String::as_str)
        .split_whitespace()
        .map(str::to_ascii_lowercase)
        .collect();
    let covers = |n: &str| names.iter().any(|h| h == n);
    if !covers("(request-target)") {
        return Err(SignatureError::NotCovered("(request-target)"));
    }
    let mut lines = Vec::new();
    for name in &names {
        let value = match name.as_str() {
            "(request-target)" => format!(
                "{} {}",
                req.method.to_ascii_lowercase(),
                path_and_query(req.target_uri)
            ),
            // Ours, not what the request says: a signature made for
            // another server is not taken here.
            "host" => authority(req.target_uri),
            "(created)" | "(expires)" => fields
                .get(name.trim_matches(|c| c == '(' || c == ')'))
                .cloned()
                .ok_or_else(|| malformed(format!("Signature: {name} without its value")))?,
            _ => header_value(req.headers, name)
                .ok_or_else(|| malformed(format!("the signed header {name} is missing")))?,
        };
        lines.push(format!("{name}: {value}"));
    }
    let at = match (covers("date"), fields.get("created")) {
        (true, _) => header(req.headers, "date")
            .and_then(|d| httpdate::parse_http_date(d).ok())
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| d.as_secs() as i64)
            .ok_or_else(|| malformed("Date: not an HTTP date"))?,
        (false, Some(created)) if covers("(created)") => created
            .parse()
            .map_err(|_| malformed("Signature: created is not a number"))?,
        _ => return Err(SignatureError::NotCovered("date")),
    };
    within(now, at)?;
    let expires = fields.get("expires").and_then(|e| e.parse::<i64>().ok());
    if covers("(expires)") && expires.is_none_or(|e| e < now) {
        return Err(SignatureError::Stale);
    }
    if let Some(body) = req.body {
        if !covers("digest") {
            return Err(SignatureError::NotCovered("digest"));
        }
        check_digest_header(header(req.headers, "digest").unwrap_or_default(), body)?;
    }
    Ok(Claim {
        key_id: key_id.clone(),
        scheme: Scheme::Cavage,
        base: lines.join("\n"),
        signature,
    })
}

/// Splits `a="x,y",b="z"` at the commas outside quotes.
fn split_params(raw: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut start, mut quoted) = (0, false);
    for (i, c) in raw.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => {
                parts.push(raw[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(raw[start..].trim());
    parts.retain(|p| !p.is_empty());
    parts
}

/// `Digest: SHA-256=…` (several algorithms may be listed; one we know must match).
fn check_digest_header(value: &str, body: &[u8]) -> Result<(), SignatureError> {
    let mut known = false;
    for part in value.split(',') {
        let Some((alg, b64)) = part.trim().split_once('=') else {
            continue;
        };
        let expected = match alg.to_ascii_lowercase().as_str() {
            "sha-256" => Sha256::digest(body).to_vec(),
            "sha-512" => Sha512::digest(body).to_vec(),
            _ => continue,
        };
        known = true;
        if B64.decode(b64.trim()).ok().as_deref() != Some(expected.as_slice()) {
            return Err(SignatureError::Digest);
        }
    }
    match known {
        true => Ok(()),
        false => Err(malformed("Digest: no SHA-256 or SHA-512 digest")),
    }
}

fn check_content_digest(value: &str, body: &[u8]) -> Result<(), SignatureError> {
    let dict: sfv::Dictionary = sfv::Parser::new(value)
        .parse()
        .map_err(|e| malformed(format!("Content-Digest: {e}")))?;
    let mut known = false;
    for (alg, entry) in &dict {
        let expected = match alg.as_str() {
            "sha-256" => Sha256::digest(body).to_vec(),
            "sha-512" => Sha512::digest(body).to_vec(),
            _ => continue,
        };
        known = true;
        let given = match entry {
            sfv::ListEntry::Item(item) => item.bare_item.as_byte_sequence(),
            sfv::ListEntry::InnerList(_) => None,
        };
        if given != Some(expected.as_slice()) {
            return Err(SignatureError::Digest);
        }
    }
    match known {
        true => Ok(()),
        false => Err(malformed("Content-Digest: no sha-256 or sha-512 digest")),
    }
}

fn claim_rfc9421(req: &Incoming, now: i64) -> Result<Claim, SignatureError> {
    let inputs: sfv::Dictionary =
        sfv::Parser::new(header(req.headers, "signature-input").unwrap_or_default())
            .parse()
            .map_err(|e| malformed(format!("Signature-Input: {e}")))?;
    let signatures: sfv::Dictionary =
        sfv::Parser::new(header(req.headers, "signature").ok_or(SignatureError::Unsigned)?)
            .parse()
            .map_err(|e| malformed(format!("Signature: {e}")))?;
    // The first label with both an input and a signature.
    let (label, input) = inputs
        .iter()
        .find(|(label, _)| signatures.contains_key(*label))
        .ok_or_else(|| malformed("no Signature-Input label has a Signature"))?;
    let sfv::ListEntry::InnerList(list) = input else {
        return Err(malformed(format!(
            "Signature-Input: {} is not a list",
            label.as_str()
        )));
    };
    let signature = match &signatures[label] {
        sfv::ListEntry::Item(item) => item.bare_item.as_byte_sequence().map(<[u8]>::to_vec),
        sfv::ListEntry::InnerList(_) => None,
    }
    .ok_or_else(|| malformed("Signature: not a byte sequence"))?;
    let param = |name: &str| {
        list.params
            .iter()
            .find(|(k, _)| k.as_str() == name)
            .map(|(_, v)| v)
    };
    let key_id = param("keyid")
        .and_then(|v| v.as_string())
        .map(|s| s.as_str().to_owned())
        .ok_or_else(|| malformed("Signature-Input: no keyid"))?;
    if let Some(alg) = param("alg").and_then(|v| v.as_string()) {
        if alg.as_str() != "rsa-v1_5-sha256" {
            return Err(malformed(format!(
                "Signature-Input: alg {} is not rsa-v1_5-sha256",
                alg.as_str()
            )));
        }
    }
    let created = param("created")
        .and_then(|v| v.as_integer())
        .map(i64::from)
        .ok_or_else(|| malformed("Signature-Input: no created time"))?;
    within(now, created)?;
    if let Some(expires) = param("expires").and_then(|v| v.as_integer()).map(i64::from) {
        if expires < now {
            return Err(SignatureError::Stale);
        }
    }
    let mut names = Vec::new();
    let mut lines = Vec::new();
    for item in &list.items {
        if !item.params.is_empty() {
            return Err(malformed(
                "Signature-Input: components with parameters are not supported",
            ));
        }
        let name = item
            .bare_item
            .as_string()
            .ok_or_else(|| malformed("Signature-Input: a component is not a string"))?
            .as_str()
            .to_owned();
        let url = req.target_uri;
        let value = match name.as_str() {
            "@method" => req.method.to_ascii_uppercase(),
            "@target-uri" => url.to_string(),
            "@authority" => authority(url),
            "@scheme" => url.scheme().to_owned(),
            "@path" => url.path().to_owned(),
            "@query" => format!("?{}", url.query().unwrap_or("")),
            "@request-target" => path_and_query(url),
            n if n.starts_with('@') => {
                return Err(malformed(format!(
                    "Signature-Input: component {n} is not supported"
                )))
            }
            n => header_value(req.headers, n)
                .ok_or_else(|| malformed(format!("the signed header {n} is missing")))?,
        };
        lines.push(format!("\"{name}\": {value}"));
        names.push(name);
    }
    let covers = |n: &str| names.iter().any(|c| c == n);
    if !covers("@method") {
        return Err(SignatureError::NotCovered("@method"));
    }
    if !(covers("@target-uri") || (covers("@authority") && covers("@path"))) {
        return Err(SignatureError::NotCovered("@target-uri"));
    }
    if let Some(body) = req.body {
        if !covers("content-digest") {
            return Err(SignatureError::NotCovered("content-digest"));
        }
        check_content_digest(
            header(req.headers, "content-digest").unwrap_or_default(),
            body,
        )?;
    }
    let params = sfv::FieldType::serialize(&vec![sfv::ListEntry::InnerList(list.clone())])
        .ok_or_else(|| malformed("Signature-Input: empty"))?;
    lines.push(format!("\"@signature-params\": {params}"));
    Ok(Claim {
        key_id,
        scheme: Scheme::Rfc9421,
        base: lines.join("\n"),
        signature,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderName, HeaderValue};
    use rsa::pkcs8::{EncodePublicKey, LineEnding};

    fn signed(scheme: Scheme, body: &[u8], now: i64) -> (HeaderMap, String) {
        let key = RsaPrivateKey::new(&mut rand::thread_rng(), 1024).unwrap();
        let public = key
            .to_public_key()
            .to_public_key_pem(LineEnding::LF)
            .unwrap();
        let url = url::Url::parse("https://films.example/ap/inbox").unwrap();
        let mut headers = HeaderMap::new();
        for (k, v) in sign(
            scheme,
            "POST",
            &url,
            Some(body),
            "https://a.example/u#k",
            &key,
            now,
        )
        .unwrap()
        {
            headers.append(
                HeaderName::from_static(k),
                HeaderValue::from_str(&v).unwrap(),
            );
        }
        (headers, public)
    }

    fn check(headers: &HeaderMap, body: &[u8], now: i64) -> Result<Claim, SignatureError> {
        let url = url::Url::parse("https://films.example/ap/inbox").unwrap();
        claim(
            &Incoming {
                method: "POST",
                target_uri: &url,
                headers,
                body: Some(body),
            },
            now,
        )
    }

    #[test]
    fn both_schemes_sign_and_verify() {
        for scheme in [Scheme::Rfc9421, Scheme::Cavage] {
            let (headers, public) = signed(scheme, b"{}", 1_700_000_000);
            let claim = check(&headers, b"{}", 1_700_000_100).unwrap();
            assert_eq!(claim.scheme, scheme);
            assert_eq!(claim.key_id, "https://a.example/u#k");
            claim.verify(&public).unwrap();
            // Another body, another time, another key: refused.
            assert_eq!(
                check(&headers, b"{ }", 1_700_000_100).unwrap_err(),
                SignatureError::Digest
            );
            assert_eq!(
                check(&headers, b"{}", 1_700_009_000).unwrap_err(),
                SignatureError::Stale
            );
            let (_, other) = signed(scheme, b"{}", 1_700_000_000);
            assert_eq!(claim.verify(&other).unwrap_err(), SignatureError::Invalid);
        }
    }

    #[test]
    fn unsigned_and_malformed_requests_say_why() {
        assert_eq!(
            check(&HeaderMap::new(), b"{}", 0).unwrap_err(),
            SignatureError::Unsigned
        );
        let mut headers = HeaderMap::new();
        headers.insert(
            "signature",
            HeaderValue::from_static("keyId=\"k\",headers=\"host date\",signature=\"AA==\""),
        );
        assert_eq!(
            check(&headers, b"{}", 0).unwrap_err(),
            SignatureError::NotCovered("(request-target)")
        );
        assert_eq!(
            split_params("keyId=\"a,b\", headers=\"x\""),
            vec!["keyId=\"a,b\"", "headers=\"x\""]
        );
    }
}
