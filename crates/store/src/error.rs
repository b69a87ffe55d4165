//! Storage errors: what the caller can show a person, and what it can only log.

use bestpick_core::{FieldError, FieldErrors};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The input refers to something that is not there (an unknown section or
    /// author); each error names its field.
    #[error("{0}")]
    Invalid(FieldErrors),
    /// The input clashes with what is stored (a slug already in use).
    #[error("{0}")]
    Conflict(FieldError),
    #[error("not found: {0}")]
    NotFound(String),
    #[error("database error")]
    Database(#[from] sqlx::Error),
    #[error("could not bring the database schema up to date")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl StoreError {
    pub(crate) fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        StoreError::Invalid(FieldError::new(field, message).into())
    }

    pub(crate) fn conflict(field: impl Into<String>, message: impl Into<String>) -> Self {
        StoreError::Conflict(FieldError::new(field, message))
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

/// Turns a UNIQUE constraint violation into a conflict on `field`, so a race
/// between two writers still gives the person a message, not a 500.
pub(crate) trait OnConflict<T> {
    fn on_unique(self, field: &str, message: impl FnOnce() -> String) -> Result<T, StoreError>;
}

impl<T> OnConflict<T> for Result<T, sqlx::Error> {
    fn on_unique(self, field: &str, message: impl FnOnce() -> String) -> Result<T, StoreError> {
        self.map_err(|e| match &e {
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                StoreError::conflict(field, message())
            }
            _ => StoreError::Database(e),
        })
    }
}
