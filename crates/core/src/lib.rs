//! The film data model and its rules, as plain types and functions.
//!
//! Nothing here does I/O: the store persists these types, the app wires them to
//! files and the database, the web renders them. Every rule about what is valid
//! (a score within its scale, a plausible year, a well-formed slug) lives here,
//! once, so the CLI, the editor and the API all refuse the same input the same way.

pub mod comment;
pub mod document;
pub mod error;
pub mod format;
pub mod guess;
pub mod markdown;
pub mod post;
pub mod related;
pub mod score;
pub mod search;
pub mod site_url;
pub mod slug;
pub mod user;
pub mod work;

pub use error::{FieldError, FieldErrors};
pub use site_url::SiteUrl;
pub use slug::Slug;
