//! Classification throughput on one core: `cargo bench -p bestpick-spam`.
//! Scores every comment of the Shakira file (or, without `../shared`, a
//! few built-in comments) over and over for about two seconds and prints
//! comments per second and the mean time per comment.

use bestpick_spam::{data, Model};
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn comments() -> Vec<String> {
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/spam/youtube-spam-collection/Youtube05-Shakira.csv");
    match std::fs::read(&file) {
        Ok(bytes) => data::youtube_csv(&bytes)
            .expect("the Shakira file parses")
            .into_iter()
            .map(|e| e.text)
            .collect(),
        Err(_) => [
            "Loved the long take in the second act, and that score!",
            "Check out my channel http://example.com/promo and subscribe please!!!",
            "Has anyone seen the director's earlier film? Is it as quiet as this one?",
            "EARN $500 A DAY FROM HOME, email me at cash@example.net",
        ]
        .map(str::to_owned)
        .to_vec(),
    }
}

fn main() {
    let model = Model::shipped();
    let comments = comments();
    let bytes: usize = comments.iter().map(String::len).sum();
    let mut scored = 0usize;
    let mut sink = 0.0f32;
    let start = Instant::now();
    // Bounded: about two seconds, whatever the machine.
    while start.elapsed() < Duration::from_secs(2) {
        for c in &comments {
            sink += model.score_text(c);
        }
        scored += comments.len();
    }
    let elapsed = start.elapsed();
    std::hint::black_box(sink);
    let per_second = scored as f64 / elapsed.as_secs_f64();
    println!(
        "classified {scored} comments ({} distinct, mean {} bytes) in {:.2} s on one core",
        comments.len(),
        bytes / comments.len(),
        elapsed.as_secs_f64()
    );
    println!(
        "{per_second:.0} comments/s, {:.1} µs per comment",
        1e6 / per_second
    );
}
