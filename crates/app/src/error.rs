//! Why an operation on the site changed nothing.

use bestpick_store::{StoreError, User};

#[derive(Debug, thiserror::Error)]
pub enum OpError {
    /// The actor's role does not allow it; `what` says what, after "allow you to".
    #[error("Your role ({role}) does not allow you to {what}.")]
    Forbidden {
        role: &'static str,
        what: &'static str,
    },
    /// The thing acted on (a post, a section...) is not there, or not the
    /// actor's to see.
    #[error("there is no such {0}")]
    NotFound(&'static str),
    /// Bad input (`StoreError::Invalid`, `Conflict`), or the store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl OpError {
    /// `Ok` when `allowed` (a rule of `core::user` asked of the actor's role).
    pub fn unless(actor: &User, allowed: bool, what: &'static str) -> Result<(), OpError> {
        if allowed {
            Ok(())
        } else {
            Err(OpError::Forbidden {
                role: actor.role.as_str(),
                what,
            })
        }
    }

    /// The field errors to show beside a form's inputs, for bad input.
    pub fn field_errors(&self) -> Option<bestpick_core::FieldErrors> {
        match self {
            OpError::Store(e) => e.field_errors(),
            _ => None,
        }
    }
}
