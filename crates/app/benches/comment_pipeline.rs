//! The latency of the whole comment pipeline, one comment at a time as a
//! web handler runs it: checks, rate-limit and duplicate queries, the
//! classifier, and the SQLite write. `cargo bench -p bestpick-app`.
//! A fresh site in a temporary folder; 2,000 distinct comments.

use bestpick_app::comments::{self, Submission};
use bestpick_app::posts::CoverSource;
use bestpick_app::{accounts, import, Site};
use bestpick_core::comment::CommentInput;
use bestpick_core::user::Role;
use std::time::{Duration, Instant};

const COMMENTS: usize = 2_000;

const POST: &str = "+++\ntitle = \"A pick\"\nslug = \"a-pick\"\nkind = \"essay\"\nsection = \"essays\"\n+++\nA post to comment on.\n";

const SENTENCES: &[&str] = &[
    "The long take in the second act is the best thing in it",
    "I watched it twice and the ending still surprised me",
    "Check out my channel for more reviews like this one",
    "The score carries the quiet scenes more than the dialogue",
    "Has anyone seen the director's earlier film about the lighthouse",
];

fn main() {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    runtime.block_on(run());
}

async fn run() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let site = Site::open(dir.path()).await.expect("a site");
    site.store
        .create_section("essays", "Essays", "")
        .await
        .expect("a section");
    let admin = accounts::add_user(
        &site,
        "admin",
        "Admin",
        Role::Admin,
        "a long enough password",
    )
    .await
    .expect("an admin");
    import::import_text(&site, POST, CoverSource::None, &admin)
        .await
        .expect("the post");
    let post_id = site.store.post_id_by_slug("a-pick").await.unwrap().unwrap();
    let pairs: Vec<(String, String)> = [
        ("min_seconds", "0"),
        ("per_ip", "1000000"),
        ("per_network", "1000000"),
        ("per_post", "1000000"),
    ]
    .iter()
    .map(|(k, v)| (format!("comments.{k}"), v.to_string()))
    .collect();
    site.store.set_settings(&pairs).await.unwrap();
    let stamp = comments::form_stamp(&site, post_id);

    let mut times: Vec<Duration> = Vec::with_capacity(COMMENTS);
    let start = Instant::now();
    for i in 0..COMMENTS {
        let body = format!(
            "{} ({i}), {}.",
            SENTENCES[i % SENTENCES.len()],
            SENTENCES[(i / 5) % SENTENCES.len()]
        );
        let submission = Submission {
            post_id,
            parent_id: None,
            input: CommentInput::new(
                &format!("Reader {i}"),
                &format!("reader{i}@example.com"),
                "",
                &body,
            ),
            notify: false,
            ip: std::net::IpAddr::from([
                10,
                (i / 65536) as u8,
                (i / 256 % 256) as u8,
                (i % 256) as u8,
            ]),
            honeypot: String::new(),
            form_stamp: stamp.clone(),
            user: None,
        };
        let t = Instant::now();
        comments::post_comment(&site, submission)
            .await
            .expect("stored");
        times.push(t.elapsed());
    }
    let total = start.elapsed();
    times.sort();
    let pct = |p: f64| times[((times.len() as f64 * p) as usize).min(times.len() - 1)];
    println!(
        "comment pipeline: {COMMENTS} comments in {:.2} s ({:.0} comments/s, one at a time)",
        total.as_secs_f64(),
        COMMENTS as f64 / total.as_secs_f64()
    );
    println!(
        "latency per comment: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        ms(pct(0.5)),
        ms(pct(0.99)),
        ms(times[times.len() - 1])
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
