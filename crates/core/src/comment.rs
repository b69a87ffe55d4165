//! Reader comments: what a valid comment is, how its body becomes safe
//! HTML, and the text fingerprints and address prefixes the spam rules use.

use crate::FieldErrors;
use pulldown_cmark::{html, Event, Options, Parser, Tag, TagEnd};
use std::net::IpAddr;
use std::sync::LazyLock;

pub const MAX_NAME: usize = 80;
pub const MAX_EMAIL: usize = 254;
pub const MAX_WEBSITE: usize = 200;

/// Where a comment is: only published ones are shown; spam is kept 30 days
/// for a moderator to undo a mistake, then deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CommentStatus {
    Pending,
    Published,
    Spam,
    Trash,
}

impl CommentStatus {
    pub const ALL: [CommentStatus; 4] = [
        CommentStatus::Pending,
        CommentStatus::Published,
        CommentStatus::Spam,
        CommentStatus::Trash,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CommentStatus::Pending => "pending",
            CommentStatus::Published => "published",
            CommentStatus::Spam => "spam",
            CommentStatus::Trash => "trash",
        }
    }

    pub fn parse(s: &str) -> Option<CommentStatus> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// What a commenter typed, trimmed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommentInput {
    pub name: String,
    pub email: String,
    pub website: Option<String>,
    pub body: String,
}

/// The limits of a comment, from the site's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_length: usize,
    pub max_links: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_length: 5000,
            max_links: 2,
        }
    }
}

impl CommentInput {
    pub fn new(name: &str, email: &str, website: &str, body: &str) -> CommentInput {
        let website = website.trim();
        CommentInput {
            name: name.trim().to_owned(),
            email: email.trim().to_lowercase(),
            website: (!website.is_empty()).then(|| website.to_owned()),
            body: body.trim().to_owned(),
        }
    }

    /// Every problem at once, each under its form field.
    pub fn validate(&self, limits: Limits) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::default();
        if self.name.is_empty() {
            errors.push("name", "Please give a name to show with your comment.");
        } else if self.name.chars().count() > MAX_NAME {
            errors.push(
                "name",
                format!("The name is longer than {MAX_NAME} characters."),
            );
        }
        if !is_email(&self.email) {
            errors.push(
                "email",
                "Please give an email address such as you@example.com; it is never shown.",
            );
        }
        if let Some(w) = &self.website {
            if w.chars().count() > MAX_WEBSITE || !is_web_address(w) {
                errors.push(
                    "website",
                    "The website must be an address starting with http:// or https://.",
                );
            }
        }
        if let Err(body) = validate_body(&self.body, limits) {
            errors.0.extend(body.0);
        }
        errors.into_result(())
    }
}

/// The rules of a comment's text alone (length and links): for readers'
/// comments as part of [`CommentInput::validate`], and alone for the team's.
pub fn validate_body(body: &str, limits: Limits) -> Result<(), FieldErrors> {
    let mut errors = FieldErrors::default();
    let length = body.chars().count();
    if length == 0 {
        errors.push("body", "The comment is empty.");
    } else if length > limits.max_length {
        errors.push(
            "body",
            format!(
                "The comment is {length} characters long; the limit is {}.",
                limits.max_length
            ),
        );
    }
    let links = count_links(body);
    if links > limits.max_links {
        errors.push(
            "body",
            format!(
                "The comment has {links} links; at most {} are allowed.",
                limits.max_links
            ),
        );
    }
    errors.into_result(())
}

/// A mail address as typed in a form, checked and lowercased, or what is
/// wrong with it.
pub fn mail_address(s: &str) -> Result<String, String> {
    let s = s.trim().to_lowercase();
    if is_email(&s) {
        Ok(s)
    } else {
        Err("Please give an email address such as you@example.com.".into())
    }
}

fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    s.len() <= MAX_EMAIL
        && !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.contains(|c: char| c.is_whitespace() || c == '<' || c == '>' || c == '"')
        && !domain.contains('@')
}

fn is_web_address(s: &str) -> bool {
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"));
    rest.is_some_and(|r| {
        let host = r.split(['/', '?', '#']).next().unwrap_or("");
        host.contains('.')
            && !r.contains(|c: char| c.is_whitespace() || c == '"' || c == '<' || c == '>')
    })
}

/// Links in a comment body: written addresses and Markdown links.
pub fn count_links(body: &str) -> usize {
    body.split_whitespace()
        .map(|w| {
            w.matches("http://").count()
                + w.matches("https://").count()
                + usize::from(w.to_lowercase().starts_with("www."))
        })
        .sum()
}

/// The domain of an email address or a web address, lowercased.
pub fn domain_of(address: &str) -> Option<String> {
    let a = address.trim().to_lowercase();
    let host = match a.split_once('@') {
        Some((_, d)) => d.to_owned(),
        None => a
            .trim_start_matches("https://")
            .trim_start_matches("http://")
            .split(['/', '?', '#', ':'])
            .next()?
            .to_owned(),
    };
    let host = host.trim_start_matches("www.").to_owned();
    (!host.is_empty()).then_some(host)
}

/// Every domain a comment names: the website's, the email's and its links'.
pub fn domains(input: &CommentInput) -> Vec<String> {
    let mut out: Vec<String> = input
        .body
        .split(|c: char| c.is_whitespace() || c == '(' || c == ')' || c == '<' || c == '>')
        .filter(|w| {
            w.contains("http://") || w.contains("https://") || w.to_lowercase().starts_with("www.")
        })
        .filter_map(|w| {
            let start = w.find("http").unwrap_or(0);
            domain_of(&w[start..])
        })
        .collect();
    out.extend(input.website.as_deref().and_then(domain_of));
    out.extend(domain_of(&input.email));
    out.sort();
    out.dedup();
    out
}

static SANITISER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut b = ammonia::Builder::empty();
    b.add_tags([
        "p",
        "br",
        "em",
        "strong",
        "code",
        "pre",
        "blockquote",
        "ul",
        "ol",
        "li",
        "a",
    ])
    .add_tag_attributes("a", ["href"])
    .add_url_schemes(["http", "https", "mailto"])
    .link_rel(Some("nofollow ugc noopener"));
    b
});

/// Renders a comment body: a small Markdown subset (paragraphs, emphasis,
/// code, quotes, lists, links) on an allow-list. Headings become plain
/// paragraphs, images become their alt text, raw HTML shows as text.
pub fn body_html(markdown: &str) -> String {
    let parser =
        Parser::new_ext(markdown, Options::ENABLE_STRIKETHROUGH).map(|event| match event {
            Event::Html(h) | Event::InlineHtml(h) => Event::Text(h),
            Event::Start(Tag::Heading { .. }) => Event::Start(Tag::Paragraph),
            Event::End(TagEnd::Heading(_)) => Event::End(TagEnd::Paragraph),
            Event::Start(Tag::Image { .. }) | Event::End(TagEnd::Image) => Event::Text("".into()),
            other => other,
        });
    let mut out = String::with_capacity(markdown.len() * 2);
    html::push_html(&mut out, parser);
    SANITISER.clean(&out).to_string()
}

/// A reply from the fediverse, whose text arrives as HTML: the same
/// allow-list as a comment's own rendering (`html`), and its plain text
/// with the addresses of its links on lines of their own (`text`: what the
/// spam rules, the link and length limits and the search read, so a link
/// hidden behind its words is seen). Mentions and hashtags (links whose
/// words start with `@` or `#`) are not counted as links.
pub fn remote_body(html: &str) -> (String, String) {
    let safe = SANITISER.clean(html).to_string();
    let spaced = html
        .replace("</p>", "</p>\n\n")
        .replace("<br>", "\n")
        .replace("<br/>", "\n")
        .replace("<br />", "\n");
    let text = ammonia::Builder::empty().clean(&spaced).to_string();
    let mut text = unescape(text.trim());
    for link in links_of(&safe) {
        if !text.contains(&link) {
            text.push('\n');
            text.push_str(&link);
        }
    }
    (text, safe)
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&")
}

/// The `href`s of the links of sanitised HTML (whose `<a href="…">` the
/// sanitiser writes one way), but mentions and hashtags: links whose
/// words start with `@` or `#`.
fn links_of(safe: &str) -> Vec<String> {
    let mut links = Vec::new();
    let mut rest = safe;
    while let Some(at) = rest.find("<a ") {
        rest = &rest[at + 3..];
        // The sanitiser writes each attribute as ` name="value"`, with any
        // `"` in a value escaped: splitting at quotes reads them back.
        let mut href = None;
        let mut attributes = rest;
        while let Some((name, after)) = attributes.split_once("=\"") {
            let Some((value, after)) = after.split_once('"') else {
                break;
            };
            if name.trim() == "href" {
                href = Some(unescape(value));
            }
            attributes = after;
            if attributes.starts_with('>') {
                break;
            }
        }
        let Some((_, after)) = attributes.split_once('>') else {
            break;
        };
        let inner = after.split("</a>").next().unwrap_or("");
        let words = unescape(&ammonia::Builder::empty().clean(inner).to_string());
        if let Some(href) = href.filter(|_| !words.trim_start().starts_with(['@', '#'])) {
            links.push(href);
        }
        rest = after;
    }
    links
}

/// The words of a text, lowercased, for duplicate detection: "Great
/// film!!" and "great   FILM" are the same comment.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// A fingerprint for exact duplicates (after case, spacing and punctuation).
pub fn fingerprint(text: &str) -> String {
    words(text).join(" ")
}

/// A text's word triples (single words for very short texts), hashed and
/// sorted, for near-duplicate detection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shingles(Vec<u64>);

impl Shingles {
    pub fn of(text: &str) -> Shingles {
        use std::hash::{Hash, Hasher};
        let w = words(text);
        let hash = |parts: &[String]| {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            parts.hash(&mut h);
            h.finish()
        };
        let mut out: Vec<u64> = if w.len() < 3 {
            w.chunks(1).map(hash).collect()
        } else {
            w.windows(3).map(hash).collect()
        };
        out.sort_unstable();
        out.dedup();
        Shingles(out)
    }

    /// The hashed triples, sorted, without repeats.
    pub fn hashes(&self) -> &[u64] {
        &self.0
    }

    /// How alike two texts are, 0 to 1: the Jaccard similarity of their
    /// shingles.
    pub fn similarity(&self, other: &Shingles) -> f64 {
        let (a, b) = (&self.0, &other.0);
        if a.is_empty() || b.is_empty() {
            return 0.0;
        }
        let (mut i, mut j, mut common) = (0, 0, 0);
        while i < a.len() && j < b.len() {
            match a[i].cmp(&b[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    common += 1;
                    i += 1;
                    j += 1;
                }
            }
        }
        common as f64 / (a.len() + b.len() - common) as f64
    }
}

/// The network an address belongs to for rate limits: its /24 (IPv4) or
/// /64 (IPv6), the block one person or host usually controls.
pub fn network_of(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            format!("{}.{}.{}.0/24", o[0], o[1], o[2])
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    }
}

/// An address with its host part removed, kept once the full address is no
/// longer needed: the last octet of IPv4, the last 80 bits of IPv6.
pub fn truncate_ip(ip: &str) -> String {
    match ip.parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => {
            let o = v4.octets();
            format!("{}.{}.{}.0", o[0], o[1], o[2])
        }
        Ok(IpAddr::V6(v6)) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}::", s[0], s[1], s[2])
        }
        Err(_) => String::new(),
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn links_behind_words_are_seen_but_mentions_are_not() {
        let (text, _) = super::remote_body(
            "<p><a href=\"https://m.example/@a\" class=\"u-url mention\">@<span>a</span></a> cheap <a href='https://spam.example/x?a=1&amp;b=2'>pills</a> <a href=\"https://m.example/tags/film\" class=\"mention hashtag\">#film</a></p>",
        );
        assert!(text.ends_with("\nhttps://spam.example/x?a=1&b=2"), "{text}");
        assert_eq!(super::count_links(&text), 1);
        // However the link is written, the sanitiser writes it one way.
        for hidden in [
            "<a class=\"mention\" href=\"https://spam.example/\">pills</a>",
            "<a href=https://spam.example/>pills</a>",
            "<a\thref = \"https://spam.example/\">pills</a>",
            "<a href=\"&#104;ttps://spam.example/\">pills</a>",
            "<a title=\" href=x\" href=\"https://spam.example/\">pills</a>",
        ] {
            let (text, safe) = super::remote_body(hidden);
            assert_eq!(super::count_links(&text), 1, "{hidden}: {text} / {safe}");
        }
    }

    #[test]
    fn remote_replies_keep_safe_html_and_plain_text() {
        let (text, html) = super::remote_body(
            "<p><span class=\"h-card\"><a href=\"https://films.example/ap/site\">@site</a></span> Loved it &amp; more</p><p>2 &lt; 3<script>x()</script></p>",
        );
        assert_eq!(text, "@site Loved it & more\n\n2 < 3");
        assert!(
            !html.contains("script") && html.contains("rel=\"nofollow ugc noopener\""),
            "{html}"
        );
    }
    use super::*;

    #[test]
    fn validation_names_each_field() {
        let ok = CommentInput::new(" Ann ", "Ann@Example.com", "", "Loved it.");
        assert_eq!(ok.email, "ann@example.com");
        assert!(ok.validate(Limits::default()).is_ok());
        let bad = CommentInput::new("", "nope", "javascript:alert(1)", &"x".repeat(5001));
        let e = bad.validate(Limits::default()).unwrap_err();
        for field in ["name", "email", "website", "body"] {
            assert!(e.get(field).is_some(), "{field}: {e:?}");
        }
        let links = CommentInput::new(
            "A",
            "a@b.co",
            "",
            "http://a.example http://b.example www.c.example",
        );
        assert!(links
            .validate(Limits::default())
            .unwrap_err()
            .get("body")
            .unwrap()
            .contains("3 links"));
    }

    #[test]
    fn bodies_render_to_the_allow_list() {
        let html = body_html("# Big\n\n*so* good <script>alert(1)</script> [site](javascript:alert(1)) [ok](https://example.com) ![x](https://e.com/a.png)");
        assert!(
            !html.contains("<h1") && !html.contains("<script") && !html.contains("javascript:"),
            "{html}"
        );
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("<em>so</em>"), "{html}");
        assert!(
            html.contains("<a href=\"https://example.com\" rel=\"nofollow ugc noopener\">ok</a>"),
            "{html}"
        );
    }

    #[test]
    fn duplicates_and_networks() {
        assert_eq!(fingerprint("Great film!!"), fingerprint("great   FILM"));
        let s = |a: &str, b: &str| Shingles::of(a).similarity(&Shingles::of(b));
        assert!(
            s(
                "check out my channel for great music videos",
                "Check out my channel for great music videos now!"
            ) > 0.7
        );
        assert!(s("a quiet film about grief", "loud and proud") < 0.1);
        assert_eq!(network_of("203.0.113.9".parse().unwrap()), "203.0.113.0/24");
        assert_eq!(
            network_of("2001:db8:1:2:3:4:5:6".parse().unwrap()),
            "2001:db8:1:2::/64"
        );
        assert_eq!(truncate_ip("203.0.113.9"), "203.0.113.0");
        assert_eq!(truncate_ip("2001:db8:1:2:3:4:5:6"), "2001:db8:1::");
        assert_eq!(
            domain_of("Ann@Mail.Example.com").as_deref(),
            Some("mail.example.com")
        );
        assert_eq!(
            domain_of("https://www.spam.example/x").as_deref(),
            Some("spam.example")
        );
        let input = CommentInput::new(
            "A",
            "a@b.example",
            "http://site.example",
            "see http://c.example/x",
        );
        assert_eq!(domains(&input), ["b.example", "c.example", "site.example"]);
    }
}
