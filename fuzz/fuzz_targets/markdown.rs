//! Markdown rendering and sanitising, as a post body takes them: a body
//! is refused (too large, too deep) or rendered, never a panic, and what
//! is rendered holds no element that runs script.
#![no_main]

use bestpick_core::markdown::{check_body, sanitise, to_html};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if check_body(text).is_err() {
        return;
    }
    let html = to_html(text, &|_| None);
    let lower = html.to_ascii_lowercase();
    for tag in ["<script", "<iframe", "<object", "<embed", "<style", "<form"] {
        assert!(!lower.contains(tag), "{tag} survived: {html}");
    }
    // Sanitising what is already clean keeps it clean.
    let again = sanitise(&html).to_ascii_lowercase();
    assert!(!again.contains("<script"), "{again}");
});
