//! The login limit on a real database (SQLite, or PostgreSQL with
//! `BESTPICK_TEST_POSTGRES`), on a clock the test moves.

use bestpick_app::{login_limit, Site};
use bestpick_store::scratch::Scratch;
use bestpick_store::Clock;
use std::net::IpAddr;

async fn site() -> (tempfile::TempDir, Scratch, Site) {
    let dir = tempfile::tempdir().unwrap();
    let db = Scratch::new(dir.path()).await.unwrap();
    let site = Site::open_at(dir.path(), db.location(), Clock::fixed(1_000_000))
        .await
        .unwrap();
    (dir, db, site)
}

async fn attempt(site: &Site, ip: IpAddr, name: &str) -> Result<(), i64> {
    login_limit::attempt(site, ip, name).await.unwrap()
}

#[tokio::test]
async fn attempts_slow_down_and_lock_nobody_out() {
    let (_dir, _db, site) = site().await;
    let ip = |n: u8| IpAddr::from([203, 0, 113, n]);
    // One address on one account: five free tries, then a second apart,
    for _ in 0..5 {
        assert!(attempt(&site, ip(1), "Admin").await.is_ok());
    }
    assert_eq!(attempt(&site, ip(1), "admin").await, Err(1));
    // twice as long after the next, once the first delay has passed.
    site.store.clock().advance(1);
    assert!(attempt(&site, ip(1), "admin").await.is_ok());
    assert_eq!(attempt(&site, ip(1), "admin").await, Err(2));
    // The account's owner elsewhere is not slowed at all.
    assert!(attempt(&site, ip(2), "admin").await.is_ok());
    login_limit::succeeded(&site, ip(2), "admin").await.unwrap();
    // Spread over many addresses, guesses slow the account after 50,
    for n in 10..60 {
        assert!(attempt(&site, ip(n), "admin").await.is_ok());
    }
    assert!(attempt(&site, ip(99), "admin").await.is_err());
    // but not from an address its owner logged in from before.
    assert!(attempt(&site, ip(2), "admin").await.is_ok());
    // Twenty tries from one address slow it for every account.
    for n in 0..20 {
        let _ = attempt(&site, ip(3), &format!("user{n}")).await;
    }
    assert!(attempt(&site, ip(3), "editor").await.is_err());
    // IPv6 addresses count per /64.
    let a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
    let b: IpAddr = "2001:db8:1:2::ffff".parse().unwrap();
    for _ in 0..5 {
        assert!(attempt(&site, a, "editor").await.is_ok());
    }
    assert!(attempt(&site, b, "editor").await.is_err());
    // A quarter of an hour later every count starts over.
    site.store.clock().advance(login_limit::WINDOW);
    assert!(attempt(&site, ip(1), "admin").await.is_ok());
    assert!(attempt(&site, b, "editor").await.is_ok());
}

#[tokio::test]
async fn attempts_in_parallel_count_in_full() {
    let (_dir, _db, site) = site().await;
    let ip = IpAddr::from([198, 51, 100, 7]);
    let tries: Vec<_> = (0..12)
        .map(|_| {
            let site = site.clone();
            tokio::spawn(async move { attempt(&site, ip, "ann").await })
        })
        .collect();
    let mut let_in = 0;
    for t in tries {
        if t.await.unwrap().is_ok() {
            let_in += 1;
        }
    }
    assert_eq!(let_in, 5, "five free attempts, however they arrive");
}
