//! Storage errors: what the caller can show a person, and what it can only log.
//!
//! The store words nothing for people: a write the stored data refuses is
//! a [`StoreError::Refused`] naming the field, the value and the
//! [`Refusal`]; `app` turns it into the message a form or the API shows
//! (the `Invalid` and `Conflict` variants, which only `app` makes).

use bestpick_core::{FieldError, FieldErrors};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The stored data refuses the write: `value`, given for `field`, is
    /// taken or unknown.
    #[error("{field}: '{value}' {refusal}")]
    Refused {
        field: String,
        value: String,
        refusal: Refusal,
    },
    /// The input broke a rule, worded by `app` for the field it names.
    #[error("{0}")]
    Invalid(FieldErrors),
    /// The input clashes with what is stored (a slug in use), worded by `app`.
    #[error("{0}")]
    Conflict(FieldError),
    #[error("not found: {0}")]
    NotFound(String),
    /// The database cannot be reached (it is down, restarting, or every
    /// connection is busy for longer than a request may wait): try again.
    #[error("the database cannot be reached")]
    Unavailable(#[source] sqlx::Error),
    #[error("database error")]
    Database(#[source] sqlx::Error),
    #[error("could not bring the database schema up to date")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        if unreachable(&e) {
            StoreError::Unavailable(e)
        } else {
            StoreError::Database(e)
        }
    }
}

/// Whether an error says the database could not be reached, rather than
/// that a statement failed.
fn unreachable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        // PostgreSQL: a connection exception (08...), or the server
        // shutting down or starting (57P01-57P03).
        sqlx::Error::Database(db) => db.code().is_some_and(|code| {
            code.starts_with("08") || matches!(&*code, "57P01" | "57P02" | "57P03")
        }),
        _ => false,
    }
}

impl StoreError {
    /// Whether `e`, or an error it was caused by, is [`StoreError::Unavailable`].
    pub fn is_unavailable(e: &(dyn std::error::Error + 'static)) -> bool {
        let mut cause = Some(e);
        while let Some(e) = cause {
            if matches!(
                e.downcast_ref::<StoreError>(),
                Some(StoreError::Unavailable(_))
            ) || e.downcast_ref::<sqlx::Error>().is_some_and(unreachable)
            {
                return true;
            }
            cause = e.source();
        }
        false
    }

    pub(crate) fn refused(
        field: impl Into<String>,
        value: impl Into<String>,
        refusal: Refusal,
    ) -> Self {
        StoreError::Refused {
            field: field.into(),
            value: value.into(),
            refusal,
        }
    }

    /// The field errors behind an `Invalid` or `Conflict`, for forms and the API.
    pub fn field_errors(&self) -> Option<FieldErrors> {
        match self {
            StoreError::Invalid(e) => Some(e.clone()),
            StoreError::Conflict(e) => Some(e.clone().into()),
            _ => None,
        }
    }
}

/// Why the stored data refuses a write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// Another row already holds the value (a slug, a name).
    #[error("is taken")]
    Taken,
    /// Nothing usable is stored under the value (an author, a section, a
    /// section that is retired).
    #[error("is not known")]
    Unknown,
    /// The value names a work another writer's unpublished post shows,
    /// which this role may not link (`Role::may_link_work`).
    #[error("is another writer's")]
    Others,
    /// The value names a section whose page is a feature (Quotes,
    /// Guess!), which holds no posts.
    #[error("holds no posts")]
    NoPosts,
}

/// Turns a UNIQUE constraint violation into [`Refusal::Taken`] for
/// `field`, so a race between two writers still gives the person a
/// message, not a 500.
pub(crate) trait OnConflict<T> {
    fn on_unique(self, field: &str, value: &str) -> Result<T, StoreError>;
}

impl<T> OnConflict<T> for Result<T, sqlx::Error> {
    fn on_unique(self, field: &str, value: &str) -> Result<T, StoreError> {
        self.map_err(|e| match &e {
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                StoreError::refused(field, value, Refusal::Taken)
            }
            _ => e.into(),
        })
    }
}
