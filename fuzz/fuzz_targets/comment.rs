//! A reader's comment through the pipeline up to the classifier: the
//! fields are checked (refused with field errors, never a panic), the body
//! rendered without script, and the shipped model scores it in [0, 1].
#![no_main]

use bestpick_core::comment::{self, CommentInput, Limits};
use bestpick_spam::Model;
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

static MODEL: LazyLock<Model> = LazyLock::new(Model::shipped);

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // Name, email, website and body, split at the first three NULs.
    let mut fields = text.splitn(4, '\0');
    let mut next = || fields.next().unwrap_or("");
    let (name, email, website, body) = (next(), next(), next(), next());
    let input = CommentInput::new(name, email, website, body);
    if input.validate(Limits::default()).is_err() {
        return;
    }
    let _ = comment::fingerprint(&input.body);
    let html = comment::body_html(&input.body).to_ascii_lowercase();
    assert!(
        !html.contains("<script") && !html.contains("<iframe"),
        "{html}"
    );
    let score = MODEL.score_text(&input.body);
    assert!((0.0..=1.0).contains(&score), "score {score}");
});
