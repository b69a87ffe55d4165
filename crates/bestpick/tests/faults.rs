//! Durability under faults, with the binary as it runs in production.
//!
//! - Readers post comments while `bestpick serve` is killed (SIGKILL) at
//!   random moments and started again: every comment that was acknowledged
//!   (303) is stored afterwards, and the database passes its integrity
//!   check. On the suite's engine: SQLite, or PostgreSQL with
//!   `BESTPICK_TEST_POSTGRES`.
//! - A PostgreSQL server of the test's own is stopped under a running site:
//!   pages that need it answer 503 with a clear message at once, not a
//!   hang, and the site recovers by itself when the server returns.

mod common;

use bestpick_store::{Clock, Location};
use common::{bestpick, Folder, Server};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Readers posting at once, and how many times the server is killed.
const READERS: usize = 6;
const KILLS: usize = 6;

fn settings(dir: &Folder, pairs: &[(&str, &str)]) {
    for (key, value) in pairs {
        let out = bestpick(dir, &["settings", "set", key, value], "");
        assert!(out.status.success(), "{}", common::text(&out.stderr));
    }
}

/// Comment settings that let the readers post at once and often.
const OPEN: &[(&str, &str)] = &[
    ("comments.min_seconds", "0"),
    ("comments.per_ip", "1000000"),
    ("comments.per_network", "1000000"),
    ("comments.per_post", "1000000"),
    ("comments.spam_at", "0.999"),
    ("comments.hold_at", "0.99"),
];

/// Posts one comment through the form, as a browser does; the body when
/// the site acknowledged it (303).
async fn post_comment(client: &reqwest::Client, base: &str, post_id: &str, body: &str) -> bool {
    let Ok(form) = client
        .get(format!("{base}/comments/form/{post_id}"))
        .send()
        .await
    else {
        return false;
    };
    let Ok(me) = form.json::<serde_json::Value>().await else {
        return false;
    };
    let fields = [
        ("csrf", me["csrf"].as_str().unwrap_or_default()),
        ("stamp", me["stamp"].as_str().unwrap_or_default()),
        ("post_id", post_id),
        ("name", "Durable Reader"),
        ("email", "durable@example.com"),
        ("body", body),
    ];
    match client
        .post(format!("{base}/comments"))
        .form(&fields)
        .send()
        .await
    {
        Ok(r) => r.status() == 303,
        Err(_) => false,
    }
}

async fn post_id(base: &str, path: &str) -> String {
    let page = reqwest::get(format!("{base}{path}")).await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    let marker = "name=\"post_id\" value=\"";
    let start = html.find(marker).expect("a comment form") + marker.len();
    html[start..start + html[start..].find('"').unwrap()].to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_comment_survives_sigkill() {
    let dir = Arc::new(Folder::new());
    assert!(bestpick(&dir, &["demo"], "").status.success());
    settings(&dir, OPEN);
    let server = Server::start(&dir);
    let post = post_id(&server.url, "/best-pick/la-la-land").await;
    let base = Arc::new(Mutex::new(server.url.clone()));
    let server = Arc::new(Mutex::new(Some(server)));

    let stop = Arc::new(AtomicBool::new(false));
    let readers: Vec<_> = (0..READERS)
        .map(|r| {
            let (base, stop, post) = (base.clone(), stop.clone(), post.clone());
            tokio::spawn(async move {
                let client = reqwest::Client::builder()
                    .cookie_store(true)
                    .redirect(reqwest::redirect::Policy::none())
                    .timeout(Duration::from_secs(5))
                    .build()
                    .unwrap();
                let mut acknowledged = Vec::new();
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) {
                    n += 1;
                    let body = format!("Reader {r} wrote note {n} about the planetarium dance.");
                    let url = base.lock().unwrap().clone();
                    if post_comment(&client, &url, &post, &body).await {
                        acknowledged.push(body);
                    } else {
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                }
                acknowledged
            })
        })
        .collect();

    // Kill the server at random moments while the readers post, and
    // start it again each time.
    for _ in 0..KILLS {
        let pause = 150 + rand_below(400);
        tokio::time::sleep(Duration::from_millis(pause)).await;
        let (dir, server, base) = (dir.clone(), server.clone(), base.clone());
        tokio::task::spawn_blocking(move || {
            let mut running = server.lock().unwrap();
            let mut old = running.take().expect("a running server");
            old.child.kill().unwrap(); // SIGKILL: no shutdown, no flush
            old.child.wait().unwrap();
            let new = Server::start(&dir);
            *base.lock().unwrap() = new.url.clone();
            *running = Some(new);
        })
        .await
        .unwrap();
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, Ordering::Relaxed);
    let mut acknowledged = Vec::new();
    for r in readers {
        acknowledged.extend(r.await.unwrap());
    }
    let server = server.lock().unwrap().take().unwrap();
    server.stop();
    assert!(
        acknowledged.len() > KILLS * 5,
        "the readers got through between kills: {}",
        acknowledged.len()
    );

    let site = bestpick_app::Site::open_at(dir.path(), dir.db.location(), Clock::system())
        .await
        .unwrap();
    let stored: HashSet<String> = site
        .store
        .comments_by_email("durable@example.com")
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.body)
        .collect();
    let lost: Vec<&String> = acknowledged
        .iter()
        .filter(|b| !stored.contains(*b))
        .collect();
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
    eprintln!(
        "{} comments acknowledged over {KILLS} kills, all stored ({} stored in all)",
        acknowledged.len(),
        stored.len()
    );
    site.store.close().await;
    integrity_check(dir.db.location()).await;
}

/// The engine's own check of the whole database.
async fn integrity_check(location: &Location) {
    match location {
        Location::Sqlite(path) => {
            use sqlx::{Connection, Row};
            let url = format!("sqlite://{}?mode=ro", path.display());
            let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
            let ok: String = sqlx::query("PRAGMA integrity_check")
                .fetch_one(&mut conn)
                .await
                .unwrap()
                .get(0);
            assert_eq!(ok, "ok");
            let broken = sqlx::query("PRAGMA foreign_key_check")
                .fetch_all(&mut conn)
                .await
                .unwrap();
            assert!(broken.is_empty(), "{} rows break a reference", broken.len());
        }
        Location::Postgres(url) => {
            let url = reqwest::Url::parse(url).unwrap();
            let out = Command::new(postgres_bin("pg_amcheck"))
                .args(["--install-missing", "-h", url.host_str().unwrap(), "-U"])
                .arg(url.username())
                .arg("-p")
                .arg(url.port().unwrap_or(5432).to_string())
                .arg("-d")
                .arg(url.path().trim_start_matches('/'))
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "pg_amcheck: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

/// A number below `n`, from the clock's nanoseconds (no need for more).
fn rand_below(n: u64) -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    u64::from(nanos) % n
}

/// A PostgreSQL program of the installed server.
fn postgres_bin(name: &str) -> PathBuf {
    let found = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|v| v.path().join("bin").join(name))
        .find(|p| p.exists());
    found.unwrap_or_else(|| PathBuf::from(name))
}

/// A PostgreSQL server of the test's own, on a free port, run as the
/// `postgres` user (the server refuses to run as root).
struct Cluster {
    dir: tempfile::TempDir,
    port: u16,
}

impl Cluster {
    fn create() -> Option<Cluster> {
        if !postgres_bin("initdb").exists() {
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let owned = Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(dir.path())
            .status()
            .ok()?;
        if !owned.success() {
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let cluster = Cluster { dir, port };
        let made = cluster.as_postgres(
            Command::new(postgres_bin("initdb"))
                .args(["-A", "trust", "-U", "postgres", "--no-sync", "-D"])
                .arg(cluster.data()),
        );
        made.then_some(cluster)
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn as_postgres(&self, command: &mut Command) -> bool {
        let program = command.get_program().to_owned();
        let args: Vec<_> = command.get_args().map(|a| a.to_owned()).collect();
        Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(program)
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    fn start(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.dir.path().display()
        );
        let log = self.dir.path().join("server.log");
        assert!(
            self.as_postgres(
                Command::new(postgres_bin("pg_ctl"))
                    .arg("-D")
                    .arg(self.data())
                    .arg("-l")
                    .arg(&log)
                    .args(["-o", &options, "-w", "start"])
            ),
            "the test's PostgreSQL did not start"
        );
    }

    fn stop(&self) {
        assert!(self.as_postgres(
            Command::new(postgres_bin("pg_ctl"))
                .arg("-D")
                .arg(self.data())
                .args(["-m", "fast", "-w", "stop"])
        ));
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.as_postgres(
            Command::new(postgres_bin("pg_ctl"))
                .arg("-D")
                .arg(self.data())
                .args(["-m", "immediate", "-w", "stop"]),
        );
    }
}

/// The binary on `data` with the database at `url`.
fn on(data: &Path, url: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_bestpick"));
    command
        .env("BESTPICK_DATA", data)
        .env("BESTPICK_DATABASE_URL", url);
    command
}

#[test]
fn a_stopped_database_answers_503_and_the_site_recovers_by_itself() {
    let Some(cluster) = Cluster::create() else {
        common::skip("no PostgreSQL server programs (initdb, pg_ctl) or no runuser");
        return;
    };
    cluster.start();
    let data = tempfile::tempdir().unwrap();
    let demo = on(data.path(), &cluster.url())
        .arg("demo")
        .output()
        .unwrap();
    assert!(demo.status.success(), "{}", common::text(&demo.stderr));
    let server = Server::start_with(on(data.path(), &cluster.url()));
    assert_eq!(server.get("/best-pick/la-la-land").0, 200);

    cluster.stop();
    // A page that needs the database: 503 and a clear message, soon.
    let start = Instant::now();
    let (status, page) = server.get("/best-pick/the-thing");
    let waited = start.elapsed();
    assert_eq!(status, 503, "{page}");
    assert!(page.contains("cannot reach its database"), "{page}");
    assert!(
        waited < Duration::from_secs(10),
        "answered after {waited:?}"
    );
    eprintln!("503 after {waited:?} with the database stopped");
    let (status, body) = server.get("/api/v1/posts");
    assert_eq!(status, 503, "{body}");
    // A page kept from before still answers: nothing can have changed it.
    assert_eq!(server.get("/best-pick/la-la-land").0, 200);

    cluster.start();
    let start = Instant::now();
    loop {
        let (status, _) = server.get("/best-pick/the-thing");
        if status == 200 {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the site did not recover: {status}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    eprintln!("recovered {:?} after the server returned", start.elapsed());
    server.stop();
}
