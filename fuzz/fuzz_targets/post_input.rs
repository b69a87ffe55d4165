//! The decoders of a post sent to the site: the editor's form body and the
//! API's JSON. Either decodes and validates, or is refused with a message;
//! never a panic.
#![no_main]

use bestpick_core::document::PostData;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = bestpick_web::decode_post_form(data);
    if let Ok(post) = serde_json::from_slice::<PostData>(data) {
        let _ = post.validate();
    }
});
