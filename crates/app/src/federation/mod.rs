//! The site in the fediverse: its actors (the site itself, and each
//! author with something published) and their keys, the actors of other
//! servers as fetched, and what arrives in the inbox. On unless the
//! `federation` setting is `off`.

pub mod fetch;
pub mod inbox;
pub mod limits;
pub mod signature;

use crate::Site;
use bestpick_core::post::PostStatus;
use bestpick_core::SiteUrl;
use bestpick_store::{ActorKeys, PostFilter, RemoteActor, StoreError, User};
use fetch::{Client, FetchError};
use serde_json::Value;
use signature::Scheme;
use std::collections::HashMap;
use std::sync::Mutex;

/// The site's own actor, `acct:site@HOST`.
pub const SITE_ACTOR: &str = "site";
/// Where the site's actor is, under the site's address.
pub const SITE_PATH: &str = "/ap/site";
/// Where authors' actors are: `/ap/users/NAME`.
const AUTHORS_PATH: &str = "/ap/users/";

/// An author's actor: its local name (`user:ID`, which keys its key, its
/// followers and what it signs) and its path (`/ap/users/NAME`).
pub fn author_actor(user: &User) -> (String, String) {
    (
        format!("user:{}", user.id),
        format!("{AUTHORS_PATH}{}", user.username),
    )
}

/// The user an author actor's local name (`user:ID`) stands for.
pub fn author_id(local: &str) -> Option<i64> {
    local.strip_prefix("user:")?.parse().ok()
}

/// The user name an address of an author's actor on this site names.
pub fn author_named<'a>(origin: &SiteUrl, id: &'a str) -> Option<&'a str> {
    id.strip_prefix(&origin.join(AUTHORS_PATH))
}

/// Bits of a new RSA key: what Mastodon makes, and every server takes.
const KEY_BITS: usize = 2048;

/// Whether the site answers as an ActivityPub actor.
pub async fn enabled(site: &Site) -> Result<bool, bestpick_store::StoreError> {
    Ok(site
        .store
        .setting(crate::settings::FEDERATION)
        .await?
        .as_deref()
        != Some("off"))
}

/// The key pair of `actor` (`site`, `user:ID`), made the first time it is
/// asked for and kept.
pub async fn keys(site: &Site, actor: &str) -> anyhow::Result<ActorKeys> {
    if let Some(keys) = site.store.actor_keys(actor).await? {
        return Ok(keys);
    }
    // Finding two primes of 1,024 bits takes a core for a while.
    let made = tokio::task::spawn_blocking(new_keys).await??;
    Ok(site.store.keep_actor_keys(actor, &made).await?)
}

/// Makes a new key pair for `actor`: the old one stops verifying at
/// once, and servers fetch the new one on their next failed check.
pub async fn rotate_keys(site: &Site, actor: &str) -> anyhow::Result<ActorKeys> {
    let made = tokio::task::spawn_blocking(new_keys).await??;
    site.store.replace_actor_keys(actor, &made).await?;
    Ok(made)
}

fn new_keys() -> anyhow::Result<ActorKeys> {
    use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
    let private = rsa::RsaPrivateKey::new(&mut rand::thread_rng(), KEY_BITS)?;
    Ok(ActorKeys {
        public_pem: private.to_public_key().to_public_key_pem(LineEnding::LF)?,
        private_pem: private.to_pkcs8_pem(LineEnding::LF)?.to_string(),
    })
}

/// An author the fediverse may know: one with something published, as
/// for their page.
pub async fn public_author(site: &Site, username: &str) -> Result<Option<User>, StoreError> {
    let Some(user) = site.store.user_by_username(username).await? else {
        return Ok(None);
    };
    let (posts, _) = site
        .store
        .list_posts(&PostFilter {
            author_id: Some(user.id),
            status: Some(PostStatus::Published),
            visible_at: Some(site.now()),
            limit: 1,
            ..PostFilter::default()
        })
        .await?;
    Ok((!posts.is_empty()).then_some(user))
}

/// The post and its first save a post object's name (`ID-CREATED`) is of.
pub fn post_of_object(name: &str) -> Option<(i64, i64)> {
    let (id, created_at) = name.split_once('-')?;
    Some((id.parse().ok()?, created_at.parse().ok()?))
}

/// A short stable name for an id, for the ids of activities made from it.
pub fn short_hash(s: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(&Sha256::digest(s.as_bytes())[..8])
}

/// A fetched actor is used for this long before it is fetched again.
const ACTOR_FRESH_FOR: i64 = 24 * 3600;

/// What federation keeps while the server runs: the client it talks to
/// other servers with, the inbox's rate limits, and which signature each
/// server took last.
pub struct Federator {
    pub client: Client,
    pub limits: limits::Limits,
    schemes: Mutex<HashMap<String, Scheme>>,
}

/// The id of a JSON-LD value: the string itself, or an object's `id`.
pub fn id_of(v: &Value) -> Option<&str> {
    match v {
        Value::String(s) => Some(s),
        Value::Object(o) => o.get("id").and_then(Value::as_str),
        _ => None,
    }
}

/// The first address in a `url`/`icon` value: a string, a Link or Image
/// object (its `href`/`url`), or a list of them.
fn first_url(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => o.get("href").or_else(|| o.get("url")).and_then(first_url),
        Value::Array(a) => a.iter().find_map(first_url),
        _ => None,
    }
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// A name as shown: without control, direction-changing or invisible
/// characters, which could make it read as someone else's.
fn printable(name: &str) -> String {
    name.chars()
        .filter(|c| {
            !c.is_control()
                && !matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
        })
        .collect::<String>()
        .trim()
        .to_owned()
}

/// Reads an actor document: where it takes deliveries, its key, how to
/// show it. `key_id`: the key it must hold (the one a request was signed with).
pub fn parse_actor(doc: &Value, key_id: Option<&str>, now: i64) -> Result<RemoteActor, String> {
    let id = text(doc, "id").ok_or("the actor has no id")?;
    let inbox = text(doc, "inbox").ok_or("the actor has no inbox")?;
    let keys: Vec<&Value> = match doc.get("publicKey") {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(k) => vec![k],
        None => vec![],
    };
    let key = keys
        .into_iter()
        .find(|k| key_id.is_none_or(|want| id_of(k) == Some(want)))
        .ok_or("the actor does not publish that key")?;
    let owner = key.get("owner").and_then(Value::as_str).unwrap_or(&id);
    if owner != id {
        return Err("the key belongs to another actor".into());
    }
    let username = text(doc, "preferredUsername").unwrap_or_else(|| {
        id.trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or("")
            .to_owned()
    });
    let host = bestpick_store::host_of(&id);
    // Deliveries go to the actor's own server, nowhere it names.
    let on_its_server = |u: &String| bestpick_store::host_of(u) == host;
    if !on_its_server(&inbox) {
        return Err("the actor's inbox is on another server".into());
    }
    let username: String = username
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
        .take(64)
        .collect();
    let name = text(doc, "name")
        .map(|n| printable(&n))
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| username.clone());
    Ok(RemoteActor {
        inbox,
        shared_inbox: doc
            .get("endpoints")
            .and_then(|e| text(e, "sharedInbox"))
            .filter(on_its_server),
        key_id: id_of(key).unwrap_or_default().to_owned(),
        public_pem: text(key, "publicKeyPem").ok_or("the key has no publicKeyPem")?,
        name: name
            .chars()
            .take(bestpick_core::comment::MAX_NAME)
            .collect(),
        handle: format!("@{username}@{host}"),
        url: doc
            .get("url")
            .and_then(first_url)
            .filter(|u| u.starts_with("http")),
        // The site's pages load images over https only.
        icon: doc
            .get("icon")
            .and_then(first_url)
            .filter(|u| u.starts_with("https://")),
        fetched_at: now,
        id,
    })
}

impl Federator {
    pub fn new(allow_private: bool) -> Federator {
        Federator {
            client: Client::new(allow_private),
            limits: limits::Limits::default(),
            schemes: Mutex::new(HashMap::new()),
        }
    }

    /// Fetches an ActivityPub document, signed with the site's key (as
    /// servers in authorized-fetch mode require). Its `id` must be on the
    /// server it came from.
    pub async fn fetch(
        &self,
        site: &Site,
        origin: &SiteUrl,
        address: &str,
    ) -> Result<Value, FetchError> {
        let url = url::Url::parse(address).map_err(|_| FetchError::Refused(address.to_owned()))?;
        fetch::check_url(&url, self.client.allow_private)?;
        let keys = keys(site, SITE_ACTOR)
            .await
            .map_err(|e| FetchError::Failed(e.to_string()))?;
        let key = signature::private_key(&keys.private_pem)
            .map_err(|e| FetchError::Failed(e.to_string()))?;
        let key_id = format!("{}#main-key", origin.join(SITE_PATH));
        let mut request = self
            .client
            .http
            .get(url.clone())
            .header("accept", fetch::ACCEPT);
        for (name, value) in
            signature::sign(Scheme::Cavage, "GET", &url, None, &key_id, &key, site.now())
                .map_err(|e| FetchError::Failed(e.to_string()))?
        {
            if name != "host" {
                request = request.header(name, value);
            }
        }
        let response = request
            .send()
            .await
            .map_err(|e| FetchError::Failed(format!("{address}: {e}")))?;
        if !response.status().is_success() {
            return Err(FetchError::Status {
                url: address.to_owned(),
                status: response.status().as_u16(),
            });
        }
        let kind = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_ascii_lowercase();
        // An upload served as JSON from the same server is no document.
        if !(kind.starts_with("application/activity+json")
            || kind.starts_with("application/ld+json"))
        {
            return Err(FetchError::NotJson(
                address.to_owned(),
                format!("it is {kind}, not application/activity+json"),
            ));
        }
        let final_url = response.url().clone();
        let body = Client::body(address, response).await?;
        let doc: Value = serde_json::from_slice(&body)
            .map_err(|e| FetchError::NotJson(address.to_owned(), e.to_string()))?;
        let id = doc.get("id").and_then(Value::as_str).unwrap_or_default();
        let same_origin = url::Url::parse(id).is_ok_and(|i| i.origin() == final_url.origin());
        if !same_origin {
            return Err(FetchError::Failed(format!(
                "{address}: the document's id ({id}) is not on the server it came from"
            )));
        }
        Ok(doc)
    }

    /// The actor holding the key `key_id` (its document's address is the
    /// key's, less the fragment), with that key.
    /// The actor holding the key `key_id` (its document's address is the
    /// key's, less the fragment, or the key document names its owner),
    /// and whether it was fetched now: kept only once a signature verifies.
    pub async fn actor_by_key(
        &self,
        site: &Site,
        origin: &SiteUrl,
        key_id: &str,
        refresh: bool,
    ) -> anyhow::Result<(RemoteActor, bool)> {
        if !refresh {
            if let Some(actor) = site.store.remote_actor_by_key(key_id).await? {
                if site.now() - actor.fetched_at < ACTOR_FRESH_FOR {
                    return Ok((actor, false));
                }
            }
        }
        let address = key_id.split('#').next().unwrap_or(key_id);
        let mut doc = self.fetch(site, origin, address).await?;
        let mut expected = address.to_owned();
        // A key published as its own document names its owner.
        if doc.get("inbox").is_none() {
            if let Some(owner) = doc.get("owner").and_then(Value::as_str) {
                expected = owner.to_owned();
                doc = self.fetch(site, origin, owner).await?;
            }
        }
        let actor = parse_actor(&doc, Some(key_id), site.now())
            .map_err(|e| anyhow::anyhow!("{address}: {e}"))?;
        // Only the actor's own address speaks for it (not another document
        // on its server that says it is the actor).
        if actor.id != expected {
            anyhow::bail!("{address}: the document is of another actor ({})", actor.id);
        }
        Ok((actor, true))
    }

    /// The signature scheme to try first with a server: the one it took
    /// last, else RFC 9421 (Mastodon 4.5 and Fedify take it; older servers
    /// refuse it, and the other is tried at once).
    pub fn scheme_for(&self, host: &str) -> Scheme {
        *self
            .schemes
            .lock()
            .unwrap()
            .get(host)
            .unwrap_or(&Scheme::Rfc9421)
    }

    pub fn remember_scheme(&self, host: &str, scheme: Scheme) {
        self.schemes.lock().unwrap().insert(host.to_owned(), scheme);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn keys_are_pem_that_read_back() {
        use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey};
        let keys = super::new_keys().unwrap();
        assert!(keys.public_pem.starts_with("-----BEGIN PUBLIC KEY-----"));
        rsa::RsaPublicKey::from_public_key_pem(&keys.public_pem).unwrap();
        rsa::RsaPrivateKey::from_pkcs8_pem(&keys.private_pem).unwrap();
    }
}
