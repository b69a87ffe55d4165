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
