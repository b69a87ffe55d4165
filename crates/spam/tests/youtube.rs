//! The classifier on the YouTube Spam Collection: trained on videos 1-4,
//! tested once on the Shakira file, each comment read as a comment on its
//! video (the video's artist and title are its post's context). Needs `../shared/data/spam` beside the
//! project root (CI has it); without it each test says so and passes.

use bestpick_spam::{data, Confusion, Evaluation, Example, Model, Thresholds, Training};
use std::path::PathBuf;

const TRAINING_FILES: [&str; 4] = [
    "Youtube01-Psy.csv",
    "Youtube02-KatyPerry.csv",
    "Youtube03-LMFAO.csv",
    "Youtube04-Eminem.csv",
];

fn collection() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/spam/youtube-spam-collection");
    if !dir.is_dir() {
        skip("../shared/data/spam is not there");
    }
    dir.is_dir().then_some(dir)
}

/// A file's comments, each read as a comment on its video: the video's
/// artist and title are its post's context.
fn read(dir: &std::path::Path, name: &str) -> Vec<Example> {
    let video = data::youtube_video(name).unwrap();
    let mut examples = data::youtube_csv(&std::fs::read(dir.join(name)).unwrap()).unwrap();
    for e in &mut examples {
        e.context = video.to_owned();
    }
    examples
}

#[test]
fn trained_on_four_videos_it_classifies_the_fifth() {
    let Some(dir) = collection() else { return };
    let train: Vec<Example> = TRAINING_FILES.iter().flat_map(|f| read(&dir, f)).collect();
    let test = read(&dir, "Youtube05-Shakira.csv");
    assert_eq!((train.len(), test.len()), (1586, 370));
    let model = Model::train(&train, Training::default());
    let e = Evaluation::of(&model, &test, Thresholds::default());
    println!("Shakira, trained on videos 1-4:\n{e}");
    // Floors at the measured figures, each comment read as one on its
    // video (accuracy 0.949, MCC 0.899, 0% of legitimate comments to spam,
    // 4.6% of spam published, 9.5% held). The targets (0.96, 0.92,
    // 3% published) are not met; see the README's figures.
    assert!(e.confusion.accuracy() >= 0.945, "{e}");
    assert!(e.confusion.mcc() >= 0.89, "{e}");
    assert!(e.ham_to_spam() <= 0.01, "{e}");
    assert!(e.spam_published() <= 0.05, "{e}");
    assert!(e.held() <= 0.15, "{e}");
}

/// Leave-one-video-out cross-validation on videos 1-4 only: how the
/// features, training settings and thresholds were chosen without looking
/// at the test file. Run with
/// `cargo test -p bestpick-spam --release --test youtube -- --ignored --nocapture`.
#[test]
#[ignore = "a tuning aid that prints figures; slow in debug builds"]
fn tune_by_leaving_one_video_out() {
    let Some(dir) = collection() else { return };
    let videos: Vec<Vec<Example>> = TRAINING_FILES.iter().map(|f| read(&dir, f)).collect();
    let mut all = Confusion::default();
    let mut scores = Vec::new();
    for held in 0..videos.len() {
        let train: Vec<Example> = videos
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != held)
            .flat_map(|(_, v)| v.iter().cloned())
            .collect();
        let model = Model::train(&train, Training::default());
        let mut video = Confusion::default();
        for e in &videos[held] {
            let s = model.score(&e.features());
            scores.push((s, e.spam));
            video.add(e.spam, s >= 0.5);
            all.add(e.spam, s >= 0.5);
        }
        println!(
            "{}: accuracy {:.3} MCC {:.3} FPR {:.3}",
            TRAINING_FILES[held],
            video.accuracy(),
            video.mcc(),
            video.false_positive_rate()
        );
    }
    println!(
        "all four: accuracy {:.3} MCC {:.3} FPR {:.3} {all:?}",
        all.accuracy(),
        all.mcc(),
        all.false_positive_rate()
    );
    let (ham, spam) = (all.tn + all.fp, all.tp + all.fn_);
    for hold in [0.1, 0.2, 0.3] {
        for spam_at in [0.9, 0.95, 0.97] {
            let count = |f: &dyn Fn(f32, bool) -> bool| {
                scores.iter().filter(|(s, label)| f(*s, *label)).count() as f32
            };
            println!(
                "hold {hold} spam {spam_at}: legitimate to spam {:.3}, spam published {:.3}, held {:.3}",
                count(&|s, l| !l && s >= spam_at) / ham as f32,
                count(&|s, l| l && s < hold) / spam as f32,
                count(&|s, _| s >= hold && s < spam_at) / scores.len() as f32,
            );
        }
    }
}

/// A test whose real part is missing (chromedriver, `../shared`) says so
/// and passes, outside CI; with `CI` set (where `.ci/run` installs and
/// provides everything) it fails instead of passing without running.
fn skip(reason: &str) {
    if std::env::var_os("CI").is_some() {
        panic!("CI is set, so this test may not be skipped: {reason}");
    }
    eprintln!("SKIPPED: {reason}");
}
