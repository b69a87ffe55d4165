//! The classifier on the YouTube Spam Collection: trained on videos 1-4,
//! tested once on the Shakira file. Needs `../shared/data/spam` beside the
//! project root (CI has it); without it the test says so and passes.

use bestpick_spam::{data, Confusion, Model, Training};
use std::path::PathBuf;

fn collection() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/spam/youtube-spam-collection");
    dir.is_dir().then_some(dir)
}

#[test]
fn trained_on_four_videos_it_classifies_the_fifth() {
    let Some(dir) = collection() else {
        eprintln!("SKIPPED: ../shared/data/spam is not there");
        return;
    };
    let read = |name: &str| data::youtube_csv(&std::fs::read(dir.join(name)).unwrap()).unwrap();
    let mut train = Vec::new();
    for f in [
        "Youtube01-Psy.csv",
        "Youtube02-KatyPerry.csv",
        "Youtube03-LMFAO.csv",
        "Youtube04-Eminem.csv",
    ] {
        train.extend(read(f));
    }
    let test = read("Youtube05-Shakira.csv");
    assert_eq!((train.len(), test.len()), (1586, 370));
    let model = Model::train(&train, Training::default());
    let mut c = Confusion::default();
    for e in &test {
        c.add(
            e.spam,
            model.score_text(&e.text, e.author.as_deref()) >= 0.5,
        );
    }
    println!(
        "Shakira: accuracy {:.3}, precision {:.3}, recall {:.3}, F1 {:.3}, MCC {:.3}, FPR {:.3} ({c:?})",
        c.accuracy(), c.precision(), c.recall(), c.f1(), c.mcc(), c.false_positive_rate()
    );
    assert!(c.accuracy() > 0.9, "{c:?}");
}

/// Leave-one-video-out cross-validation on videos 1-4 only, for choosing
/// the training settings without looking at the test file. Run with
/// `cargo test -p bestpick-spam --release --test youtube -- --ignored --nocapture`.
#[test]
#[ignore = "a tuning aid that prints figures; slow in debug builds"]
fn tune_by_leaving_one_video_out() {
    let Some(dir) = collection() else {
        eprintln!("SKIPPED: ../shared/data/spam is not there");
        return;
    };
    let files = [
        "Youtube01-Psy.csv",
        "Youtube02-KatyPerry.csv",
        "Youtube03-LMFAO.csv",
        "Youtube04-Eminem.csv",
    ];
    let videos: Vec<_> = files
        .iter()
        .map(|f| data::youtube_csv(&std::fs::read(dir.join(f)).unwrap()).unwrap())
        .collect();
    for epochs in [6, 12, 24] {
        for learning_rate in [0.2, 0.5, 1.0] {
            for l2 in [0.0, 1e-5, 1e-4] {
                let training = Training {
                    epochs,
                    learning_rate,
                    l2,
                    seed: 42,
                };
                let mut c = Confusion::default();
                for held in 0..videos.len() {
                    let train: Vec<_> = videos
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| *i != held)
                        .flat_map(|(_, v)| v.iter().cloned())
                        .collect();
                    let model = Model::train(&train, training);
                    for e in &videos[held] {
                        c.add(
                            e.spam,
                            model.score_text(&e.text, e.author.as_deref()) >= 0.5,
                        );
                    }
                }
                println!("epochs {epochs:>2} lr {learning_rate:<4} l2 {l2:<7}: accuracy {:.3} MCC {:.3} FPR {:.3}", c.accuracy(), c.mcc(), c.false_positive_rate());
            }
        }
    }
}
