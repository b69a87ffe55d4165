//! Words what the stored data refused (a slug taken, an unknown author) for
//! the person who asked: the store says only which field, which value and
//! why ([`Refusal`]); the sentences a form or the API shows live here and
//! in the operations that call [`worded`].

use bestpick_core::FieldError;
use bestpick_store::{Refusal, StoreError};

/// `e` worded by `words` (given the field, the value and the refusal; `None`
/// keeps plain words): a taken value becomes a `Conflict`, anything else
/// refused `Invalid`. Other errors pass through unchanged.
pub fn worded(
    e: StoreError,
    words: impl FnOnce(&str, &str, Refusal) -> Option<String>,
) -> StoreError {
    let StoreError::Refused {
        field,
        value,
        refusal,
    } = e
    else {
        return e;
    };
    let message = words(&field, &value, refusal).unwrap_or_else(|| match refusal {
        Refusal::Taken => format!("'{value}' is already taken"),
        Refusal::Unknown => format!("there is no '{value}'"),
        Refusal::Others => format!("'{value}' belongs to another writer's post"),
        Refusal::NoPosts => format!("'{value}' holds no posts"),
    });
    let error = FieldError::new(field, message);
    match refusal {
        Refusal::Taken => StoreError::Conflict(error),
        Refusal::Unknown | Refusal::Others | Refusal::NoPosts => StoreError::Invalid(error.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_taken_value_is_a_conflict_and_an_unknown_one_invalid() {
        let taken = StoreError::Refused {
            field: "slug".into(),
            value: "heat".into(),
            refusal: Refusal::Taken,
        };
        let worded = worded(taken, |_, v, _| Some(format!("'{v}' is in use")));
        assert!(
            matches!(&worded, StoreError::Conflict(f) if f.field == "slug" && f.message == "'heat' is in use")
        );
        let unknown = StoreError::Refused {
            field: "section".into(),
            value: "nope".into(),
            refusal: Refusal::Unknown,
        };
        let worded = super::worded(unknown, |_, _, _| None);
        let fields = worded.field_errors().unwrap();
        assert_eq!(fields.0[0].message, "there is no 'nope'");
        assert!(matches!(worded, StoreError::Invalid(_)));
    }
}
