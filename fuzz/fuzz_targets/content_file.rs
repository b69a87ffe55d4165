//! The content-file parser (TOML front matter and Markdown): any text is
//! parsed or refused with errors, never a panic; and a parsed file,
//! written back out, reads back and is written the same way again (the
//! first writing may add the body's final newline).
#![no_main]

use bestpick_core::document::{parse, render};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok((post, _)) = parse(text) {
        let written = render(&post);
        match parse(&written) {
            Ok((again, _)) => assert_eq!(render(&again), written),
            Err(e) => panic!("a parsed post does not read back: {e:?}\nwritten as:\n{written}"),
        }
    }
});
