//! Slugs: the lowercase, dash-separated names in a page's address.

use crate::error::FieldError;
use std::fmt;

/// A valid slug: 1-100 characters of `a-z`, `0-9` and single dashes, no dash at
/// either end. Once parsed, the store and the router can use it as it is.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct Slug(String);

const MAX_LEN: usize = 100;

impl Slug {
    /// Checks a slug someone typed; `field` names the input for the error.
    pub fn parse(field: &str, s: &str) -> Result<Slug, FieldError> {
        let err = |m: &str| Err(FieldError::new(field, m));
        if s.is_empty() {
            return err("must not be empty");
        }
        if s.len() > MAX_LEN {
            return err("must be at most 100 characters");
        }
        if !s
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return err("may only hold lowercase letters a-z, digits and dashes");
        }
        if s.starts_with('-') || s.ends_with('-') || s.contains("--") {
            return err("must not start or end with a dash, or hold two dashes in a row");
        }
        Ok(Slug(s.to_owned()))
    }

    /// Derives a slug from a title: accents folded to their base letters where
    /// that is simple, everything else that is not a letter or digit becomes a
    /// dash. Returns `None` when nothing usable is left (a title of only symbols).
    pub fn from_title(title: &str) -> Option<Slug> {
        let mut out = String::with_capacity(title.len());
        for c in title.chars().flat_map(char::to_lowercase) {
            let c = fold_accent(c);
            if c.is_ascii_alphanumeric() {
                out.push(c);
            } else if c == '\'' || c == '’' {
                // "Don't" reads better as "dont" than "don-t".
            } else if !out.ends_with('-') && !out.is_empty() {
                out.push('-');
            }
        }
        let mut s = out.trim_end_matches('-').to_owned();
        if s.len() > MAX_LEN {
            s.truncate(MAX_LEN);
            s = s.trim_end_matches('-').to_owned();
        }
        (!s.is_empty()).then_some(Slug(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn fold_accent(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' => 'a',
        'ç' | 'č' | 'ć' => 'c',
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ě' => 'e',
        'ì' | 'í' | 'î' | 'ï' | 'ī' => 'i',
        'ñ' | 'ń' | 'ň' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' => 'o',
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' => 'u',
        'ý' | 'ÿ' => 'y',
        'š' | 'ś' => 's',
        'ž' | 'ź' | 'ż' => 'z',
        'ř' => 'r',
        'ł' => 'l',
        'ß' => 's',
        other => other,
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Slug {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_become_slugs() {
        let s = |t| Slug::from_title(t).map(|s| s.0);
        assert_eq!(
            s("La La Land: for the dreamers").unwrap(),
            "la-la-land-for-the-dreamers"
        );
        assert_eq!(s("Amélie").unwrap(), "amelie");
        assert_eq!(s("  Don't Look Up!  ").unwrap(), "dont-look-up");
        assert_eq!(s("2001: A Space Odyssey").unwrap(), "2001-a-space-odyssey");
        assert_eq!(s("!!!"), None);
        assert!(s(&"x".repeat(300)).unwrap().len() <= MAX_LEN);
    }

    #[test]
    fn parse_rejects_what_an_address_cannot_hold() {
        assert!(Slug::parse("slug", "la-la-land").is_ok());
        for bad in ["", "La-La", "la la", "-x", "x-", "a--b", "é", "a/b"] {
            let e = Slug::parse("slug", bad).unwrap_err();
            assert_eq!(e.field, "slug", "{bad}");
        }
    }
}
