//! Users, their roles and what each role may do.

use crate::error::FieldError;
use crate::post::PostStatus;

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

    pub fn can_delete_posts(self) -> bool {
        self >= Role::Editor
    }

    /// Delete uploaded images from the library (anyone may upload).
    pub fn can_delete_media(self) -> bool {
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

    /// See and export the newsletter's subscribers (readers' addresses)
    /// and how mail is going.
    pub fn can_see_subscribers(self) -> bool {
        self == Role::Admin
    }

    /// See who follows the site from the fediverse, remove or block them,
    /// block servers, make new keys.
    pub fn can_manage_federation(self) -> bool {
        self == Role::Admin
    }

    /// Edit a post, `own` when the user is one of its authors. This is also
    /// who may see it on the site before it is published.
    pub fn may_edit_post(self, own: bool) -> bool {
        own || self.can_edit_any_post()
    }

    /// Change the stored facts of a work (awards, poster, cast...) that a
    /// post being saved names; `used_by_others` when a post that is not the
    /// user's own shows it. Otherwise the post links to the work unchanged.
    pub fn may_change_work(self, used_by_others: bool) -> bool {
        !used_by_others || self.can_edit_any_post()
    }

    /// Link a post to a stored work: a public one (a published post shows
    /// it), one no one else's post uses, or any for editors. A work only
    /// another writer's draft uses is as unseen as the draft.
    pub fn may_link_work(self, public: bool, used_by_others: bool) -> bool {
        public || self.may_change_work(used_by_others)
    }

    /// Why this role may not save a post as asked, if it may not.
    /// `stored` is the post as it is now (`own`, its status), `None` for a
    /// new one; `credits_self` whether the post names the user as an author.
    pub fn check_post_save(
        self,
        status: PostStatus,
        stored: Option<(bool, PostStatus)>,
        credits_self: bool,
    ) -> Result<(), FieldError> {
        if self.can_edit_any_post() {
            return Ok(());
        }
        if status == PostStatus::Published {
            return Err(FieldError::new(
                "status",
                "authors can submit a post for review; an editor publishes it",
            ));
        }
        match stored {
            // Said as a taken address: whose post it is, and whether it
            // is a draft, is none of this author's business.
            Some((false, _)) => Err(FieldError::new(
                "slug",
                "is already the address of another post: choose another slug (authors edit only their own posts)",
            )),
            Some((true, PostStatus::Published)) => Err(FieldError::new(
                "status",
                "this post is published: an editor changes or unpublishes it",
            )),
            _ if !credits_self => Err(FieldError::new(
                "authors",
                "must include you: an author cannot hand a post to others (an editor can)",
            )),
            _ => Ok(()),
        }
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
    // The site's own fediverse account is @site@HOST.
    if s == "site" {
        return Err(FieldError::new(
            "username",
            "'site' is the site's own name on the fediverse; choose another",
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
    fn who_may_edit_see_and_save() {
        assert!(Role::Author.may_edit_post(true));
        assert!(!Role::Author.may_edit_post(false));
        assert!(Role::Editor.may_edit_post(false));
        assert!(Role::Author.may_change_work(false));
        assert!(!Role::Author.may_change_work(true));
        assert!(Role::Editor.may_change_work(true));
        assert!(Role::Author.may_link_work(true, true));
        assert!(!Role::Author.may_link_work(false, true));
        let draft = PostStatus::Draft;
        assert!(Role::Author.check_post_save(draft, None, true).is_ok());
        let e = Role::Author
            .check_post_save(draft, None, false)
            .unwrap_err();
        assert_eq!(e.field, "authors");
        let e = Role::Author
            .check_post_save(draft, Some((false, draft)), true)
            .unwrap_err();
        assert_eq!(e.field, "slug");
        let e = Role::Author
            .check_post_save(PostStatus::Published, None, true)
            .unwrap_err();
        assert_eq!(e.field, "status");
        assert!(Role::Editor
            .check_post_save(PostStatus::Published, Some((false, draft)), false)
            .is_ok());
    }

    #[test]
    fn usernames() {
        assert!(parse_username("mia_dolan").is_ok());
        for bad in ["M", "Mia", "1mia", "mia dolan", &"a".repeat(33)] {
            assert!(parse_username(bad).is_err(), "{bad}");
        }
    }
}
