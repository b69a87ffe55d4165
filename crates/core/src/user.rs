//! Users, their roles and what each role may do.

use crate::error::FieldError;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Own posts only; can submit them for review, not publish them.
    Author,
    /// All posts and sections.
    Editor,
    /// Everything, including users.
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Author => "author",
            Role::Editor => "editor",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "author" => Some(Role::Author),
            "editor" => Some(Role::Editor),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }

    pub fn can_publish(self) -> bool {
        self >= Role::Editor
    }

    pub fn can_edit_any_post(self) -> bool {
        self >= Role::Editor
    }

    /// Moderate comments on every post (authors moderate their own posts').
    pub fn can_moderate_all_comments(self) -> bool {
        self.can_edit_any_post()
    }

    pub fn can_manage_sections(self) -> bool {
        self >= Role::Editor
    }

    pub fn can_manage_users(self) -> bool {
        self == Role::Admin
    }
}

/// Checks a username: 2-32 of `a-z`, `0-9`, `-`, `_`, starting with a letter.
/// It is also the author page's address, so it stays URL-safe.
pub fn parse_username(s: &str) -> Result<String, FieldError> {
    let ok_chars = s
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if !(2..=32).contains(&s.len()) || !ok_chars || !s.starts_with(|c: char| c.is_ascii_lowercase())
    {
        return Err(FieldError::new(
            "username",
            "must be 2 to 32 characters of a-z, 0-9, - and _, starting with a letter",
        ));
    }
    Ok(s.to_owned())
}

/// Passwords shorter than this are refused: long passphrases beat rules about symbols.
pub const MIN_PASSWORD: usize = 10;

pub fn check_password(p: &str) -> Result<(), FieldError> {
    if p.chars().count() < MIN_PASSWORD {
        return Err(FieldError::new(
            "password",
            format!("must be at least {MIN_PASSWORD} characters"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_grant_in_order() {
        assert!(!Role::Author.can_publish());
        assert!(Role::Editor.can_publish());
        assert!(!Role::Editor.can_manage_users());
        assert!(Role::Admin.can_manage_users());
    }

    #[test]
    fn usernames() {
        assert!(parse_username("mia_dolan").is_ok());
        for bad in ["M", "Mia", "1mia", "mia dolan", &"a".repeat(33)] {
            assert!(parse_username(bad).is_err(), "{bad}");
        }
    }
}
