//! What a search means, the same on both engines: how text is cut into
//! words and folded ("Amélie" is "amelie"), how a reader's query is read,
//! and how a snippet shows the words it matched.
//!
//! The store indexes text already folded here and asks with terms folded
//! here, so SQLite's FTS5 and PostgreSQL's `tsvector` see the same words,
//! whatever their own tokenizers would have made of accents or scripts.

use crate::markdown::escape;
use unicode_normalization::char::{decompose_compatible, is_combining_mark};

/// The longest query read, in characters; the rest is left out, and said so.
pub const MAX_QUERY_CHARS: usize = 200;
/// The most terms a query is searched with.
pub const MAX_TERMS: usize = 12;
/// The shortest word searched as a prefix: one letter would match most of
/// the index.
const MIN_PREFIX_CHARS: usize = 2;

/// A word of text: where it is, and its folded form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub start: usize,
    pub end: usize,
    pub folded: String,
}

/// The words of `text` with their places: runs of letters and digits,
/// lower-cased, without accents (compatibility forms decomposed, so
/// "ﬁlm" is "film" and "Ｈｅａｔ" is "heat").
pub fn words(text: &str) -> Vec<Word> {
    let mut out = Vec::new();
    let mut current: Option<Word> = None;
    for (at, c) in text.char_indices() {
        let mut folded = String::new();
        match unsplit(c) {
            Some(plain) => folded.push_str(plain),
            None => decompose_compatible(c, |d| {
                if !is_combining_mark(d) {
                    folded.extend(d.to_lowercase());
                }
            }),
        }
        let letters = !folded.is_empty() && folded.chars().all(char::is_alphanumeric);
        let end = at + c.len_utf8();
        match (&mut current, letters) {
            (Some(w), true) => {
                w.folded.push_str(&folded);
                w.end = end;
            }
            // A combining mark inside a word stays part of it.
            (Some(w), false) if folded.is_empty() && is_combining_mark(c) => w.end = end,
            (None, true) => {
                current = Some(Word {
                    start: at,
                    end,
                    folded,
                })
            }
            (_, false) => out.extend(current.take()),
        }
    }
    out.extend(current);
    out
}

/// Letters that carry their accent in their shape, so Unicode does not
/// decompose them, as readers type them without it; and the Greek final
/// sigma, which lower-casing a capital never gives.
fn unsplit(c: char) -> Option<&'static str> {
    Some(match c {
        'ø' | 'Ø' => "o",
        'ł' | 'Ł' => "l",
        'đ' | 'Đ' => "d",
        'ħ' | 'Ħ' => "h",
        'ı' => "i",
        'ß' | 'ẞ' => "ss",
        'æ' | 'Æ' => "ae",
        'œ' | 'Œ' => "oe",
        'þ' | 'Þ' => "th",
        'ς' => "σ",
        _ => return None,
    })
}

/// `text` as the index holds it: its folded words, one space apart.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for w in words(text) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&w.folded);
    }
    out
}

/// One thing a query asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Term {
    /// A word; with `prefix`, any word that starts with it (the last word
    /// typed, which may not be finished).
    Word { word: String, prefix: bool },
    /// Words in this order, one after the other ("la la land" in quotes).
    Phrase(Vec<String>),
}

/// A reader's query, read: every term must match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    pub terms: Vec<Term>,
    /// Part of what was typed was left out (too long, or too many words).
    pub shortened: bool,
}

impl Query {
    /// Reads what a reader typed. Anything is accepted: quotes pair up
    /// into phrases (an unpaired one runs to the end), and every other
    /// sign, operator or control character only separates words, so no
    /// query can be malformed for an engine. What has no word at all
    /// gives no terms.
    pub fn parse(typed: &str) -> Query {
        let mut shortened = typed.chars().count() > MAX_QUERY_CHARS;
        let typed: String = typed.chars().take(MAX_QUERY_CHARS).collect();
        let ends_open = typed.chars().last().is_some_and(char::is_alphanumeric);
        let mut terms = Vec::new();
        for (i, part) in typed.split('"').enumerate() {
            let found: Vec<String> = words(part).into_iter().map(|w| w.folded).collect();
            if i % 2 == 1 && found.len() > 1 {
                terms.push(Term::Phrase(found));
            } else {
                terms.extend(found.into_iter().map(|word| Term::Word {
                    word,
                    prefix: false,
                }));
            }
        }
        if terms.len() > MAX_TERMS {
            terms.truncate(MAX_TERMS);
            shortened = true;
        }
        // The last word, still being typed, matches as a prefix.
        if let (true, false, Some(Term::Word { word, prefix })) =
            (ends_open, shortened, terms.last_mut())
        {
            *prefix = word.chars().count() >= MIN_PREFIX_CHARS;
        }
        Query { terms, shortened }
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// The query in FTS5's syntax: every word quoted (so none is an
    /// operator), a prefix marked with `*`, terms joined by AND.
    pub fn to_fts5(&self) -> String {
        self.terms
            .iter()
            .map(|t| match t {
                Term::Word { word, prefix } => {
                    format!("\"{word}\"{}", if *prefix { "*" } else { "" })
                }
                Term::Phrase(words) => format!("\"{}\"", words.join(" ")),
            })
            .collect::<Vec<_>>()
            .join(" AND ")
    }

    /// The query in PostgreSQL's `to_tsquery` syntax: every word quoted, a
    /// prefix marked `:*`, a phrase joined by `<->`, terms by `&`. Words
    /// hold only letters and digits, so quoting cannot be escaped.
    pub fn to_tsquery(&self) -> String {
        self.terms
            .iter()
            .map(|t| match t {
                Term::Word { word, prefix } => {
                    format!("'{word}'{}", if *prefix { ":*" } else { "" })
                }
                Term::Phrase(words) => format!(
                    "({})",
                    words
                        .iter()
                        .map(|w| format!("'{w}'"))
                        .collect::<Vec<_>>()
                        .join(" <-> ")
                ),
            })
            .collect::<Vec<_>>()
            .join(" & ")
    }

    /// Whether a folded word is one the query asks for (words of a phrase
    /// count one by one: this is for highlighting).
    pub fn matches(&self, folded: &str) -> bool {
        self.terms.iter().any(|t| match t {
            Term::Word { word, prefix: true } => folded.starts_with(word.as_str()),
            Term::Word { word, .. } => folded == word,
            Term::Phrase(words) => words.iter().any(|w| w == folded),
        })
    }
}

/// `text` as safe HTML with the words the query asks for in `<mark>`.
pub fn highlight(text: &str, query: &Query) -> String {
    let found = words(text);
    marked(text, &found, query, 0, text.len())
}

/// The part of `text` around its best matches, about `around` words long,
/// as safe HTML with the matched words in `<mark>` and "…" where it was
/// cut. `None` when nothing in it matches.
pub fn snippet(text: &str, query: &Query, around: usize) -> Option<String> {
    let found = words(text);
    let hits: Vec<usize> = (0..found.len())
        .filter(|&i| query.matches(&found[i].folded))
        .collect();
    if hits.is_empty() {
        return None;
    }
    // The window of `around` words holding the most matches, the earliest
    // of equals; it starts a few words before its first match.
    let around = around.max(1);
    let mut best = (0, hits[0]);
    for (n, &first) in hits.iter().enumerate() {
        let inside = hits[n..]
            .iter()
            .take_while(|&&h| h < first + around)
            .count();
        if inside > best.0 {
            best = (inside, first);
        }
    }
    let first = best.1.saturating_sub(around / 4);
    let last = (first + around).min(found.len()) - 1;
    let from = if first == 0 { 0 } else { found[first].start };
    let to = if last + 1 == found.len() {
        text.len()
    } else {
        found[last].end
    };
    let mut out = String::new();
    if from > 0 {
        out.push('…');
    }
    out.push_str(marked(text, &found, query, from, to).trim());
    if to < text.len() {
        out.push('…');
    }
    Some(out)
}

/// `text[from..to]` escaped, the matched words in `<mark>`.
fn marked(text: &str, found: &[Word], query: &Query, from: usize, to: usize) -> String {
    let mut out = String::new();
    let mut at = from;
    for w in found.iter().filter(|w| w.start >= from && w.end <= to) {
        if query.matches(&w.folded) {
            out.push_str(&escape(&text[at..w.start]));
            out.push_str("<mark>");
            out.push_str(&escape(&text[w.start..w.end]));
            out.push_str("</mark>");
            at = w.end;
        }
    }
    out.push_str(&escape(&text[at..to]));
    // Line breaks of the source read as spaces in a snippet.
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_fold_accents_case_and_compatibility_forms() {
        assert_eq!(fold("Amélie Poulain"), "amelie poulain");
        assert_eq!(fold("ＨＥＡＴ (1995) — ﬁlm"), "heat 1995 film");
        assert_eq!(fold("Björk's  café\u{301}!"), "bjork s cafe");
        assert_eq!(fold("千と千尋の神隠し"), "千と千尋の神隠し");
        assert_eq!(
            fold("Łódź, Søren, Straße, ΟΔΥΣΣΕΥΣ"),
            "lodz soren strasse οδυσσευσ"
        );
        assert_eq!(fold("Οδυσσεύς"), "οδυσσευσ");
        assert_eq!(fold("<script>"), "script");
        assert_eq!(fold("*"), "");
    }

    #[test]
    fn any_typed_query_reads_without_error() {
        let q = Query::parse("amelie poul");
        assert_eq!(
            q.terms,
            vec![
                Term::Word {
                    word: "amelie".into(),
                    prefix: false
                },
                Term::Word {
                    word: "poul".into(),
                    prefix: true
                },
            ]
        );
        assert_eq!(q.to_fts5(), "\"amelie\" AND \"poul\"*");
        assert_eq!(q.to_tsquery(), "'amelie' & 'poul':*");

        let q = Query::parse("\"la la land\" stone ");
        assert_eq!(q.to_fts5(), "\"la la land\" AND \"stone\"");
        assert_eq!(q.to_tsquery(), "('la' <-> 'la' <-> 'land') & 'stone'");
        // An unpaired quote runs to the end.
        assert_eq!(Query::parse("\"heat pacino").to_fts5(), "\"heat pacino\"");
        // Operators and signs are words or nothing.
        assert_eq!(
            Query::parse("NEAR(a b) OR -c AND title:x' ;--").to_fts5(),
            "\"near\" AND \"a\" AND \"b\" AND \"or\" AND \"c\" AND \"and\" AND \"title\" AND \"x\""
        );
        assert!(Query::parse("*").is_empty());
        assert!(Query::parse("\u{0}\u{7}\n\t").is_empty());
        let long = Query::parse(&"word ".repeat(2000));
        assert!(long.shortened);
        assert_eq!(long.terms.len(), MAX_TERMS);
        // One letter is not searched as a prefix.
        assert_eq!(Query::parse("a").to_fts5(), "\"a\"");
    }

    #[test]
    fn snippets_mark_matches_and_escape_the_rest() {
        let q = Query::parse("amelie");
        let marked = highlight("<b>Amélie</b> & co", &q);
        assert!(
            marked.starts_with("&lt;b&gt;<mark>Amélie</mark>&lt;"),
            "{marked}"
        );
        assert!(
            marked.ends_with(" &amp; co") && !marked.contains("<b>"),
            "{marked}"
        );
        let text = (1..=100)
            .map(|i| format!("w{i}"))
            .collect::<Vec<_>>()
            .join(" ");
        let s = snippet(&text, &Query::parse("w50 w52"), 10).unwrap();
        assert!(s.starts_with('…') && s.ends_with('…'), "{s}");
        assert!(s.contains("<mark>w50</mark> w51 <mark>w52</mark>"), "{s}");
        assert_eq!(snippet(&text, &Query::parse("nothing"), 10), None);
        assert_eq!(
            snippet("Short one.", &Query::parse("short"), 10).unwrap(),
            "<mark>Short</mark> one."
        );
    }
}
