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

impl Score {
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
        KNOWN
            .iter()
            .find(|(key, _, _)| *key == self.source)
            .map(|(_, label, _)| *label)
            .unwrap_or(&self.source)
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
    fn display_follows_the_source() {
        assert_eq!(score("metacritic", 93.0).display(), "93");
        assert_eq!(score("rotten-tomatoes", 91.0).display(), "91%");
        assert_eq!(score("imdb", 8.0).display(), "8.0/10");
    }
}
