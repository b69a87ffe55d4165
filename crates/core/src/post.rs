//! Posts and the structured parts of a pick.

use crate::error::FieldErrors;
use crate::score::Score;
use crate::slug::Slug;
use crate::work::Work;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PostKind {
    /// Recommends one work and carries its structured data.
    Pick,
    Essay,
    /// News-style, usually with photos.
    Article,
}

impl PostKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PostKind::Pick => "pick",
            PostKind::Essay => "essay",
            PostKind::Article => "article",
        }
    }

    pub fn parse(s: &str) -> Option<PostKind> {
        match s {
            "pick" => Some(PostKind::Pick),
            "essay" => Some(PostKind::Essay),
            "article" => Some(PostKind::Article),
            _ => None,
        }
    }
}

/// Where a post is in its life. A published post whose time is still ahead is
/// *scheduled*: it shows up by itself when the time comes (see [`Visibility`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PostStatus {
    Draft,
    /// Submitted by an author for an editor to publish.
    Review,
    Published,
}

impl PostStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PostStatus::Draft => "draft",
            PostStatus::Review => "review",
            PostStatus::Published => "published",
        }
    }

    pub fn parse(s: &str) -> Option<PostStatus> {
        match s {
            "draft" => Some(PostStatus::Draft),
            "review" => Some(PostStatus::Review),
            "published" => Some(PostStatus::Published),
            _ => None,
        }
    }
}

/// What readers see of a post right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Visibility {
    Draft,
    Review,
    Scheduled,
    Published,
}

impl Visibility {
    pub fn of(
        status: PostStatus,
        published_at: Option<time::OffsetDateTime>,
        now: time::OffsetDateTime,
    ) -> Self {
        match (status, published_at) {
            (PostStatus::Draft, _) => Visibility::Draft,
            (PostStatus::Review, _) => Visibility::Review,
            (PostStatus::Published, Some(at)) if at > now => Visibility::Scheduled,
            (PostStatus::Published, _) => Visibility::Published,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Draft => "draft",
            Visibility::Review => "review",
            Visibility::Scheduled => "scheduled",
            Visibility::Published => "published",
        }
    }
}

/// A critic's pull quote.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CriticQuote {
    pub outlet: String,
    pub quote: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub critic: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

/// A memorable line from the work and the character who says it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Line {
    pub speaker: String,
    pub text: String,
    /// Where in the work it comes, when that helps: "season 2, episode 4".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
}

/// A photo shown with a post: the file, and the words that go with it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Photo {
    /// In a content file, a path relative to the file or a `/media/...` address.
    pub src: String,
    pub alt: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credit: Option<String>,
}

/// The structured data a pick carries besides its text.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PickParts {
    pub scores: Vec<Score>,
    pub critics: Vec<CriticQuote>,
    pub lines: Vec<Line>,
}

pub fn validate_critics(critics: &[CriticQuote], errors: &mut FieldErrors) {
    for (i, c) in critics.iter().enumerate() {
        if c.outlet.trim().is_empty() {
            errors.push(format!("critics[{i}].outlet"), "must name the outlet");
        }
        if c.quote.trim().is_empty() {
            errors.push(format!("critics[{i}].quote"), "must not be empty");
        }
        if let Some(link) = &c.link {
            if !is_web_link(link) {
                errors.push(
                    format!("critics[{i}].link"),
                    "must be an http:// or https:// address",
                );
            }
        }
    }
}

pub fn validate_lines(lines: &[Line], errors: &mut FieldErrors) {
    for (i, l) in lines.iter().enumerate() {
        if l.speaker.trim().is_empty() {
            errors.push(format!("lines[{i}].speaker"), "must name who says the line");
        }
        if l.text.trim().is_empty() {
            errors.push(format!("lines[{i}].text"), "must not be empty");
        }
    }
}

pub fn validate_photo(field: &str, photo: &Photo, errors: &mut FieldErrors) {
    if photo.src.trim().is_empty() {
        errors.push(format!("{field}.src"), "must name the image file");
    }
    if photo.alt.trim().is_empty() {
        errors.push(
            format!("{field}.alt"),
            "must describe the photo for readers who cannot see it",
        );
    }
}

pub fn is_web_link(s: &str) -> bool {
    (s.starts_with("https://") || s.starts_with("http://"))
        && s.len() > 8
        && !s.contains(char::is_whitespace)
}

/// A tag's slug, or an error naming the tag.
pub fn tag_slug(i: usize, tag: &str) -> Result<Slug, crate::FieldError> {
    Slug::from_title(tag).ok_or_else(|| {
        crate::FieldError::new(format!("tags[{i}]"), "needs at least one letter or digit")
    })
}

/// Work, scores, critics and lines belong to picks only.
pub fn check_pick_parts(
    kind: PostKind,
    work: Option<&Work>,
    parts: &PickParts,
    errors: &mut FieldErrors,
) {
    match kind {
        PostKind::Pick => {
            if work.is_none() {
                errors.push("work", "a pick needs the [work] it recommends");
            }
        }
        _ => {
            let extra = [
                ("work", work.is_some()),
                ("scores", !parts.scores.is_empty()),
                ("critics", !parts.critics.is_empty()),
                ("lines", !parts.lines.is_empty()),
            ];
            for (field, present) in extra {
                if present {
                    errors.push(
                        field,
                        format!(
                            "only picks carry {field}; this post is an {}",
                            kind.as_str()
                        ),
                    );
                }
            }
        }
    }
}
