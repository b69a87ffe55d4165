//! Integration tests of the web side: the real server on a random port, a
//! fresh data folder per test with its database (SQLite, or PostgreSQL when
//! `BESTPICK_TEST_POSTGRES` is set), driven over HTTP like a browser would.
//!
//! - `helpers`: `TestApp`, logging in, forms with their CSRF token.
//! - `public`: the pages readers see, built from imported content.
//! - `editor`: logging in and writing posts through the forms; bad input.
//! - `comments`: reader comments, the spam pipeline, moderation, privacy.
//! - `cache`: the page cache: changes shown at once, nothing personal shared,
//!   304s, encodings, one render per crowd, the memory bound.
//! - `images`: images in the editor, the image library.
//! - `api`: the JSON API.
//! - `browser`: headless Chromium through chromedriver.
//! - `readers`: the demo's pages in Chromium: contrast in both schemes, phones.
//! - `editor_walk`: the La La Land pick typed into the editor, counted.
//! - `security`: one regression test (or more) per hole of issue 11.
//! - `instances`: several instances of one site on one database.
//! - `search`: site search: the page, filters, the index kept in step, bad queries.
//! - `discover`: related picks and their reasons; the works list.
//! - `play`: the Quotes and Guess! sections, with and without JavaScript.
//! - `ratings`: readers rating picks, once each, apart from the critics.
//! - `follow`: feeds, the sitemap, structured data, social cards, mail.
//! - `federation`: WebFinger, NodeInfo, actors, collections, the admin's page.
//! - `fediverse`: federation with a real Fedify server on loopback.

mod api;
mod browser;
mod cache;
mod chromium;
mod comments;
mod discover;
mod editor;
mod editor_walk;
mod federation;
mod fediverse;
mod follow;
mod helpers;
mod images;
mod instances;
mod mail;
mod permissions;
mod play;
mod public;
mod ratings;
mod readers;
mod search;
mod security;
