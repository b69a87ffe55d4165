//! Users, logins and API tokens.

use crate::hash_gate::Busy;
use crate::secrets;
use crate::{refusals, Site};
use bestpick_core::user::{self, Role};
use bestpick_core::FieldErrors;
use bestpick_store::{StoreError, User};

/// Why an account operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("{0}")]
    Invalid(FieldErrors),
    #[error(transparent)]
    Busy(#[from] Busy),
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

/// How long a login lasts.
pub const SESSION_DAYS: i64 = 14;

/// Starts a session for `user`; returns its token, for the cookie (only
/// its hash is stored).
pub async fn start_session(site: &Site, user: &User) -> Result<String, StoreError> {
    let token = secrets::random_token();
    let expires = site.now() + SESSION_DAYS * 86_400;
    site.store
        .create_session(
            &secrets::token_hash(&token),
            user.id,
            &secrets::random_token(),
            expires,
        )
        .await?;
    Ok(token)
}

/// Ends the session whose token has this hash.
pub async fn end_session(site: &Site, token_hash: &str) -> Result<(), StoreError> {
    site.store.delete_session(token_hash).await
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
    let hash = hash(site, password).await?;
    site.store
        .create_user(&username, &display_name, role, &hash)
        .await
        .map_err(|e| {
            refusals::worded(e, |_, value, _| Some(format!("'{value}' is already taken"))).into()
        })
}

pub async fn set_password(site: &Site, username: &str, password: &str) -> Result<(), AccountError> {
    user::check_password(password).map_err(|e| AccountError::Invalid(e.into()))?;
    let user = existing_user(site, "username", username).await?;
    let hash = hash(site, password).await?;
    site.store.set_password(user.id, &hash).await?;
    Ok(())
}

/// An Argon2 hash of a new password, computed through the site's gate.
async fn hash(site: &Site, password: &str) -> Result<String, AccountError> {
    let password = password.to_owned();
    Ok(site
        .hash_gate
        .run(move || secrets::hash_password(&password))
        .await??)
}

/// Why a login could not be checked (a wrong password is not an error).
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error(transparent)]
    Busy(#[from] Busy),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The user with these credentials. A missing user costs the same hashing
/// time as a wrong password, so timing does not tell which names exist.
pub async fn check_login(
    site: &Site,
    username: &str,
    password: &str,
) -> Result<Option<User>, LoginError> {
    let user = site.store.user_by_username(username.trim()).await?;
    let password = password.to_owned();
    let hash = user.as_ref().map(|u| u.password_hash.clone());
    let ok = site
        .hash_gate
        .run(move || match hash {
            Some(h) => secrets::verify_password(&h, &password),
            None => {
                secrets::verify_password(&DUMMY_HASH, &password);
                false
            }
        })
        .await?;
    Ok(user.filter(|_| ok))
}

/// A real hash of a random password, verified against when the user is unknown.
static DUMMY_HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    secrets::hash_password(&secrets::random_password()).unwrap_or_default()
});

/// How many characters of a token `token list` shows: `bp_` and six more.
const TOKEN_PREFIX: usize = 9;

/// A new API token for a user, working until `expires_at` (Unix seconds)
/// when given; the token itself is shown once and only its hash kept.
pub async fn create_token(
    site: &Site,
    name: &str,
    username: &str,
    expires_at: Option<i64>,
) -> Result<String, AccountError> {
    let user = existing_user(site, "user", username).await?;
    let name = name.trim();
    if name.is_empty() || name.parse::<i64>().is_ok() {
        return Err(invalid(
            "name",
            "must not be empty nor a number (numbers are token ids)",
        ));
    }
    if expires_at.is_some_and(|t| t <= site.now()) {
        return Err(invalid("expires", "must be in the future"));
    }
    let token = format!("bp_{}", secrets::random_token());
    site.store
        .create_api_token(
            name,
            &secrets::token_hash(&token),
            &token[..TOKEN_PREFIX],
            user.id,
            expires_at,
        )
        .await
        .map_err(|e| {
            refusals::worded(e, |_, value, _| {
                Some(format!("a token named '{value}' already exists"))
            })
        })?;
    Ok(token)
}

/// Reads when a token expires: a date (`2027-06-30`, the day's start in
/// UTC) or a number of days from `now` (`90d`).
pub fn parse_expiry(s: &str, now: i64) -> Result<i64, bestpick_core::FieldError> {
    let s = s.trim();
    let bad = || {
        bestpick_core::FieldError::new(
            "expires",
            format!("'{s}' is neither a date such as 2027-06-30 nor a number of days such as 90d"),
        )
    };
    if let Some(days) = s.strip_suffix('d') {
        let days: i64 = days.parse().map_err(|_| bad())?;
        if !(1..=36_500).contains(&days) {
            return Err(bestpick_core::FieldError::new(
                "expires",
                "must be from 1 to 36500 days",
            ));
        }
        return Ok(now + days * 86_400);
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date = time::Date::parse(s, format).map_err(|_| bad())?;
    Ok(date.midnight().assume_utc().unix_timestamp())
}

/// Revokes a token by name or id; returns its name.
pub async fn revoke_token(site: &Site, name_or_id: &str) -> Result<String, AccountError> {
    site.store
        .revoke_api_token(name_or_id.trim())
        .await?
        .ok_or_else(|| {
            invalid(
                "token",
                format!("there is no token '{name_or_id}' (see `bestpick token list`)"),
            )
        })
}

/// Removes a user, their sessions and tokens; their posts go to
/// `posts_to`, which must be given when they wrote any. The last admin
/// stays, so the site always has someone who can manage it.
pub async fn remove_user(
    site: &Site,
    username: &str,
    posts_to: Option<&str>,
) -> Result<(), AccountError> {
    let user = existing_user(site, "username", username).await?;
    let heir = match posts_to {
        Some(name) if name == username => {
            return Err(invalid("posts_to", "must be another user"));
        }
        Some(name) => Some(existing_user(site, "posts_to", name).await?),
        None => None,
    };
    if user.role.can_manage_users() && site.store.admins().await? <= 1 {
        return Err(invalid(
            "username",
            format!("'{username}' is the only admin: make another admin first"),
        ));
    }
    let posts = site.store.posts_by(user.id).await?;
    if posts > 0 && heir.is_none() {
        return Err(invalid(
            "posts_to",
            format!("'{username}' wrote {posts} posts: say who they go to (--posts-to USER)"),
        ));
    }
    site.store.remove_user(user.id, heir.map(|u| u.id)).await?;
    Ok(())
}

fn invalid(field: &str, message: impl Into<String>) -> AccountError {
    AccountError::Invalid(bestpick_core::FieldError::new(field, message).into())
}

/// The user with this name, or an error on `field` saying there is none.
async fn existing_user(site: &Site, field: &str, username: &str) -> Result<User, AccountError> {
    site.store.user_by_username(username).await?.ok_or_else(|| {
        AccountError::Invalid(
            bestpick_core::FieldError::new(field, format!("there is no user '{username}'")).into(),
        )
    })
}
