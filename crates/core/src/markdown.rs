//! Markdown to safe HTML.
//!
//! Bodies are written in Markdown by editors, and may hold raw HTML; what comes
//! out is always passed through an allow-list sanitiser, so a pasted `<script>`
//! or `onerror=` never reaches a reader's browser.

use pulldown_cmark::{html, CowStr, Event, Options, Parser, Tag, TagEnd};
use std::sync::LazyLock;

/// What the store knows about an uploaded image, so a Markdown image of it
/// becomes a responsive figure with its caption and credit.
#[derive(Debug, Clone, Default)]
pub struct Figure {
    pub src: String,
    /// `url 480w, url 960w, ...`
    pub srcset: String,
    pub width: u32,
    pub height: u32,
    pub caption: Option<String>,
    pub credit: Option<String>,
}

/// Looks up an image address; `None` leaves the image as written.
pub type FigureLookup<'a> = &'a dyn Fn(&str) -> Option<Figure>;

/// The longest body a post may have, in bytes: a long essay is a tenth of it.
pub const MAX_BODY_BYTES: usize = 256 * 1024;
/// How deeply a body's HTML may nest. Parsing HTML nested thousands deep
/// takes time that grows with the square of the depth; no article needs
/// more than a few levels.
pub const MAX_NESTING: usize = 64;

/// What is wrong with a body's size or shape, if anything: checked before
/// a body is saved or previewed, so no render takes long.
pub fn check_body(markdown: &str) -> Result<(), String> {
    if markdown.len() > MAX_BODY_BYTES {
        return Err(format!(
            "is {} KB; a body may have at most {} KB",
            markdown.len().div_ceil(1024),
            MAX_BODY_BYTES / 1024
        ));
    }
    let mut raw = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut raw, Parser::new_ext(markdown, options()));
    if nesting_depth(&raw) > MAX_NESTING {
        return Err(format!(
            "nests HTML elements (quotes, lists or tags inside each other) more than {MAX_NESTING} levels deep; at most {MAX_NESTING} levels are allowed"
        ));
    }
    Ok(())
}

/// How deeply the elements of `html` nest, as an HTML parser would open
/// them: an end tag closes only an element that is open (and those inside
/// it), and `<div/>` opens a `div` as parsers do. Elements that take no
/// end tag (`<br>`, `<img>`) and those whose end is often left out (`<p>`,
/// `<li>`, table cells) do not count.
fn nesting_depth(html: &str) -> usize {
    const UNCOUNTED: &[&str] = &[
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr", "p", "li", "dt", "dd", "tr", "td", "th", "option", "tbody", "thead",
        "tfoot", "colgroup", "rt", "rp",
    ];
    let mut open: Vec<String> = Vec::new();
    let mut deepest = 0;
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        rest = &rest[at + 1..];
        let closing = rest.starts_with('/');
        let name: String = rest
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_lowercase())
            .collect();
        if name.is_empty() || UNCOUNTED.contains(&name.as_str()) {
            continue;
        }
        if closing {
            if let Some(at) = open.iter().rposition(|n| *n == name) {
                open.truncate(at);
            }
        } else {
            open.push(name);
            deepest = deepest.max(open.len());
            if deepest > MAX_NESTING {
                // Deep enough to refuse; going on would only cost time.
                break;
            }
        }
    }
    deepest
}

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_SMART_PUNCTUATION
}

static SANITISER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut b = ammonia::Builder::default();
    // No `style` anywhere (tables' alignment included): styles can restyle
    // the page around the post and the Content-Security-Policy forbids them.
    b.add_tags(["figure", "figcaption", "details", "summary"])
        .add_tag_attributes("img", ["srcset", "sizes", "loading", "width", "height"])
        .add_tag_attributes("span", ["class"])
        .add_tag_attributes("code", ["class"])
        .attribute_filter(|element, attribute, value| match (element, attribute) {
            (_, "srcset") => safe_srcset(value).then_some(value.into()),
            ("img", "src") => safe_image_src(value).then_some(value.into()),
            _ => Some(value.into()),
        })
        .link_rel(Some("noopener noreferrer"));
    b
});

/// An image address the Content-Security-Policy lets load (`img-src 'self'
/// https: data:`): this site's own or https. A plain `http://` or `//host`
/// image would be blocked, and reported, on every page view. Browsers drop
/// tabs and line breaks inside addresses, so they are dropped here first.
fn safe_image_src(url: &str) -> bool {
    let url: String = url
        .trim()
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect::<String>()
        .to_ascii_lowercase();
    let scheme_free = !url.split('/').next().unwrap_or("").contains(':');
    url.starts_with("https://") || (scheme_free && !url.starts_with("//") && !url.contains('\\'))
}

/// A `srcset` whose every address is this site's own or https: ammonia
/// checks `src` and `href`, not the addresses inside a `srcset`.
fn safe_srcset(value: &str) -> bool {
    value.split(',').all(|candidate| {
        let url = candidate.split_whitespace().next().unwrap_or("");
        (url.starts_with('/') && !url.starts_with("//") && !url.contains('\\'))
            || url.starts_with("https://")
    })
}

/// Renders Markdown to sanitised HTML; images that `figures` knows become
/// `<figure>` elements with `srcset`, caption and credit.
pub fn to_html(markdown: &str, figures: FigureLookup) -> String {
    let mut events = Vec::new();
    let mut parser = Parser::new_ext(markdown, options());
    while let Some(event) = parser.next() {
        match event {
            Event::Start(Tag::Image {
                dest_url, title, ..
            }) => {
                // Gather the alt text up to the image's end.
                let mut alt = String::new();
                for inner in parser.by_ref() {
                    match inner {
                        Event::End(TagEnd::Image) => break,
                        Event::Text(t) | Event::Code(t) | Event::InlineHtml(t) => alt.push_str(&t),
                        _ => {}
                    }
                }
                events.push(Event::Html(CowStr::from(image_html(
                    &dest_url, &title, &alt, figures,
                ))));
            }
            other => events.push(other),
        }
    }
    unwrap_lone_figures(&mut events);
    let mut raw = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut raw, events.into_iter());
    sanitise(&raw)
}

/// A paragraph holding only a figure loses its `<p>`: a figure may not sit in one.
fn unwrap_lone_figures(events: &mut Vec<Event>) {
    let mut i = 0;
    while i + 2 < events.len() {
        let lone = matches!(events[i], Event::Start(Tag::Paragraph))
            && matches!(&events[i + 1], Event::Html(h) if h.starts_with("<figure>"))
            && matches!(events[i + 2], Event::End(TagEnd::Paragraph));
        if lone {
            events.remove(i + 2);
            events.remove(i);
        }
        i += 1;
    }
}

/// Cleans HTML through the allow-list.
pub fn sanitise(html: &str) -> String {
    SANITISER.clean(html).to_string()
}

fn image_html(src: &str, title: &str, alt: &str, figures: FigureLookup) -> String {
    let e = escape;
    match figures(src) {
        Some(f) => {
            let mut out = format!(
                "<figure><img src=\"{}\" srcset=\"{}\" sizes=\"(max-width: 48rem) 100vw, 48rem\" width=\"{}\" height=\"{}\" alt=\"{}\" loading=\"lazy\">",
                e(&f.src),
                e(&f.srcset),
                f.width,
                f.height,
                e(alt)
            );
            let caption = f.caption.as_deref().filter(|c| !c.is_empty()).or((!title.is_empty()).then_some(title));
            if caption.is_some() || f.credit.is_some() {
                out.push_str("<figcaption>");
                if let Some(c) = caption {
                    out.push_str(&e(c));
                }
                if let Some(credit) = &f.credit {
                    out.push_str(&format!(" <span class=\"credit\">{}</span>", e(credit)));
                }
                out.push_str("</figcaption>");
            }
            out.push_str("</figure>");
            out
        }
        None if !title.is_empty() => format!(
            "<figure><img src=\"{}\" alt=\"{}\" loading=\"lazy\"><figcaption>{}</figcaption></figure>",
            e(src),
            e(alt),
            e(title)
        ),
        None => format!("<img src=\"{}\" alt=\"{}\" loading=\"lazy\">", e(src), e(alt)),
    }
}

/// Escapes `& < > " '` for HTML text and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A body's words as plain text, for search: text, code and images' alt
/// text, blocks on lines of their own; raw HTML and link addresses left out.
pub fn plain_text(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    for event in Parser::new_ext(markdown, options()) {
        match event {
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            Event::SoftBreak | Event::HardBreak => out.push(' '),
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::Item
                | TagEnd::CodeBlock
                | TagEnd::TableCell
                | TagEnd::BlockQuote(_),
            ) => out.push('\n'),
            _ => {}
        }
    }
    out
}

/// A body's opening words as one line of at most `max` characters, cut
/// at a word with "…": a description where the author wrote none.
pub fn excerpt(markdown: &str, max: usize) -> String {
    cut_words(&plain_text(markdown), max)
}

/// Plain text as one line of at most `max` characters, cut at a word.
pub fn cut_words(text: &str, max: usize) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut out = String::new();
    for word in &words {
        let more = out.chars().count() + usize::from(!out.is_empty()) + word.chars().count();
        if more > max.saturating_sub(1) {
            out.push('…');
            return out;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Rendered HTML with this site's paths (`/media/a.jpg`, in `src`, `href`
/// and each `srcset` candidate) made absolute on `origin`: what a feed
/// reader or a mail needs, having no page to resolve them against. The
/// HTML is our sanitiser's, which quotes every attribute with `"`.
pub fn absolute_links(html: &str, origin: &str) -> String {
    let mut out = String::with_capacity(html.len() + 256);
    let mut rest = html;
    while let Some(at) = [" src=\"", " href=\"", " srcset=\""]
        .iter()
        .filter_map(|a| rest.find(a).map(|i| (i, *a)))
        .min()
    {
        let (i, attr) = at;
        let start = i + attr.len();
        out.push_str(&rest[..start]);
        let end = rest[start..].find('"').map_or(rest.len(), |e| start + e);
        let value = &rest[start..end];
        let local = |url: &str| url.starts_with('/') && !url.starts_with("//");
        if attr == " srcset=\"" {
            let candidates: Vec<String> = value
                .split(',')
                .map(|c| {
                    let c = c.trim();
                    if local(c) {
                        format!("{origin}{c}")
                    } else {
                        c.to_owned()
                    }
                })
                .collect();
            out.push_str(&candidates.join(", "));
        } else {
            if local(value) {
                out.push_str(origin);
            }
            out.push_str(value);
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// The addresses of the images a body shows, so their figures can be looked
/// up before rendering.
pub fn image_sources(markdown: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for event in Parser::new(markdown) {
        if let Event::Start(Tag::Image { dest_url, .. }) = event {
            if !out.iter().any(|u| *u == *dest_url) {
                out.push(dest_url.into_string());
            }
        }
    }
    out
}

/// A part of a post body under one `##` heading (or before the first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyPart<'a> {
    pub heading: Option<&'a str>,
    pub markdown: &'a str,
}

impl BodyPart<'_> {
    /// The plot synopsis of a pick: folded on the page, as it holds spoilers.
    pub fn is_plot(&self) -> bool {
        self.heading.is_some_and(|h| {
            let h = h.trim().to_lowercase();
            h == "plot"
                || h.starts_with("plot ")
                || h.starts_with("plot:")
                || h.contains("synopsis")
        })
    }
}

/// Splits a body at its level-2 headings, leaving fenced code alone.
pub fn split_parts(body: &str) -> Vec<BodyPart<'_>> {
    let mut parts = Vec::new();
    let mut heading = None;
    let mut start = 0;
    let mut offset = 0;
    let mut fence: Option<&str> = None;
    for line in body.split_inclusive('\n') {
        let t = line.trim_end();
        if let Some(f) = fence {
            if t.trim_start().starts_with(f) {
                fence = None;
            }
        } else if t.trim_start().starts_with("```") || t.trim_start().starts_with("~~~") {
            fence = Some(&t.trim_start()[..3]);
        } else if let Some(h) = t.strip_prefix("## ") {
            parts.push(BodyPart {
                heading,
                markdown: &body[start..offset],
            });
            heading = Some(h.trim());
            start = offset + line.len();
        }
        offset += line.len();
    }
    parts.push(BodyPart {
        heading,
        markdown: &body[start..],
    });
    parts.retain(|p| p.heading.is_some() || !p.markdown.trim().is_empty());
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn styles_and_script_srcsets_are_dropped() {
        let none = |_: &str| None;
        let html = to_html(
            "| a |\n|:-:|\n| b |\n\n<td style=\"color:red\">x</td>",
            &none,
        );
        assert!(!html.contains("style"), "{html}");
        let html = to_html(
            "<img src=\"/media/a.jpg\" srcset=\"javascript:alert(1) 1x\" alt=\"\">",
            &none,
        );
        assert!(!html.contains("srcset"), "{html}");
        let html = to_html(
            "<img src=\"/media/a.jpg\" srcset=\"/media/a-480.jpg 480w, https://cdn.example/b.jpg 960w\" alt=\"\">",
            &none,
        );
        assert!(html.contains("srcset"), "{html}");
    }

    #[test]
    fn images_load_only_from_where_the_policy_allows() {
        let none = |_: &str| None;
        for src in [
            "http://tracker.example/pixel.gif",
            "//tracker.example/pixel.gif",
            "\\\\tracker.example/pixel.gif",
            "HTTP://TRACKER.EXAMPLE/x.gif",
        ] {
            let html = to_html(&format!("<img src=\"{src}\" alt=\"a\">"), &none);
            assert!(!html.contains("tracker"), "{src}: {html}");
            let html = to_html(&format!("![a]({src})"), &none);
            assert!(!html.contains("tracker"), "{src}: {html}");
        }
        let html = to_html("<img src=\"/\t/tracker.example/x.gif\" alt=\"a\">", &none);
        assert!(!html.contains("tracker"), "{html}");
        for src in ["/media/a.jpg", "https://cdn.example/a.jpg", "a.jpg"] {
            let html = to_html(&format!("![a]({src})"), &none);
            assert!(html.contains(src), "{src}: {html}");
        }
    }

    #[test]
    fn bodies_too_large_or_too_deep_are_refused_at_once() {
        let deep = "<div>".repeat(50_000);
        let started = std::time::Instant::now();
        let e = check_body(&deep).unwrap_err();
        assert!(e.contains("at most 64 levels"), "{e}");
        assert!(started.elapsed().as_secs() < 2);
        assert!(check_body(&"> ".repeat(200)).is_err());
        assert!(check_body(&"a".repeat(MAX_BODY_BYTES + 1))
            .unwrap_err()
            .contains("at most 256 KB"));
        let fine = "Intro with <em>html</em> and a list:\n\n- one\n  - two\n\n<p>open paragraph\n"
            .repeat(500);
        assert_eq!(check_body(&fine), Ok(()));
        assert_eq!(nesting_depth("<div><p><div></div></div><br><img/>"), 2);
        // What parsers nest deeply, however it is written.
        assert!(check_body(&"<div/>".repeat(40_000)).is_err());
        assert!(check_body(&"<div></x>".repeat(40_000)).is_err());
        assert_eq!(nesting_depth("<div><span><b>x</div><div>y</div>"), 3);
    }

    #[test]
    fn excerpts_cut_at_a_word() {
        assert_eq!(excerpt("Short *and* sweet.", 100), "Short and sweet.");
        assert_eq!(
            excerpt("# Heat\n\nMichael Mann's crime epic runs long.", 20),
            "Heat Michael Mann’s…"
        );
        assert!(excerpt(&"word ".repeat(100), 50).chars().count() <= 50);
    }

    #[test]
    fn local_links_become_absolute() {
        let html = "<p><a href=\"/work/heat\">Heat</a> <a href=\"https://x.example/\">x</a></p>\
            <img src=\"/media/a.jpg\" srcset=\"/media/a-480.jpg 480w, https://cdn.example/b.jpg 960w\">\
            <a href=\"//evil.example/\">e</a>";
        assert_eq!(
            absolute_links(html, "https://films.example"),
            "<p><a href=\"https://films.example/work/heat\">Heat</a> <a href=\"https://x.example/\">x</a></p>\
            <img src=\"https://films.example/media/a.jpg\" srcset=\"https://films.example/media/a-480.jpg 480w, https://cdn.example/b.jpg 960w\">\
            <a href=\"//evil.example/\">e</a>"
        );
    }

    #[test]
    fn image_sources_lists_each_image_once() {
        let md = "![a](/media/x.jpg) text ![b](/media/y.png)\n\n![a again](/media/x.jpg)";
        assert_eq!(image_sources(md), ["/media/x.jpg", "/media/y.png"]);
    }

    fn none(_: &str) -> Option<Figure> {
        None
    }

    #[test]
    fn renders_markdown() {
        let html = to_html("Hello *world*\n\n[a link](https://example.org)", &none);
        assert!(html.contains("<em>world</em>"));
        assert!(html.contains("rel=\"noopener noreferrer\""));
    }

    #[test]
    fn scripts_and_handlers_are_removed() {
        let html = to_html(
            "<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n[x](javascript:alert(1))",
            &none,
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
    }

    #[test]
    fn known_images_become_figures() {
        let lookup = |src: &str| {
            (src == "/media/a.jpg").then(|| Figure {
                src: src.into(),
                srcset: "/media/a-480.jpg 480w".into(),
                width: 960,
                height: 640,
                caption: Some("Lights".into()),
                credit: Some("Photo: Us".into()),
            })
        };
        let html = to_html("![A street <at> night](/media/a.jpg)", &lookup);
        assert!(html.starts_with("<figure>"), "{html}");
        assert!(html.contains("srcset=\"/media/a-480.jpg 480w\""), "{html}");
        assert!(html.contains("alt=\"A street &lt;at&gt; night\""), "{html}");
        assert!(
            html.contains(
                "<figcaption>Lights <span class=\"credit\">Photo: Us</span></figcaption>"
            ),
            "{html}"
        );
    }

    #[test]
    fn bodies_split_at_level_two_headings() {
        let body = "Intro\n\n## Plot\nIt happens.\n```\n## not a heading\n```\n## Why it lasts\nBecause.\n";
        let parts = split_parts(body);
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[0].heading, None);
        assert!(parts[1].is_plot());
        assert!(parts[1].markdown.contains("## not a heading"));
        assert_eq!(parts[2].heading, Some("Why it lasts"));
        assert!(!parts[2].is_plot());
    }
}
