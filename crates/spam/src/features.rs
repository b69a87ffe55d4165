//! What the classifier sees of a comment: hashed words, word pairs and
//! character n-grams, plus a few signals spammers find hard to avoid (links,
//! contact details, money, shouting). Hashing keeps the model a fixed size
//! whatever the vocabulary, and lets it learn words it has never seen.

use crate::text::normalise;

/// Number of weight slots: 2^18. Collisions at this size cost nothing
/// measurable on comment-sized texts and keep a model file small.
pub const DIMENSIONS: usize = 1 << 18;

/// A comment's features: (slot, value), sorted by slot, without repeats,
/// scaled to unit length so long comments do not outweigh short ones.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Features(pub Vec<(u32, f32)>);

/// The slot of the feature named by `parts` joined: hashed piece by piece,
/// so no name is ever built on the hot path.
fn slot_of(parts: &[&str]) -> u32 {
    // FNV-1a: stable across builds and platforms, so saved models stay valid.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in parts.iter().flat_map(|p| p.as_bytes()) {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    (h % DIMENSIONS as u64) as u32
}

pub fn slot(name: &str) -> u32 {
    slot_of(&[name])
}

fn is_link(word: &str) -> bool {
    // Every link has a dot before its last character; most words have none.
    if !word.trim_end_matches('.').contains('.') {
        return false;
    }
    let w = word.to_lowercase();
    w.starts_with("http://")
        || w.starts_with("https://")
        || w.starts_with("www.")
        || [
            ".com", ".net", ".org", ".ly", ".info", ".biz", ".co/", ".me/", ".tk",
        ]
        .iter()
        .any(|t| w.contains(t) && w.len() > t.len() + 1)
}

fn link_host(word: &str) -> String {
    let w = word.to_lowercase();
    let w = w
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_start_matches("www.");
    w.split(['/', '?', '#']).next().unwrap_or("").to_owned()
}

/// The kinds of feature, each with its own weight before a comment's vector
/// is scaled to unit length. Character n-grams are many, so they would drown
/// the few shape and link signals at equal weight; the weights were chosen by
/// leave-one-video-out cross-validation on videos 1-4 (`tests/youtube.rs`):
/// MCC 0.876 with equal weights, 0.926 with these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Word,
    Pair,
    Chars,
    Link,
    Shape,
    /// Whether the comment talks about its post (see [`Context`]).
    About,
}

impl Kind {
    fn weight(self) -> f32 {
        match self {
            Kind::Word | Kind::Pair => 1.0,
            Kind::Chars => 0.7,
            Kind::Link => 6.0,
            Kind::Shape => 4.0,
            Kind::About => ABOUT_WEIGHT,
        }
    }
}

/// The weight of the [`Kind::About`] signals, chosen by leaving one video
/// out (`tests/youtube.rs`).
const ABOUT_WEIGHT: f32 = 6.0;

/// What a comment's post is about, as words a comment on it may use: the
/// post's title and summary, its work's names, the names of its people and
/// characters, its tags (the caller gives them as text).
/// A reader answering a post names what it is about; spam written for any
/// page rarely does. Words of three letters or more that are not common
/// English words, lowercased.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    terms: Vec<String>,
}

/// Words too common to say what a post is about.
const COMMON: [&str; 40] = [
    "the", "and", "you", "for", "this", "that", "with", "are", "was", "but", "not", "all", "his",
    "her", "its", "our", "out", "who", "what", "how", "why", "from", "they", "them", "have", "has",
    "had", "one", "can", "will", "just", "your", "about", "into", "than", "then", "there", "their",
    "some", "more",
];

impl Context {
    /// The terms of `text` (several names may be given on separate lines).
    pub fn of(text: &str) -> Context {
        let mut terms: Vec<String> = words_of(&normalise(text))
            .filter(|w| w.chars().count() >= 3 && !COMMON.contains(&w.as_str()))
            .collect();
        terms.sort_unstable();
        terms.dedup();
        Context { terms }
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// How many of the post's terms the comment's `words` use.
    fn mentions(&self, words: &[String]) -> usize {
        // "Mann's" names Mann.
        let mut used: Vec<&str> = words
            .iter()
            .map(|w| w.strip_suffix("'s").unwrap_or(w))
            .filter(|w| self.terms.binary_search_by(|t| t.as_str().cmp(w)).is_ok())
            .collect();
        used.sort_unstable();
        used.dedup();
        used.len()
    }
}

/// The lowercased words of a text, apostrophes kept inside them.
fn words_of(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric() && c != '\'')
        .map(|w| w.trim_matches('\''))
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
}

/// Calls `emit` with the kind and the name, in parts to be joined, of every
/// feature of `text` (repeats included), on a post about `context` (none
/// when the post is not known: a file of comments on their own).
pub fn for_each_name(text: &str, context: &Context, mut emit: impl FnMut(Kind, &[&str])) {
    let text = normalise(text);
    let mut words: Vec<String> = Vec::new();
    let mut links = 0;
    let mut prose = String::new();
    for raw in text.split_whitespace() {
        if is_link(raw) {
            links += 1;
            emit(Kind::Link, &["link"]);
            link_features(raw, &mut emit);
            continue;
        }
        prose.push_str(raw);
        prose.push(' ');
        words.extend(words_of(raw));
    }
    for w in &words {
        emit(Kind::Word, &["w:", w]);
    }
    for pair in words.windows(2) {
        emit(Kind::Pair, &["b:", &pair[0], " ", &pair[1]]);
    }
    // Character n-grams, punctuation and emoji included, catch spellings
    // the words miss ("subscr1be", "chanel", "<3", "!!!").
    let lower = format!(" {} ", prose.trim_end().to_lowercase());
    let bounds: Vec<usize> = lower
        .char_indices()
        .map(|(i, _)| i)
        .chain([lower.len()])
        .collect();
    for n in 3..=5 {
        for w in bounds.windows(n + 1) {
            emit(Kind::Chars, &["c:", &lower[w[0]..w[n]]]);
        }
    }
    shape_features(&text, &prose, links, words.len(), &mut emit);
    if !context.is_empty() {
        // Naming nothing is the common case, the baseline: no feature.
        match context.mentions(&words) {
            0 => {}
            1 => emit(Kind::About, &["about:one"]),
            _ => emit(Kind::About, &["about:several"]),
        }
    }
}

/// A link's host, each part of its host name and the words of its path and
/// query ("ref", "user", "watch"): spam links differ from a reader's.
fn link_features(raw: &str, emit: &mut impl FnMut(Kind, &[&str])) {
    let host = link_host(raw);
    emit(Kind::Link, &["host:", &host]);
    for part in host.split('.') {
        emit(Kind::Link, &["host-part:", part]);
    }
    let lower = raw.to_lowercase();
    let rest = lower.split_once(&host).map(|(_, r)| r).unwrap_or("");
    for w in rest
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() > 1 && w.len() < 12)
    {
        emit(Kind::Link, &["path:", w]);
    }
}

/// Signals of shape rather than words.
fn shape_features(
    text: &str,
    prose: &str,
    links: usize,
    words: usize,
    emit: &mut impl FnMut(Kind, &[&str]),
) {
    emit(Kind::Shape, &["links:", ["0", "1", "2", "3"][links.min(3)]]);
    let letters = prose.chars().filter(|c| c.is_alphabetic()).count();
    let upper = prose.chars().filter(|c| c.is_uppercase()).count();
    if letters >= 8 && upper * 2 > letters {
        emit(Kind::Shape, &["shouting"]);
    }
    if text
        .split_whitespace()
        .any(|w| w.contains('@') && w.contains('.'))
    {
        emit(Kind::Shape, &["email"]);
    }
    let longest_digits = text
        .split(|c: char| !c.is_ascii_digit())
        .map(str::len)
        .max()
        .unwrap_or(0);
    if longest_digits >= 7 {
        emit(Kind::Shape, &["phone-like-number"]);
    }
    if text.contains(['$', '£', '€']) {
        emit(Kind::Shape, &["money"]);
    }
    if text.matches('!').count() >= 3 {
        emit(Kind::Shape, &["many-exclamations"]);
    }
    let length_class = match words {
        0..=3 => "len:tiny",
        4..=10 => "len:short",
        11..=30 => "len:medium",
        _ => "len:long",
    };
    emit(Kind::Shape, &[length_class]);
}

impl Features {
    /// A comment's features, its post unknown.
    pub fn of(text: &str) -> Features {
        Features::in_context(text, &Context::default())
    }

    /// A comment's features on a post about `context`.
    pub fn in_context(text: &str, context: &Context) -> Features {
        let mut slots: Vec<(u32, f32)> = Vec::with_capacity(text.len() * 3);
        for_each_name(text, context, |kind, parts| {
            slots.push((slot_of(parts), kind.weight()))
        });
        slots.sort_unstable_by_key(|(s, _)| *s);
        // Presence, not counts: a repeated word says no more than one use.
        slots.dedup_by_key(|(s, _)| *s);
        let norm = slots
            .iter()
            .map(|(_, w)| w * w)
            .sum::<f32>()
            .sqrt()
            .max(1e-6);
        Features(slots.into_iter().map(|(s, w)| (s, w / norm)).collect())
    }
}

/// A name for each of these slots among a text's features (the first
/// that hashes there), to explain a score: only those names are built.
pub fn names_of(text: &str, context: &Context, slots: &[u32]) -> Vec<(u32, String)> {
    let mut found: Vec<(u32, String)> = Vec::new();
    for_each_name(text, context, |_, parts| {
        let s = slot_of(parts);
        if slots.contains(&s) && !found.iter().any(|(f, _)| *f == s) {
            found.push((s, parts.concat()));
        }
    });
    found
}

/// Host name endings read as such in reasons ("links to a .com site").
const TOP_LEVEL: [&str; 14] = [
    "com", "net", "org", "info", "biz", "ru", "xyz", "io", "co", "me", "ly", "tk", "uk", "de",
];

/// A feature's name in plain words for a moderator: "host:example.com"
/// is "links to example.com", "b:check out" is "the words “check out”".
pub fn describe(name: &str) -> String {
    let (kind, rest) = name.split_once(':').unwrap_or((name, ""));
    match (kind, rest) {
        ("link", _) => "has a link".into(),
        ("host", host) => format!("links to {host}"),
        ("host-part", part) if TOP_LEVEL.contains(&part) => format!("links to a .{part} site"),
        ("host-part", part) => format!("a link to a site with “{part}” in its name"),
        ("path", word) => format!("a link with “{word}” in it"),
        ("w", word) => format!("the word “{word}”"),
        ("b", words) => format!("the words “{words}”"),
        ("c", chars) => format!("looks like “{}”", chars.trim()),
        ("links", n) => match n {
            "0" => "no links".into(),
            "1" => "one link".into(),
            "2" => "two links".into(),
            n => format!("{n} or more links"),
        },
        ("len", size) => format!("a {size} comment"),
        ("shouting", _) => "written in capitals".into(),
        ("email", _) => "gives an email address".into(),
        ("phone-like-number", _) => "gives a phone number".into(),
        ("money", _) => "mentions money".into(),
        ("many-exclamations", _) => "many exclamation marks".into(),
        ("about", "one") => "names what the post is about".into(),
        ("about", _) => "names several things the post is about".into(),
        _ => name.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn features_are_described_in_plain_words() {
        assert_eq!(describe("host-part:com"), "links to a .com site");
        assert_eq!(
            describe("host-part:www"),
            "a link to a site with “www” in its name"
        );
        assert_eq!(describe("links:2"), "two links");
        assert_eq!(describe("b:check out"), "the words “check out”");
        assert_eq!(describe("c: my c"), "looks like “my c”");
        assert_eq!(describe("shouting"), "written in capitals");
        assert_eq!(describe("len:tiny"), "a tiny comment");
    }

    #[test]
    fn links_and_contact_details_become_features() {
        let mut names = Vec::new();
        for_each_name(
            "CHECK OUT MY CHANNEL www.example.com/abc call 5551234567 now!!!",
            &Context::default(),
            |_, parts| names.push(parts.concat()),
        );
        for expected in [
            "link",
            "host:example.com",
            "w:check",
            "b:check out",
            "shouting",
            "phone-like-number",
            "many-exclamations",
        ] {
            assert!(
                names.iter().any(|n| n == expected),
                "{expected} in {names:?}"
            );
        }
    }

    #[test]
    fn a_comment_naming_its_post_says_so() {
        let heat = Context::of("Heat\nMichael Mann\nAl Pacino as Vincent Hanna\nRobert De Niro");
        let about = |text: &str| {
            let mut found = Vec::new();
            for_each_name(text, &heat, |kind, parts| {
                if kind == Kind::About {
                    found.push(parts.concat());
                }
            });
            found
        };
        assert_eq!(about("Pacino and De Niro at the diner!"), ["about:several"]);
        assert_eq!(about("Mann's best film."), ["about:one"]);
        assert_eq!(about("The HEAT of it all"), ["about:one"]);
        assert!(
            about("Check out my channel").is_empty(),
            "naming nothing is the baseline"
        );
        assert!(for_each_name_has_no_about("Pacino"), "no post, no signal");
        assert_eq!(describe("about:one"), "names what the post is about");
    }

    fn for_each_name_has_no_about(text: &str) -> bool {
        let mut none = true;
        for_each_name(text, &Context::default(), |kind, _| {
            none &= kind != Kind::About
        });
        none
    }

    #[test]
    fn features_are_unit_length_and_stable() {
        let f = Features::of("I love this song");
        let norm: f32 = f.0.iter().map(|(_, v)| v * v).sum();
        assert!((norm - 1.0).abs() < 1e-4);
        assert_eq!(f, Features::of("I love this song\u{feff}"));
        assert_eq!(slot("w:love"), slot("w:love"));
    }
}
