//! Aggregator scores: kept as published, compared on one 0-100 scale.

use crate::error::FieldError;

/// A score as an aggregator publishes it: `value` out of `scale` (the best value).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Score {
    /// `metacritic`, `rotten-tomatoes`, `imdb`, `letterboxd`, or another name.
    pub source: String,
    pub value: f64,
    /// The best value on this source's scale. Known sources fix it; another
    /// source must give it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale: Option<f64>,
}

/// The sources we know, with the scale they publish on and how to show them.
const KNOWN: &[(&str, &str, f64)] = &[
    ("metacritic", "Metacritic", 100.0),
    ("rotten-tomatoes", "Rotten Tomatoes", 100.0),
    ("imdb", "IMDb", 10.0),
    ("letterboxd", "Letterboxd", 5.0),
];

/// The key of a known source written as people do: its name or its key, in
/// any case ("Rotten Tomatoes", "rotten tomatoes", "IMDB", "imdb").
pub fn known_source(written: &str) -> Option<&'static str> {
    let folded: String = written
        .trim()
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    KNOWN
        .iter()
        .find(|(key, label, _)| {
            let fold = |s: &str| -> String {
                s.chars()
                    .filter(|c| c.is_alphanumeric())
                    .flat_map(char::to_lowercase)
                    .collect()
            };
            fold(key) == folded || fold(label) == folded
        })
        .map(|(key, _, _)| *key)
}

/// A source's name as people write it: "Rotten Tomatoes" for its key, or
/// another source's name as given.
pub fn label(source: &str) -> &str {
    KNOWN
        .iter()
        .find(|(key, _, _)| *key == source)
        .map(|(_, label, _)| *label)
        .unwrap_or(source)
}

impl Score {
    /// A score as an editor types it: the source by name or key, the value
    /// as "94", "94%", "8.0/10" or "4/5" where that fits the source's
    /// scale, and a scale for other sources (or the one after the slash).
    /// `field` is the score's path, such as `scores[1]`.
    pub fn from_written(
        source: &str,
        value: &str,
        scale: &str,
        field: &str,
    ) -> Result<Score, FieldError> {
        let source = known_source(source)
            .map(str::to_owned)
            .unwrap_or_else(|| source.trim().to_owned());
        let number = |text: &str, part: &str| -> Result<f64, FieldError> {
            let text = text.trim();
            text.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| {
                    FieldError::new(
                        format!("{field}.{part}"),
                        format!("'{text}' is not a number"),
                    )
                })
        };
        let mut given_scale = match scale.trim() {
            "" => None,
            s => Some(number(s, "scale")?),
        };
        let value = value.trim();
        let (value, written_scale) = if let Some(v) = value.strip_suffix('%') {
            (number(v, "value")?, Some(100.0))
        } else if let Some((v, out_of)) = value.split_once('/') {
            (number(v, "value")?, Some(number(out_of, "value")?))
        } else if value.is_empty() {
            return Err(FieldError::new(
                format!("{field}.value"),
                "is missing: give the score, such as 94%, 8.0/10 or 4/5",
            ));
        } else {
            (number(value, "value")?, None)
        };
        let mut score = Score {
            source,
            value,
            scale: None,
        };
        if let Some(written) = written_scale {
            let fits = score.scale().or(given_scale).unwrap_or(written);
            if fits != written {
                return Err(FieldError::new(
                    format!("{field}.value"),
                    format!(
                        "'{value}' is a score out of {}, but {} scores are out of {}",
                        trim_float(written),
                        score.source_label(),
                        trim_float(fits)
                    ),
                ));
            }
            given_scale = given_scale.or(Some(written));
        }
        if score.scale().is_none() {
            score.scale = given_scale;
        }
        Ok(score)
    }

    /// The value as the editor shows it to be edited, and reads back:
    /// "93", "91%", "8.0/10", "4.5/5".
    pub fn written(&self) -> String {
        let value = if (self.value * 10.0).fract() == 0.0 {
            format!("{:.1}", self.value)
        } else {
            self.value.to_string()
        };
        match (self.source.as_str(), self.scale()) {
            ("metacritic", _) => trim_float(self.value),
            ("rotten-tomatoes", _) => format!("{}%", trim_float(self.value)),
            (_, Some(scale)) => format!("{value}/{}", trim_float(scale)),
            (_, None) => trim_float(self.value),
        }
    }

    /// The source's scale: fixed for a known source, given for another.
    pub fn scale(&self) -> Option<f64> {
        KNOWN
            .iter()
            .find(|(key, _, _)| *key == self.source)
            .map(|(_, _, scale)| *scale)
            .or(self.scale)
    }

    /// The source's name as people write it.
    pub fn source_label(&self) -> &str {
        label(&self.source)
    }

    /// The value on a 0-100 scale, for sorting and side-by-side charts.
    pub fn normalised(&self) -> f64 {
        match self.scale() {
            Some(scale) if scale > 0.0 => (self.value / scale * 100.0).clamp(0.0, 100.0),
            _ => 0.0,
        }
    }

    /// The value as the source shows it: "93", "91%", "8.0/10", "4.1/5".
    pub fn display(&self) -> String {
        match self.source.as_str() {
            "metacritic" => format!("{}", self.value.round()),
            "rotten-tomatoes" => format!("{}%", self.value.round()),
            _ => {
                let scale = self.scale().unwrap_or(0.0);
                format!("{:.1}/{}", self.value, trim_float(scale))
            }
        }
    }

    /// Checks the score; `field` is its path, such as `scores[1]`.
    pub fn validate(&self, field: &str) -> Result<(), FieldError> {
        if self.source.trim().is_empty() {
            return Err(FieldError::new(
                format!("{field}.source"),
                "must name the source, such as metacritic or imdb",
            ));
        }
        let Some(scale) = self.scale() else {
            return Err(FieldError::new(
                format!("{field}.scale"),
                format!(
                    "'{}' is not a source we know (metacritic, rotten-tomatoes, imdb, letterboxd): give its scale, such as scale = 10",
                    self.source
                ),
            ));
        };
        if !(scale.is_finite() && scale > 0.0) {
            return Err(FieldError::new(
                format!("{field}.scale"),
                "must be a number above 0",
            ));
        }
        if !self.value.is_finite() || self.value < 0.0 || self.value > scale {
            return Err(FieldError::new(
                format!("{field}.value"),
                format!(
                    "{} is outside the {} scale of 0 to {}",
                    trim_float(self.value),
                    self.source_label(),
                    trim_float(scale)
                ),
            ));
        }
        Ok(())
    }
}

fn trim_float(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn score(source: &str, value: f64) -> Score {
        Score {
            source: source.into(),
            value,
            scale: None,
        }
    }

    #[test]
    fn known_sources_normalise_to_100() {
        assert_eq!(score("metacritic", 93.0).normalised(), 93.0);
        assert_eq!(score("rotten-tomatoes", 91.0).normalised(), 91.0);
        assert_eq!(score("imdb", 8.0).normalised(), 80.0);
        assert!((score("letterboxd", 4.1).normalised() - 82.0).abs() < 1e-9);
    }

    #[test]
    fn other_sources_need_their_scale() {
        let mut s = score("douban", 8.5);
        assert_eq!(
            s.validate("scores[0]").unwrap_err().field,
            "scores[0].scale"
        );
        s.scale = Some(10.0);
        assert!(s.validate("scores[0]").is_ok());
        assert_eq!(s.normalised(), 85.0);
        assert_eq!(s.display(), "8.5/10");
    }

    #[test]
    fn values_outside_the_scale_are_refused() {
        let e = score("imdb", 11.0).validate("scores[2]").unwrap_err();
        assert_eq!(e.field, "scores[2].value");
        assert_eq!(e.message, "11 is outside the IMDb scale of 0 to 10");
        assert!(score("metacritic", 101.0).validate("s").is_err());
        assert!(score("metacritic", -1.0).validate("s").is_err());
        assert!(score("metacritic", f64::NAN).validate("s").is_err());
        assert!(score("metacritic", 100.0).validate("s").is_ok());
    }

    #[test]
    fn scores_are_read_as_people_write_them() {
        let read = |source: &str, value: &str, scale: &str| {
            Score::from_written(source, value, scale, "scores[0]")
        };
        let rt = read("Rotten Tomatoes", "94%", "").unwrap();
        assert_eq!((rt.source.as_str(), rt.value), ("rotten-tomatoes", 94.0));
        assert_eq!(read("IMDB", "8.0/10", "").unwrap().source, "imdb");
        assert_eq!(read(" imdb ", "8.0/10", "").unwrap().value, 8.0);
        assert_eq!(read("letterboxd", "4/5", "").unwrap().value, 4.0);
        assert_eq!(read("MetaCritic", "93", "").unwrap().source, "metacritic");
        // Another source takes its scale from the slash.
        let douban = read("Douban", "8.5/10", "").unwrap();
        assert_eq!(
            (douban.source.as_str(), douban.scale),
            ("Douban", Some(10.0))
        );
        assert_eq!(douban.normalised(), 85.0);
        assert_eq!(read("Douban", "85%", "").unwrap().scale, Some(100.0));
        // What does not fit says why, at the value.
        let e = read("IMDb", "4/5", "").unwrap_err();
        assert_eq!(e.field, "scores[0].value");
        assert_eq!(
            e.message,
            "'4' is a score out of 5, but IMDb scores are out of 10"
        );
        assert!(read("imdb", "80%", "").is_err());
        assert!(read("Douban", "8/10", "5").is_err());
        assert_eq!(
            read("imdb", "lots", "").unwrap_err().message,
            "'lots' is not a number"
        );
        assert!(read("imdb", "", "")
            .unwrap_err()
            .message
            .starts_with("is missing"));
        // What the editor shows reads back the same.
        for s in [
            rt,
            douban,
            read("imdb", "8", "").unwrap(),
            read("letterboxd", "4.25", "").unwrap(),
        ] {
            let again = read(&s.source, &s.written(), "").unwrap();
            assert_eq!(again.value, s.value, "{}", s.written());
        }
        assert_eq!(read("imdb", "8", "").unwrap().written(), "8.0/10");
    }

    #[test]
    fn display_follows_the_source() {
        assert_eq!(score("metacritic", 93.0).display(), "93");
        assert_eq!(score("rotten-tomatoes", 91.0).display(), "91%");
        assert_eq!(score("imdb", 8.0).display(), "8.0/10");
    }
}
