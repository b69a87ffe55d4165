//! The login limit: attempts counted per account from one address, per
//! account from anywhere, and per address, in the database, so every
//! instance of a site counts the same attempts. None locks anyone out
//! (which would let anyone lock a user out, OWASP's warning): past a number
//! of free attempts, each further one must wait a delay that doubles with
//! each attempt, and the right password works once it has passed. An
//! attempt counts from the moment it is let in (so a burst in parallel
//! counts in full), and a successful login forgets its account's attempts.
//!
//! - one address on one account: 5 free, then up to 15 minutes apart;
//! - one account from all addresses: 50 free, then up to a minute apart,
//!   except from an address the account logged in from before (so a
//!   guesser spread over many addresses cannot keep its owner out);
//! - one address on all accounts: 20 free, then up to a minute apart.
//!
//! A key's attempts count in a window of a quarter of an hour from its
//! first one, then start over together (not one by one as they age). Keys
//! are stored as SHA-256 hashes, so a long made-up user name costs a row of
//! the same small size, and a key gets a row only when an attempt under it
//! is let in. Delays are timed by each instance's clock: keep the clocks of
//! a site's machines in step (NTP), as for scheduled posts.

use crate::{secrets, Site};
use bestpick_store::LoginCount;
use std::net::IpAddr;

/// Attempts count for this long (seconds), then start over.
pub const WINDOW: i64 = 15 * 60;
const MS: i64 = 1000;

/// What a key allows: free attempts in the window, the longest delay.
struct Rule {
    key: String,
    free: i64,
    max_delay: i64,
}

/// The account from this address, the account, the address.
fn rules(ip: IpAddr, username: &str) -> [Rule; 3] {
    let account = username.trim().to_lowercase();
    let ip = network(ip);
    let key = |text: String| secrets::token_hash(&text);
    [
        Rule {
            key: key(format!("pair|{account}|{ip}")),
            free: 5,
            max_delay: 15 * 60,
        },
        Rule {
            key: key(format!("user|{account}")),
            free: 50,
            max_delay: 60,
        },
        Rule {
            key: key(format!("ip|{ip}")),
            free: 20,
            max_delay: 60,
        },
    ]
}

/// Lets an attempt in and counts it, or says how many seconds to wait.
pub async fn attempt(site: &Site, ip: IpAddr, username: &str) -> anyhow::Result<Result<(), i64>> {
    let rules = rules(ip, username);
    let keys: Vec<String> = rules.iter().map(|r| r.key.clone()).collect();
    let verdict = site
        .store
        .count_login_attempt(&keys, WINDOW * MS, |counts, now_ms| {
            wait(&rules, counts, now_ms)
        })
        .await?;
    // Whole seconds, rounded up: waiting that long is always enough.
    Ok(verdict.map_err(|ms| (ms + MS - 1) / MS))
}

/// The milliseconds the next attempt must wait under these counts.
fn wait(rules: &[Rule; 3], counts: &[LoginCount], now_ms: i64) -> Result<(), i64> {
    let count = |key: &str| counts.iter().find(|c| c.key == key);
    let [pair, user, _] = rules;
    // An address the account logged in from is not slowed by guesses at
    // the account from elsewhere.
    let known = count(&pair.key).is_some_and(|c| c.known);
    let mut wait = 0;
    for rule in rules {
        if known && rule.key == user.key {
            continue;
        }
        let Some(c) = count(&rule.key) else {
            continue;
        };
        if c.attempts < rule.free {
            continue;
        }
        let doublings = (c.attempts - rule.free).min(20) as u32;
        let delay = (1i64 << doublings).min(rule.max_delay) * MS;
        wait = wait.max(delay - (now_ms - c.last_ms));
    }
    if wait > 0 {
        Err(wait)
    } else {
        Ok(())
    }
}

/// The attempt let in was right: its account's attempts are forgotten (not
/// its address's), and the address is known to the account.
pub async fn succeeded(site: &Site, ip: IpAddr, username: &str) -> anyhow::Result<()> {
    let [pair, user, _] = rules(ip, username);
    site.store
        .login_succeeded(&[pair.key.clone(), user.key], &pair.key)
        .await?;
    Ok(())
}

/// An IPv4 address, or the /64 of an IPv6 one: one machine usually has a
/// whole /64 to pick addresses from.
fn network(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => {
            let s = v6.segments();
            IpAddr::from([s[0], s[1], s[2], s[3], 0, 0, 0, 0])
        }
        v4 => v4,
    }
}
