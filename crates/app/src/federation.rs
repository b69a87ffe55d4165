//! The site in the fediverse: its actors (the site itself, and each
//! author with something published) and their keys. Federation is off
//! until the `federation` setting is `on`.

use crate::Site;
use bestpick_store::ActorKeys;

/// The site's own actor, `acct:site@HOST`.
pub const SITE_ACTOR: &str = "site";

/// Bits of a new RSA key: what Mastodon makes, and every server takes.
const KEY_BITS: usize = 2048;

/// Whether the site answers as an ActivityPub actor.
pub async fn enabled(site: &Site) -> Result<bool, bestpick_store::StoreError> {
    Ok(site
        .store
        .setting(crate::settings::FEDERATION)
        .await?
        .as_deref()
        == Some("on"))
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

fn new_keys() -> anyhow::Result<ActorKeys> {
    use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
    let private = rsa::RsaPrivateKey::new(&mut rand::thread_rng(), KEY_BITS)?;
    Ok(ActorKeys {
        public_pem: private.to_public_key().to_public_key_pem(LineEnding::LF)?,
        private_pem: private.to_pkcs8_pem(LineEnding::LF)?.to_string(),
    })
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
