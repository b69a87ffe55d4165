//! Works: the films and TV shows that picks recommend.

use crate::error::FieldErrors;
use crate::slug::Slug;

/// Years a work can plausibly have: the first films were shown in the 1890s,
/// and nothing is announced a lifetime ahead. Catches typos such as 20160.
pub const YEARS: std::ops::RangeInclusive<i32> = 1870..=2100;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WorkKind {
    Movie,
    Tv,
}

impl WorkKind {
    pub fn as_str(self) -> &'static str {
        match self {
            WorkKind::Movie => "movie",
            WorkKind::Tv => "tv",
        }
    }

    pub fn parse(s: &str) -> Option<WorkKind> {
        match s {
            "movie" => Some(WorkKind::Movie),
            "tv" => Some(WorkKind::Tv),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            WorkKind::Movie => "Film",
            WorkKind::Tv => "TV series",
        }
    }
}

/// A person's part in a work's cast.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CastMember {
    pub name: String,
    #[serde(default)]
    pub role: String,
}

/// A film or TV show with its facts. People are named here and become records
/// of their own in the store, shared by every work they appear in.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Work {
    pub kind: WorkKind,
    pub name: String,
    /// The title in its original language, when it differs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_name: Option<String>,
    /// Release year; for TV the first year.
    pub year: i32,
    /// TV: the last year, when the show has ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_year: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seasons: Option<u32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub directors: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub writers: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cast: Vec<CastMember>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub genres: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime_minutes: Option<u32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub countries: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub languages: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub box_office_usd: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget_usd: Option<u64>,
    /// As people say it: "6 Oscars from 14 nominations".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub awards: Option<String>,
    /// IMDb title id, `tt` and digits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub imdb_id: Option<String>,
    /// Address of the poster image (an uploaded media file or a URL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub poster: Option<String>,
}

/// How many directors, writers, genres, countries or languages a work may list.
const MAX_NAMES: usize = 50;
const MAX_CAST: usize = 300;

/// This site's own path (`/media/...`) or an https address. Not `//host/...`
/// nor `/\host`: browsers take those for another site.
pub fn is_image_address(s: &str) -> bool {
    let own = s.starts_with('/') && !s.starts_with("//") && !s.starts_with("/\\");
    let https = s.starts_with("https://") && s.len() > "https://".len();
    (own || https) && !s.contains(|c: char| c.is_whitespace() || c.is_control() || c == '\\')
}

impl Work {
    /// The work's address: name and year, so remakes don't collide.
    pub fn slug(&self) -> Option<Slug> {
        Slug::from_title(&format!("{} {}", self.name, self.year))
    }

    /// Pushes every problem under `prefix` (such as `work`).
    pub fn validate(&self, prefix: &str, errors: &mut FieldErrors) {
        let f = |name: &str| format!("{prefix}.{name}");
        if self.name.trim().is_empty() {
            errors.push(f("name"), "is missing: give the work's title");
        } else if self.slug().is_none() {
            errors.push(f("name"), "needs at least one letter or digit");
        }
        if !YEARS.contains(&self.year) {
            errors.push(
                f("year"),
                format!(
                    "{} is not a plausible year (expected {} to {})",
                    self.year,
                    YEARS.start(),
                    YEARS.end()
                ),
            );
        }
        if let Some(end) = self.end_year {
            if self.kind != WorkKind::Tv {
                errors.push(f("end_year"), "only TV shows have an end year");
            } else if !YEARS.contains(&end) || end < self.year {
                errors.push(
                    f("end_year"),
                    format!(
                        "{end} must be a year between {} and {}",
                        self.year,
                        YEARS.end()
                    ),
                );
            }
        }
        if self.seasons.is_some() && self.kind != WorkKind::Tv {
            errors.push(f("seasons"), "only TV shows have seasons");
        }
        if self.seasons == Some(0) {
            errors.push(f("seasons"), "must be at least 1");
        }
        if self.runtime_minutes == Some(0) {
            errors.push(f("runtime_minutes"), "must be at least 1 minute");
        }
        for (list, name) in [
            (&self.directors, "directors"),
            (&self.writers, "writers"),
            (&self.genres, "genres"),
            (&self.countries, "countries"),
            (&self.languages, "languages"),
        ] {
            if let Some(i) = list.iter().position(|s| s.trim().is_empty()) {
                errors.push(format!("{prefix}.{name}[{i}]"), "must not be empty");
            }
            crate::document::check_count(&f(name), list, MAX_NAMES, errors);
        }
        crate::document::check_count(&f("cast"), &self.cast, MAX_CAST, errors);
        for (i, c) in self.cast.iter().enumerate() {
            if c.name.trim().is_empty() {
                errors.push(format!("{prefix}.cast[{i}].name"), "must name the actor");
            }
        }
        if let Some(poster) = &self.poster {
            if !is_image_address(poster) {
                errors.push(
                    f("poster"),
                    format!(
                        "'{poster}' is not an image address: use /media/… or an https:// address"
                    ),
                );
            }
        }
        if let Some(id) = &self.imdb_id {
            let digits = id.strip_prefix("tt").unwrap_or("");
            if digits.len() < 7 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                errors.push(
                    f("imdb_id"),
                    format!("'{id}' is not an IMDb title id: expected tt and 7 or more digits"),
                );
            }
        }
    }

    /// "2016" for a film; "2002-2008" or "2019-" for TV.
    pub fn years_label(&self) -> String {
        years_label(self.kind, self.year, self.end_year)
    }
}

/// "2016" for a film; "2002-2008" or "2019-" for TV.
pub fn years_label(kind: WorkKind, year: i32, end_year: Option<i32>) -> String {
    match (kind, end_year) {
        (WorkKind::Tv, Some(end)) if end != year => format!("{year}–{end}"),
        (WorkKind::Tv, None) => format!("{year}–"),
        _ => year.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub fn la_la_land() -> Work {
        Work {
            kind: WorkKind::Movie,
            name: "La La Land".into(),
            original_name: None,
            year: 2016,
            end_year: None,
            seasons: None,
            directors: vec!["Damien Chazelle".into()],
            writers: vec![],
            cast: vec![],
            genres: vec![],
            runtime_minutes: Some(128),
            countries: vec![],
            languages: vec![],
            box_office_usd: Some(446_100_000),
            budget_usd: None,
            awards: None,
            imdb_id: Some("tt3783958".into()),
            poster: None,
        }
    }

    #[test]
    fn posters_are_own_paths_or_https() {
        for good in ["/media/p.jpg", "https://img.example/p.jpg"] {
            assert!(is_image_address(good), "{good}");
        }
        for bad in [
            "//evil.example/p.png",
            "/\\evil.example/p.png",
            "http://img.example/p.jpg",
            "javascript:alert(1)",
            "https://",
            "/media/a b.jpg",
        ] {
            assert!(!is_image_address(bad), "{bad}");
        }
    }

    #[test]
    fn a_good_work_passes() {
        let mut e = FieldErrors::default();
        la_la_land().validate("work", &mut e);
        assert!(e.is_empty(), "{e}");
        assert_eq!(la_la_land().slug().unwrap().as_str(), "la-la-land-2016");
    }

    #[test]
    fn a_typo_in_the_year_is_caught() {
        let mut w = la_la_land();
        w.year = 20160;
        let mut e = FieldErrors::default();
        w.validate("work", &mut e);
        assert_eq!(
            e.get("work.year"),
            Some("20160 is not a plausible year (expected 1870 to 2100)")
        );
    }

    #[test]
    fn tv_fields_only_on_tv() {
        let mut w = la_la_land();
        w.seasons = Some(3);
        let mut e = FieldErrors::default();
        w.validate("work", &mut e);
        assert!(e.get("work.seasons").is_some());
        w.kind = WorkKind::Tv;
        w.end_year = Some(2019);
        let mut e = FieldErrors::default();
        w.validate("work", &mut e);
        assert!(e.is_empty(), "{e}");
        assert_eq!(w.years_label(), "2016–2019");
    }

    #[test]
    fn imdb_ids_are_checked() {
        let mut w = la_la_land();
        w.imdb_id = Some("3783958".into());
        let mut e = FieldErrors::default();
        w.validate("work", &mut e);
        assert!(e.get("work.imdb_id").is_some());
    }
}
