//! Users, logins and API tokens.

use crate::secrets;
use crate::Site;
use bestpick_core::user::{self, Role};
use bestpick_core::FieldErrors;
use bestpick_store::{StoreError, User};

/// Why an account operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("{0}")]
    Invalid(FieldErrors),
    #[error(transparent)]
    Store(StoreError),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<StoreError> for AccountError {
    fn from(e: StoreError) -> Self {
        match e.field_errors() {
            Some(f) => AccountError::Invalid(f),
            None => AccountError::Store(e),
        }
    }
}

/// Adds a user after checking the name and password.
pub async fn add_user(
    site: &Site,
    username: &str,
    display_name: &str,
    role: Role,
    password: &str,
) -> Result<User, AccountError> {
    let mut errors = FieldErrors::default();
    let username = errors.check(user::parse_username(username.trim()));
    errors.check(user::check_password(password));
    let display_name = match display_name.trim() {
        "" => username.clone().unwrap_or_default(),
        name => name.to_owned(),
    };
    let Some(username) = username.filter(|_| errors.is_empty()) else {
        return Err(AccountError::Invalid(errors));
    };
    let hash = secrets::hash_password(password)?;
    Ok(site
        .store
        .create_user(&username, &display_name, role, &hash)
        .await?)
}

pub async fn set_password(site: &Site, username: &str, password: &str) -> Result<(), AccountError> {
    user::check_password(password).map_err(|e| AccountError::Invalid(e.into()))?;
    let user = existing_user(site, "username", username).await?;
    let hash = secrets::hash_password(password)?;
    site.store.set_password(user.id, &hash).await?;
    Ok(())
}

/// The user with these credentials. A missing user costs the same hashing
/// time as a wrong password, so timing does not tell which names exist.
pub async fn check_login(
    site: &Site,
    username: &str,
    password: &str,
) -> Result<Option<User>, StoreError> {
    let user = site.store.user_by_username(username.trim()).await?;
    let password = password.to_owned();
    let hash = user.as_ref().map(|u| u.password_hash.clone());
    let ok = tokio::task::spawn_blocking(move || match hash {
        Some(h) => secrets::verify_password(&h, &password),
        None => {
            secrets::verify_password(&DUMMY_HASH, &password);
            false
        }
    })
    .await
    .unwrap_or(false);
    Ok(user.filter(|_| ok))
}

/// A real hash of a random password, verified against when the user is unknown.
static DUMMY_HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    secrets::hash_password(&secrets::random_password()).unwrap_or_default()
});

/// A new API token for a user; the token itself is shown once and only its hash kept.
pub async fn create_token(site: &Site, name: &str, username: &str) -> Result<String, AccountError> {
    let user = existing_user(site, "user", username).await?;
    if name.trim().is_empty() {
        return Err(AccountError::Invalid(
            bestpick_core::FieldError::new("name", "must not be empty").into(),
        ));
    }
    let token = format!("bp_{}", secrets::random_token());
    site.store
        .create_api_token(name.trim(), &secrets::token_hash(&token), user.id)
        .await?;
    Ok(token)
}

/// The user with this name, or an error on `field` saying there is none.
async fn existing_user(site: &Site, field: &str, username: &str) -> Result<User, AccountError> {
    site.store.user_by_username(username).await?.ok_or_else(|| {
        AccountError::Invalid(
            bestpick_core::FieldError::new(field, format!("there is no user '{username}'")).into(),
        )
    })
}
