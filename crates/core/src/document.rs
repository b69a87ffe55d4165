//! Posts as documents: Markdown with TOML front matter between `+++` lines
//! (the content file format of DESIGN.md), and the same fields as JSON for the API.
//!
//! [`PostData`] is the one shape of a post's input: files, the editor and the
//! API all fill it, and [`PostData::validate`] is the one place that checks it.

use crate::error::{FieldError, FieldErrors};
use crate::post::{self, CriticQuote, Line, Photo, PickParts, PostKind, PostStatus};
use crate::score::{self, Score};
use crate::slug::Slug;
use crate::work::Work;
use std::fmt;
use std::str::FromStr;
use time::OffsetDateTime;

/// A post as written by a person: front matter fields, then the Markdown body.
/// Unknown fields are refused, so a misspelt field is reported, not ignored.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostData {
    #[serde(default)]
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slug: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<PostKind>,
    #[serde(default)]
    pub section: String,
    /// Publication time: a date (`2017-01-20`) or a date and time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<PostDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<PostStatus>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Usernames of the authors.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub authors: Vec<String>,
    /// The question that closes a pick and invites comments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub question: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cover: Option<Photo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub work: Option<Work>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scores: Vec<Score>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub critics: Vec<CriticQuote>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<Line>,
    /// The Markdown body. In a file it follows the front matter; in JSON it is a field.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub body: String,
}

/// A publication time as written: TOML's own date or date-time in a file,
/// an RFC 3339 string (or plain date) in JSON.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
pub enum PostDate {
    Toml(toml::value::Datetime),
    Text(String),
}

impl PostDate {
    /// None for a time TOML cannot write: a year before 0 or after 9999.
    pub fn from_time(t: OffsetDateTime) -> Option<PostDate> {
        let t = t.to_offset(time::UtcOffset::UTC);
        let text = if t.time() == time::Time::MIDNIGHT {
            format!("{}", t.date())
        } else {
            t.format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default()
        };
        toml::value::Datetime::from_str(&text)
            .ok()
            .map(PostDate::Toml)
    }

    /// The time this date means; a date alone means midnight UTC.
    pub fn to_time(&self) -> Result<OffsetDateTime, String> {
        let dt = match self {
            PostDate::Toml(dt) => *dt,
            PostDate::Text(s) => toml::value::Datetime::from_str(s).map_err(|_| {
                format!("'{s}' is not a date such as 2017-01-20 or 2017-01-20T18:00:00Z")
            })?,
        };
        let date = dt.date.ok_or("must have a date, not only a time")?;
        let month = time::Month::try_from(date.month).map_err(|e| e.to_string())?;
        let date = time::Date::from_calendar_date(date.year as i32, month, date.day)
            .map_err(|e| format!("is not a real date: {e}"))?;
        let clock = match dt.time {
            Some(t) => time::Time::from_hms_nano(t.hour, t.minute, t.second, t.nanosecond)
                .map_err(|e| format!("is not a real time of day: {e}"))?,
            None => time::Time::MIDNIGHT,
        };
        let offset = match dt.offset {
            None | Some(toml::value::Offset::Z) => time::UtcOffset::UTC,
            Some(toml::value::Offset::Custom { minutes }) => {
                time::UtcOffset::from_whole_seconds(i32::from(minutes) * 60)
                    .map_err(|e| e.to_string())?
            }
        };
        Ok(date.with_time(clock).assume_offset(offset))
    }
}

/// A post's input after [`PostData::validate`]: everything checked and derived.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidPost {
    pub title: String,
    pub slug: Slug,
    pub kind: PostKind,
    pub section: Slug,
    pub published_at: Option<OffsetDateTime>,
    pub status: PostStatus,
    /// (name as written, slug)
    pub tags: Vec<(String, Slug)>,
    pub summary: Option<String>,
    pub authors: Vec<String>,
    pub question: Option<String>,
    pub cover: Option<Photo>,
    pub work: Option<Work>,
    pub parts: PickParts,
    pub body: String,
}

const MAX_TITLE: usize = 200;
/// How many of each list a post may hold: far more than any real pick,
/// few enough that a post is written in one statement per kind of part.
pub const MAX_TAGS: usize = 30;
pub const MAX_AUTHORS: usize = 10;
pub const MAX_SCORES: usize = 20;
pub const MAX_CRITICS: usize = 50;
pub const MAX_LINES: usize = 200;
const MAX_SUMMARY: usize = 1_000;
const MAX_QUESTION: usize = 500;

/// Adds an error when `list` holds more than `max` items.
pub fn check_count<T>(field: &str, list: &[T], max: usize, errors: &mut FieldErrors) {
    if list.len() > max {
        errors.push(
            field,
            format!("has {} items; at most {max} are allowed", list.len()),
        );
    }
}

impl PostData {
    /// Checks every field and returns the post ready to store, or every problem
    /// with the path of its field.
    pub fn validate(&self) -> Result<ValidPost, FieldErrors> {
        let mut errors = FieldErrors::default();
        let title = self.title.trim().to_owned();
        if title.is_empty() {
            errors.push("title", "is missing: every post needs a title");
        } else if title.chars().count() > MAX_TITLE {
            errors.push("title", "must be at most 200 characters");
        }
        let slug = match &self.slug {
            Some(s) => errors.check(Slug::parse("slug", s)),
            None if title.is_empty() => None,
            None => errors.check(Slug::from_title(&title).ok_or_else(|| {
                FieldError::new("slug", "the title has no letters or digits: give a slug")
            })),
        };
        let section = if self.section.trim().is_empty() {
            errors.push("section", "is missing: name the section, such as best-pick");
            None
        } else {
            errors.check(Slug::parse("section", &self.section))
        };
        let kind = self.kind.unwrap_or(if self.work.is_some() {
            PostKind::Pick
        } else {
            PostKind::Essay
        });
        let published_at = match &self.date {
            Some(d) => match d.to_time() {
                Ok(t) => Some(t),
                Err(m) => {
                    errors.push("date", m);
                    None
                }
            },
            None => None,
        };
        let mut tags = Vec::new();
        for (i, t) in self.tags.iter().enumerate() {
            if let Some(slug) = errors.check(post::tag_slug(i, t)) {
                if !tags.iter().any(|(_, s)| s == &slug) {
                    tags.push((t.trim().to_owned(), slug));
                }
            }
        }
        if let Err(m) = crate::markdown::check_body(&self.body) {
            errors.push("body", m);
        }
        for (field, text, max) in [
            ("summary", &self.summary, MAX_SUMMARY),
            ("question", &self.question, MAX_QUESTION),
        ] {
            if text.as_ref().is_some_and(|t| t.chars().count() > max) {
                errors.push(field, format!("must be at most {max} characters"));
            }
        }
        check_count("tags", &self.tags, MAX_TAGS, &mut errors);
        check_count("authors", &self.authors, MAX_AUTHORS, &mut errors);
        check_count("scores", &self.scores, MAX_SCORES, &mut errors);
        check_count("critics", &self.critics, MAX_CRITICS, &mut errors);
        check_count("lines", &self.lines, MAX_LINES, &mut errors);
        for (i, a) in self.authors.iter().enumerate() {
            if a.trim().is_empty() {
                errors.push(format!("authors[{i}]"), "must be a username");
            }
        }
        if let Some(cover) = &self.cover {
            post::validate_photo("cover", cover, &mut errors);
        }
        if let Some(work) = &self.work {
            work.validate("work", &mut errors);
        }
        // Known sources are kept by their key, however they were written.
        let scores: Vec<Score> = self
            .scores
            .iter()
            .map(|s| Score {
                source: score::known_source(&s.source)
                    .map_or_else(|| s.source.clone(), str::to_owned),
                ..s.clone()
            })
            .collect();
        for (i, s) in scores.iter().enumerate() {
            errors.check(s.validate(&format!("scores[{i}]")));
        }
        post::validate_critics(&self.critics, &mut errors);
        post::validate_lines(&self.lines, &mut errors);
        let parts = PickParts {
            scores,
            critics: self.critics.clone(),
            lines: self.lines.clone(),
        };
        post::check_pick_parts(kind, self.work.as_ref(), &parts, &mut errors);
        let nonempty = |s: &Option<String>| {
            s.as_ref()
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
        };
        match (slug, section) {
            (Some(slug), Some(section)) if errors.is_empty() => Ok(ValidPost {
                title,
                slug,
                kind,
                section,
                published_at,
                status: self.status.unwrap_or(PostStatus::Published),
                tags,
                summary: nonempty(&self.summary),
                authors: self.authors.iter().map(|a| a.trim().to_owned()).collect(),
                question: nonempty(&self.question),
                cover: self.cover.clone(),
                work: self.work.clone(),
                parts,
                body: self.body.clone(),
            }),
            _ => Err(errors),
        }
    }
}

/// What is wrong with a content file, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentError {
    /// 1-based line in the file, when known.
    pub line: Option<usize>,
    /// The field's path, such as `scores[1].value`, when known.
    pub field: Option<String>,
    pub message: String,
}

impl fmt::Display for DocumentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(line) = self.line {
            write!(f, "line {line}: ")?;
        }
        if let Some(field) = &self.field {
            write!(f, "{field}: ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for DocumentError {}

const FENCE: &str = "+++";

/// The front matter and body of a content file. The front matter always
/// starts on line 2, after the opening fence.
#[derive(Clone, Copy)]
struct Split<'a> {
    front: &'a str,
    body: &'a str,
}

/// Every way to split the file, first closing fence first: a `+++` line
/// may also sit inside a multi-line TOML string (a summary, as `render`
/// writes one back).
fn split(text: &str) -> Result<Vec<Split<'_>>, DocumentError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let err = |message: &str| DocumentError {
        line: Some(1),
        field: None,
        message: message.to_owned(),
    };
    let mut lines = text.split_inclusive('\n');
    let first = lines.next().unwrap_or("");
    if first.trim_end() != FENCE {
        return Err(err("expected the front matter to open with a +++ line"));
    }
    let mut offset = first.len();
    let mut splits = Vec::new();
    for l in lines {
        if l.trim_end() == FENCE {
            splits.push(Split {
                front: &text[first.len()..offset],
                body: &text[offset + l.len()..],
            });
        }
        offset += l.len();
    }
    if splits.is_empty() {
        return Err(err(
            "the front matter is not closed: add a +++ line after it",
        ));
    }
    Ok(splits)
}

/// The 1-based line in `front` of a byte offset in it.
fn line_at(front: &str, byte: usize) -> usize {
    2 + front[..byte.min(front.len())].matches('\n').count()
}

/// The line of the file where a field (`work.year`, `scores[1].value`) is
/// written, for errors found after parsing (an unknown section, a taken slug).
pub fn field_line(text: &str, field: &str) -> Option<usize> {
    let splits = split(text).ok()?;
    let s = splits
        .iter()
        .find(|s| toml::from_str::<PostData>(s.front).is_ok())
        .unwrap_or(&splits[0]);
    find_span(s.front, field).map(|span| line_at(s.front, span.start))
}

/// Reads a content file. The front matter is parsed and validated; errors
/// carry the line they are on, counted in the whole file.
pub fn parse(text: &str) -> Result<(PostData, ValidPost), Vec<DocumentError>> {
    let splits = split(text).map_err(|e| vec![e])?;
    // The front matter ends at the first fence before which the TOML
    // reads; if none does, the error is the first fence's.
    let read = |front| toml::from_str::<PostData>(front);
    let Some((mut data, Split { front, body })) = splits
        .iter()
        .find_map(|s| read(s.front).ok().map(|data| (data, *s)))
    else {
        let front = splits[0].front;
        let e = read(front).unwrap_err();
        let start = e.span().map(|s| s.start);
        return Err(vec![DocumentError {
            line: start.map(|s| line_at(front, s)),
            field: start.and_then(|s| field_at(front, s)),
            message: e.message().trim().to_owned(),
        }]);
    };
    if !data.body.is_empty() {
        return Err(vec![DocumentError {
            line: find_span(front, "body").map(|s| line_at(front, s.start)),
            field: Some("body".into()),
            message: "the body goes after the closing +++, not in the front matter".into(),
        }]);
    }
    data.body = body.trim_start_matches(['\r', '\n']).to_owned();
    match data.validate() {
        Ok(valid) => Ok((data, valid)),
        Err(errors) => Err(errors
            .0
            .into_iter()
            .map(|e| DocumentError {
                line: find_span(front, &e.field).map(|s| line_at(front, s.start)),
                field: Some(e.field),
                message: e.message,
            })
            .collect()),
    }
}

/// Writes a post back in the content file format.
pub fn render(data: &PostData) -> String {
    let mut front = data.clone();
    let body = std::mem::take(&mut front.body);
    let toml = toml::to_string(&front).expect("post data always serialises to TOML");
    let mut out = String::with_capacity(toml.len() + body.len() + 10);
    out.push_str(FENCE);
    out.push('\n');
    out.push_str(&toml);
    if !toml.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(FENCE);
    out.push('\n');
    out.push_str(&body);
    if !body.ends_with('\n') {
        out.push('\n');
    }
    out
}

use toml::de::{DeTable, DeValue};
use toml::Spanned;

/// The span of the value at `path` (`work.year`, `scores[1].value`), or of the
/// deepest part of the path that exists.
fn find_span(front: &str, path: &str) -> Option<std::ops::Range<usize>> {
    let root = DeTable::parse(front).ok()?;
    let mut span = None;
    let mut table: Option<&DeTable> = Some(root.get_ref());
    for part in path.split('.') {
        let (key, index) = match part.split_once('[') {
            Some((k, rest)) => (k, rest.trim_end_matches(']').parse::<usize>().ok()),
            None => (part, None),
        };
        let found = table?
            .iter()
            .find(|(k, _)| k.get_ref() == key)
            .map(|(_, v)| v)?;
        let mut value: &Spanned<DeValue> = found;
        if let (Some(i), DeValue::Array(items)) = (index, found.get_ref()) {
            value = items.get(i)?;
        }
        span = Some(value.span());
        table = match value.get_ref() {
            DeValue::Table(t) => Some(t),
            _ => None,
        };
    }
    span
}

/// The path of the field whose key or value covers `offset`.
fn field_at(front: &str, offset: usize) -> Option<String> {
    let (root, _) = DeTable::parse_recoverable(front);
    find_field(root.get_ref(), offset, "")
}

fn find_field(table: &DeTable, offset: usize, prefix: &str) -> Option<String> {
    let covers = |s: std::ops::Range<usize>| s.start <= offset && offset < s.end;
    for (key, value) in table.iter() {
        let path = if prefix.is_empty() {
            key.get_ref().to_string()
        } else {
            format!("{prefix}.{}", key.get_ref())
        };
        // A `[table]` header's span covers only the header, so look inside
        // every table rather than only the one whose span holds the offset.
        match value.get_ref() {
            DeValue::Table(t) => {
                if let Some(found) = find_field(t, offset, &path) {
                    return Some(found);
                }
            }
            DeValue::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    let item_path = format!("{path}[{i}]");
                    if let DeValue::Table(t) = item.get_ref() {
                        if let Some(found) = find_field(t, offset, &item_path) {
                            return Some(found);
                        }
                    } else if covers(item.span()) {
                        return Some(item_path);
                    }
                }
            }
            _ => {}
        }
        if covers(key.span()) || covers(value.span()) {
            return Some(path);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fence_inside_a_written_summary_reads_back() {
        let text = "+++\ntitle = \"Fenced\"\nsection = \"essays\"\nkind = \"essay\"\n\
                    summary = \"\"\"\nabove\n+++\nbelow\"\"\"\n+++\nThe body.\n";
        let (post, _) = parse(text).unwrap();
        assert_eq!(post.summary.as_deref(), Some("above\n+++\nbelow"));
        assert_eq!(post.body, "The body.\n");
        let (again, _) = parse(&render(&post)).unwrap();
        assert_eq!(again, post);
    }

    const PICK: &str = r#"+++
title = "La La Land: for the dreamers"
section = "best-pick"
date = 2017-01-20
tags = ["musical", "romance"]
[work]
kind = "movie"
name = "La La Land"
year = 2016
directors = ["Damien Chazelle"]
cast = [{ name = "Ryan Gosling", role = "Sebastian Wilder" },
        { name = "Emma Stone", role = "Mia Dolan" }]
box_office_usd = 446_100_000
awards = "6 Oscars from 14 nominations"
[[scores]]
source = "metacritic"
value = 93
[[scores]]
source = "imdb"
value = 8.0
[[critics]]
outlet = "An Outlet"
quote = "One sentence that a critic wrote."
[[lines]]
speaker = "Sebastian"
text = "A line the character says."
+++
Introduction in Markdown.

## Plot
Synopsis in Markdown.
"#;

    #[test]
    fn the_design_example_parses() {
        let (data, post) = parse(PICK).unwrap();
        assert_eq!(post.slug.as_str(), "la-la-land-for-the-dreamers");
        assert_eq!(post.kind, PostKind::Pick);
        assert_eq!(post.section.as_str(), "best-pick");
        assert_eq!(post.work.as_ref().unwrap().cast[1].role, "Mia Dolan");
        assert_eq!(post.parts.scores[1].normalised(), 80.0);
        assert_eq!(post.published_at.unwrap().date().to_string(), "2017-01-20");
        assert!(data.body.starts_with("Introduction"));
        assert_eq!(post.tags[1].1.as_str(), "romance");
    }

    #[test]
    fn render_round_trips() {
        let (data, _) = parse(PICK).unwrap();
        let text = render(&data);
        let (again, _) = parse(&text).unwrap();
        assert_eq!(data, again);
    }

    #[test]
    fn bad_toml_names_its_line() {
        let text = "+++\ntitle = \"x\"\nsection = best-pick\n+++\nbody";
        let e = &parse(text).unwrap_err()[0];
        assert_eq!(e.line, Some(3), "{e}");
    }

    #[test]
    fn wrong_types_name_line_and_field() {
        let text = "+++\ntitle = \"x\"\nsection = \"news\"\n[work]\nkind = \"movie\"\nname = \"X\"\nyear = \"soon\"\n+++\n";
        let e = &parse(text).unwrap_err()[0];
        assert_eq!(e.line, Some(7), "{e}");
        assert_eq!(e.field.as_deref(), Some("work.year"), "{e}");
    }

    #[test]
    fn validation_errors_name_line_and_field() {
        let text = PICK.replace("value = 8.0", "value = 11");
        let errs = parse(&text).unwrap_err();
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].field.as_deref(), Some("scores[1].value"));
        assert_eq!(errs[0].line, Some(20));
        assert_eq!(
            errs[0].to_string(),
            "line 20: scores[1].value: 11 is outside the IMDb scale of 0 to 10"
        );

        let errs = parse(&PICK.replace("year = 2016", "year = 20160")).unwrap_err();
        assert_eq!(errs[0].field.as_deref(), Some("work.year"));
        assert_eq!(errs[0].line, Some(9));
    }

    #[test]
    fn missing_title_and_section_are_reported_together() {
        let errs = parse("+++\ntags = [\"a\"]\n+++\nbody\n").unwrap_err();
        let fields: Vec<_> = errs.iter().filter_map(|e| e.field.as_deref()).collect();
        assert_eq!(fields, ["title", "section"]);
    }

    #[test]
    fn unknown_fields_are_refused() {
        let errs =
            parse("+++\ntitle = \"x\"\nsection = \"news\"\ntilte = \"y\"\n+++\n").unwrap_err();
        assert!(
            errs[0].message.contains("unknown field `tilte`"),
            "{}",
            errs[0]
        );
        assert_eq!(errs[0].line, Some(4));
    }

    #[test]
    fn missing_fences_are_reported() {
        assert!(parse("title = \"x\"\n").unwrap_err()[0]
            .message
            .contains("+++"));
        assert!(parse("+++\ntitle = \"x\"\n").unwrap_err()[0]
            .message
            .contains("not closed"));
    }

    #[test]
    fn json_dates_are_strings() {
        let data: PostData = serde_json_like(r#"2024-05-01T10:30:00+02:00"#);
        let t = data.date.unwrap().to_time().unwrap();
        assert_eq!(t.to_offset(time::UtcOffset::UTC).hour(), 8);
    }

    fn serde_json_like(date: &str) -> PostData {
        PostData {
            date: Some(PostDate::Text(date.into())),
            ..Default::default()
        }
    }
}
