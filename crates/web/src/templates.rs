//! The theme's templates: embedded in the binary, each overridable by a file
//! of the same name in the data folder's `theme/templates/`.

use bestpick_core::format;
use minijinja::{Environment, Value};
use serde::Serialize;
use std::path::{Path, PathBuf};
use time::OffsetDateTime;

/// (name, source) of every template of the default theme.
const EMBEDDED: &[(&str, &str)] = &[
    ("base.html", include_str!("../theme/templates/base.html")),
    (
        "macros.html",
        include_str!("../theme/templates/macros.html"),
    ),
    ("home.html", include_str!("../theme/templates/home.html")),
    ("list.html", include_str!("../theme/templates/list.html")),
    (
        "search.html",
        include_str!("../theme/templates/search.html"),
    ),
    ("works.html", include_str!("../theme/templates/works.html")),
    (
        "quotes.html",
        include_str!("../theme/templates/quotes.html"),
    ),
    ("quote.html", include_str!("../theme/templates/quote.html")),
    ("guess.html", include_str!("../theme/templates/guess.html")),
    (
        "guess_result.html",
        include_str!("../theme/templates/guess_result.html"),
    ),
    ("post.html", include_str!("../theme/templates/post.html")),
    ("pick.html", include_str!("../theme/templates/pick.html")),
    ("facts.html", include_str!("../theme/templates/facts.html")),
    (
        "comments.html",
        include_str!("../theme/templates/comments.html"),
    ),
    (
        "comment_edit.html",
        include_str!("../theme/templates/comment_edit.html"),
    ),
    (
        "admin/comments.html",
        include_str!("../theme/templates/admin/comments.html"),
    ),
    (
        "admin/comment_settings.html",
        include_str!("../theme/templates/admin/comment_settings.html"),
    ),
    (
        "admin/comment_privacy.html",
        include_str!("../theme/templates/admin/comment_privacy.html"),
    ),
    ("work.html", include_str!("../theme/templates/work.html")),
    (
        "admin/subscribers.html",
        include_str!("../theme/templates/admin/subscribers.html"),
    ),
    (
        "admin/federation.html",
        include_str!("../theme/templates/admin/federation.html"),
    ),
    (
        "mail_page.html",
        include_str!("../theme/templates/mail_page.html"),
    ),
    (
        "mail/reply.txt",
        include_str!("../theme/templates/mail/reply.txt"),
    ),
    (
        "mail/reply.html",
        include_str!("../theme/templates/mail/reply.html"),
    ),
    (
        "mail/confirm.txt",
        include_str!("../theme/templates/mail/confirm.txt"),
    ),
    (
        "mail/confirm.html",
        include_str!("../theme/templates/mail/confirm.html"),
    ),
    (
        "mail/newsletter.txt",
        include_str!("../theme/templates/mail/newsletter.txt"),
    ),
    (
        "mail/newsletter.html",
        include_str!("../theme/templates/mail/newsletter.html"),
    ),
    (
        "person.html",
        include_str!("../theme/templates/person.html"),
    ),
    ("error.html", include_str!("../theme/templates/error.html")),
    ("setup.html", include_str!("../theme/templates/setup.html")),
    (
        "admin/base.html",
        include_str!("../theme/templates/admin/base.html"),
    ),
    (
        "admin/login.html",
        include_str!("../theme/templates/admin/login.html"),
    ),
    (
        "admin/posts.html",
        include_str!("../theme/templates/admin/posts.html"),
    ),
    (
        "admin/edit.html",
        include_str!("../theme/templates/admin/edit.html"),
    ),
    (
        "admin/media.html",
        include_str!("../theme/templates/admin/media.html"),
    ),
    (
        "admin/sections.html",
        include_str!("../theme/templates/admin/sections.html"),
    ),
    (
        "admin/users.html",
        include_str!("../theme/templates/admin/users.html"),
    ),
];

pub struct Templates {
    env: Environment<'static>,
}

impl Templates {
    /// Loads templates lazily, the theme folder first. A theme file that does
    /// not parse is reported when its page is first rendered.
    pub fn new(theme_dir: &Path) -> anyhow::Result<Templates> {
        let mut env = Environment::new();
        // Themes may test fields that a page lacks (`errors.title`) without failing.
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);
        let overrides: PathBuf = theme_dir.join("templates");
        env.set_loader(move |name| {
            let path = overrides.join(name);
            if !name.contains("..") && path.is_file() {
                return std::fs::read_to_string(&path).map(Some).map_err(|e| {
                    minijinja::Error::new(
                        minijinja::ErrorKind::InvalidOperation,
                        format!("could not read {}: {e}", path.display()),
                    )
                });
            }
            Ok(EMBEDDED
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, s)| (*s).to_owned()))
        });
        env.set_formatter(html_formatter);
        let theme = theme_dir.to_owned();
        env.add_function("asset", move |name: &str| {
            crate::assets::asset_url(&theme, name)
        });
        env.add_filter("usd", |n: u64| format::usd(n));
        env.add_filter("thousands", |n: u64| format::thousands(n));
        env.add_filter("runtime", |n: u32| format::runtime(n));
        env.add_filter("date", |t: i64| fmt_time(t, format::date));
        env.add_filter("isodate", |t: i64| fmt_time(t, format::iso_date));
        env.add_filter("datetime", |t: i64| fmt_time(t, format::date_time));
        env.add_filter("isotime", |t: i64| {
            format::unix_rfc3339(t).unwrap_or_default()
        });
        env.add_filter("and_list", |items: Vec<String>| format::list(&items));
        env.add_filter("score_width", |n: f64| {
            format!("{:.0}", n.clamp(0.0, 100.0))
        });
        Ok(Templates { env })
    }

    pub fn render(&self, name: &str, ctx: impl Serialize) -> Result<String, minijinja::Error> {
        self.env
            .get_template(name)?
            .render(Value::from_serialize(ctx))
    }
}

fn fmt_time(unix: i64, f: fn(OffsetDateTime) -> String) -> String {
    OffsetDateTime::from_unix_timestamp(unix)
        .map(f)
        .unwrap_or_default()
}

/// Escapes `& < > " '` in HTML output. minijinja's default also escapes `/`,
/// which is safe but turns every URL and "8.3/10" into entities.
fn html_formatter(
    out: &mut minijinja::Output,
    state: &minijinja::State,
    value: &Value,
) -> Result<(), minijinja::Error> {
    match value.as_str() {
        Some(s) if !value.is_safe() && state.auto_escape() == minijinja::AutoEscape::Html => out
            .write_str(&bestpick_core::markdown::escape(s))
            .map_err(|_| {
                minijinja::Error::new(minijinja::ErrorKind::WriteFailure, "could not write")
            }),
        _ => minijinja::escape_formatter(out, state, value),
    }
}
