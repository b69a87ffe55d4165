//! The works list's address: its filters, its order and where its page
//! starts, read from a query string and checked, every wrong value named.

use crate::search::{genre_field, kind_field, score_field, short};
use bestpick_core::work::YEARS;
use bestpick_core::FieldErrors;
use bestpick_store::{WorkFilter, WorkOrder, WorksAt};
use serde::{Deserialize, Serialize};

/// The query string as given: all text, so that a wrong value is told
/// about rather than refused by the parser.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Params {
    pub kind: String,
    pub genre: String,
    /// A decade's first year: 1990 (or "1990s").
    pub decade: String,
    pub min_score: String,
    /// score, year or name.
    pub sort: String,
    pub after: String,
    pub before: String,
}

/// What the address asks for.
#[derive(Debug, Clone)]
pub struct Asked {
    pub filter: WorkFilter,
    pub order: WorkOrder,
    pub at: WorksAt,
}

/// Reads the parameters; every value that is wrong is named, with why.
pub fn read(params: &Params) -> Result<Asked, FieldErrors> {
    let mut errors = FieldErrors::default();
    let kind = kind_field(&mut errors, &params.kind);
    let genre = genre_field(&mut errors, &params.genre);
    let min_score = score_field(&mut errors, &params.min_score);
    let decade = match params.decade.trim().trim_end_matches('s') {
        "" => None,
        d => match d.parse::<i32>() {
            Ok(y) if y % 10 == 0 && YEARS.contains(&y) => Some(y),
            _ => {
                errors.push(
                    "decade",
                    format!(
                        "'{}' is not a decade such as 1990 (from {} to {})",
                        short(&params.decade),
                        YEARS.start(),
                        YEARS.end() / 10 * 10
                    ),
                );
                None
            }
        },
    };
    let order = match params.sort.trim() {
        "" => WorkOrder::default(),
        s => WorkOrder::parse(s).unwrap_or_else(|| {
            errors.push(
                "sort",
                format!("'{}' is not one of score, year and name", short(s)),
            );
            WorkOrder::default()
        }),
    };
    let mut cursor = |field: &str, s: &str| match s.trim() {
        "" => None,
        id => match id.parse::<i64>() {
            Ok(id) if id > 0 => Some(id),
            _ => {
                errors.push(field, format!("'{}' is not a work's number", short(id)));
                None
            }
        },
    };
    let at = match (
        cursor("after", &params.after),
        cursor("before", &params.before),
    ) {
        (None, None) => WorksAt::First,
        (Some(id), None) => WorksAt::After(id),
        (None, Some(id)) => WorksAt::Before(id),
        (Some(_), Some(_)) => {
            errors.push("before", "give after or before, not both");
            WorksAt::First
        }
    };
    errors.into_result(Asked {
        filter: WorkFilter {
            kind,
            genre,
            decade,
            min_score,
        },
        order,
        at,
    })
}

/// The decades the list offers, oldest first: from the 1910s to this one.
pub fn decades(this_year: i32) -> Vec<i32> {
    (1910..=this_year / 10 * 10).step_by(10).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Params {
        serde_json::from_value(serde_json::Value::Object(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), serde_json::Value::String(v.to_string())))
                .collect(),
        ))
        .unwrap()
    }

    #[test]
    fn good_addresses_are_read() {
        let asked = read(&params(&[
            ("kind", "tv"),
            ("decade", "1990s"),
            ("sort", "name"),
            ("after", "12"),
        ]))
        .unwrap();
        assert_eq!(asked.filter.decade, Some(1990));
        assert_eq!(asked.order, WorkOrder::Name);
        assert_eq!(asked.at, WorksAt::After(12));
    }

    #[test]
    fn wrong_values_are_named() {
        let errors = read(&params(&[
            ("kind", "opera"),
            ("decade", "1995"),
            ("sort", "random"),
            ("min_score", "120"),
            ("after", "x"),
        ]))
        .unwrap_err();
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["kind", "min_score", "decade", "sort", "after"]);
    }
}
