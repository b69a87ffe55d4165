//! Who is asking: login sessions, CSRF tokens and the login rate limit.
//!
//! A session is a random token in an HttpOnly, SameSite=Lax cookie (Secure
//! when the request came over https); the database keeps only its hash and
//! the session's CSRF token. Forms shown to a logged-in user carry that
//! token; the login and setup forms, shown before there is a session, use a
//! double-submit cookie instead. [`CsrfForm`] checks both kinds in one place.

use crate::error::AppError;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use bestpick_app::secrets;
use bestpick_store::User;
use lru::LruCache;
use serde::de::DeserializeOwned;
use std::collections::VecDeque;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const SESSION_COOKIE: &str = "bp_session";
pub const CSRF_COOKIE: &str = "bp_csrf";
const SESSION_DAYS: i64 = 14;

/// The logged-in user of an `/admin` request. Extracting it from a request
/// without a live session redirects to the login page.
#[derive(Clone, Debug)]
pub struct CurrentUser {
    pub user: User,
    pub csrf: String,
    token_hash: String,
}

impl CurrentUser {
    pub fn require(&self, allowed: bool, what: &str) -> Result<(), AppError> {
        if allowed {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!(
                "Your role ({}) does not allow you to {what}.",
                self.user.role.as_str()
            )))
        }
    }
}

/// The session named by the request's cookie, if it is live.
pub async fn current_user(
    state: &AppState,
    jar: &CookieJar,
) -> Result<Option<CurrentUser>, AppError> {
    let Some(token) = jar.get(SESSION_COOKIE) else {
        return Ok(None);
    };
    let token_hash = secrets::token_hash(token.value());
    let Some(session) = state.site.store.session(&token_hash).await? else {
        return Ok(None);
    };
    let user = state.site.store.user(session.user_id).await?;
    Ok(user.map(|user| CurrentUser {
        user,
        csrf: session.csrf_token,
        token_hash,
    }))
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let jar = CookieJar::from_headers(&parts.headers);
        match current_user(state, &jar).await {
            Ok(Some(user)) => {
                // Kept for `CsrfForm`, so one request looks the session up once.
                parts.extensions.insert(user.clone());
                Ok(user)
            }
            Ok(None) => {
                let next = parts.uri.path();
                Err(Redirect::to(&format!("/admin/login?next={}", urlencode(next))).into_response())
            }
            Err(e) => Err(e.into_response()),
        }
    }
}

/// Starts a session for `user` and returns the cookie jar that carries it.
pub async fn log_in(
    state: &AppState,
    jar: CookieJar,
    headers: &HeaderMap,
    user: &User,
) -> Result<CookieJar, AppError> {
    let token = secrets::random_token();
    let expires = state.site.now() + SESSION_DAYS * 86_400;
    state
        .site
        .store
        .create_session(
            &secrets::token_hash(&token),
            user.id,
            &secrets::random_token(),
            expires,
        )
        .await?;
    let cookie = Cookie::build((SESSION_COOKIE, token))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(is_https(headers))
        .max_age(time::Duration::days(SESSION_DAYS));
    Ok(jar.add(cookie))
}

pub async fn log_out(
    state: &AppState,
    jar: CookieJar,
    user: &CurrentUser,
) -> Result<CookieJar, AppError> {
    state.site.store.delete_session(&user.token_hash).await?;
    Ok(jar.remove(Cookie::build(SESSION_COOKIE).path("/")))
}

/// The double-submit CSRF token for forms shown before login: the cookie's
/// value, or a new one set on the returned jar.
pub fn anonymous_csrf(jar: CookieJar, headers: &HeaderMap) -> (CookieJar, String) {
    if let Some(c) = jar.get(CSRF_COOKIE) {
        let value = c.value().to_owned();
        return (jar, value);
    }
    let token = secrets::random_token();
    let cookie = Cookie::build((CSRF_COOKIE, token.clone()))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(is_https(headers));
    (jar.add(cookie), token)
}

/// Behind a TLS-terminating proxy the request itself is plain http; the
/// proxy says what the browser used.
pub fn is_https(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https"))
}

/// A URL-encoded form whose `csrf` field matched the session's token (or,
/// with no session, the CSRF cookie). Fields may repeat (`cast_name=…&cast_name=…`).
pub struct CsrfForm<T>(pub T);

/// A form read in full, with its CSRF check's result left to the handler:
/// the comment form, whose page is the same for every reader, asks a
/// reader whose browser did not fill its token in to confirm once more.
pub struct CheckedForm<T> {
    pub fields: T,
    pub csrf: Result<(), AppError>,
}

#[derive(serde::Deserialize)]
struct CsrfField {
    csrf: Option<String>,
}

impl<T: DeserializeOwned> FromRequest<AppState> for CheckedForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let expected = match req.extensions().get::<CurrentUser>() {
            Some(user) => Some(user.csrf.clone()),
            None => expected_csrf(state, &CookieJar::from_headers(req.headers()))
                .await
                .map_err(IntoResponse::into_response)?,
        };
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let sent = serde_html_form::from_bytes::<CsrfField>(&bytes)
            .ok()
            .and_then(|f| f.csrf);
        let fields = serde_html_form::from_bytes(&bytes).map_err(|e| {
            AppError::BadRequest(format!("The form could not be read: {e}.")).into_response()
        })?;
        Ok(CheckedForm {
            fields,
            csrf: check_csrf(expected.as_deref(), sent.as_deref()),
        })
    }
}

impl<T: DeserializeOwned> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let form = CheckedForm::<T>::from_request(req, state).await?;
        form.csrf.map_err(IntoResponse::into_response)?;
        Ok(CsrfForm(form.fields))
    }
}

/// The token a form must carry for this request's cookies.
pub async fn expected_csrf(state: &AppState, jar: &CookieJar) -> Result<Option<String>, AppError> {
    Ok(match current_user(state, jar).await? {
        Some(user) => Some(user.csrf),
        None => jar.get(CSRF_COOKIE).map(|c| c.value().to_owned()),
    })
}

/// The one CSRF rule: a token was expected, one was sent, and they are equal.
pub fn check_csrf(expected: Option<&str>, sent: Option<&str>) -> Result<(), AppError> {
    match (expected, sent) {
        (Some(e), Some(s)) if !e.is_empty() && secrets::constant_time_eq(e, s) => Ok(()),
        _ => Err(AppError::Forbidden(
            "This form is missing its security token or it has expired (CSRF check failed). \
             Go back, reload the page and send it again."
                .into(),
        )),
    }
}

/// Login attempts, counted per account from one address, per account from
/// anywhere, and per address. None locks anyone out (which would let
/// anyone lock a user out, OWASP's warning): past a number of free
/// attempts, each further one must wait a delay that doubles with each
/// attempt, and the right password works once it has passed. An attempt
/// counts from the moment it is let in (so a burst in parallel counts in
/// full), and a successful login forgets its account's attempts.
///
/// - one address on one account: 5 free, then up to 15 minutes apart;
/// - one account from all addresses: 50 free, then up to a minute apart,
///   except from an address the account logged in from before (so a
///   guesser spread over many addresses cannot keep its owner out);
/// - one address on all accounts: 20 free, then up to a minute apart.
///
/// Both maps are bounded; past the bound the keys touched least recently
/// go first, so a flood of made-up names does not reset the others.
pub struct LoginLimiter {
    state: Mutex<Attempts>,
}

struct Attempts {
    times: LruCache<String, VecDeque<Instant>>,
    /// The account-and-address keys that logged in.
    known: LruCache<String, ()>,
}

impl Default for LoginLimiter {
    fn default() -> Self {
        let bound = std::num::NonZeroUsize::new(Self::MAX_KEYS).expect("not zero");
        LoginLimiter {
            state: Mutex::new(Attempts {
                times: LruCache::new(bound),
                known: LruCache::new(bound),
            }),
        }
    }
}

/// What a key allows: free attempts in the window, the longest delay.
struct Rule {
    key: String,
    free: usize,
    max_delay: Duration,
}

impl LoginLimiter {
    pub const WINDOW: Duration = Duration::from_secs(15 * 60);
    /// Keys kept at most.
    const MAX_KEYS: usize = 50_000;

    /// The account from this address, the account, the address.
    fn rules(ip: IpAddr, username: &str) -> [Rule; 3] {
        let account = username.trim().to_lowercase();
        let ip = network(ip);
        [
            Rule {
                key: format!("pair|{account}|{ip}"),
                free: 5,
                max_delay: Duration::from_secs(15 * 60),
            },
            Rule {
                key: format!("user|{account}"),
                free: 50,
                max_delay: Duration::from_secs(60),
            },
            Rule {
                key: format!("ip|{ip}"),
                free: 20,
                max_delay: Duration::from_secs(60),
            },
        ]
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Attempts> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Lets an attempt in and counts it, or says how many seconds to wait.
    pub fn attempt(&self, ip: IpAddr, username: &str) -> Result<(), u64> {
        let mut state = self.lock();
        let now = Instant::now();
        let [pair, user, address] = Self::rules(ip, username);
        // An address the account logged in from is not slowed by guesses
        // at the account from elsewhere.
        let known = state.known.contains(&pair.key);
        let rules: Vec<Rule> = if known {
            vec![pair, address]
        } else {
            vec![pair, user, address]
        };
        let mut wait = Duration::ZERO;
        for rule in &rules {
            let Some(times) = state.times.get_mut(&rule.key) else {
                continue;
            };
            while times
                .front()
                .is_some_and(|t| now.duration_since(*t) > Self::WINDOW)
            {
                times.pop_front();
            }
            if times.len() < rule.free {
                continue;
            }
            let doublings = (times.len() - rule.free).min(20) as u32;
            let delay = Duration::from_secs(1 << doublings).min(rule.max_delay);
            let last = times.back().copied().unwrap_or(now);
            wait = wait.max(delay.saturating_sub(now.duration_since(last)));
        }
        if !wait.is_zero() {
            return Err(wait.as_secs_f64().ceil() as u64);
        }
        for rule in rules {
            state
                .times
                .get_or_insert_mut(rule.key, VecDeque::new)
                .push_back(now);
        }
        Ok(())
    }

    /// The attempt let in was right: its account's attempts are forgotten
    /// (not its address's), and the address is known to the account.
    pub fn succeeded(&self, ip: IpAddr, username: &str) {
        let mut state = self.lock();
        let [pair, user, _] = Self::rules(ip, username);
        state.times.pop(&pair.key);
        state.times.pop(&user.key);
        state.known.put(pair.key, ());
    }
}

/// An IPv4 address, or the /64 of an IPv6 one: one machine usually has a
/// whole /64 to pick addresses from.
fn network(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => {
            let s = v6.segments();
            IpAddr::from([s[0], s[1], s[2], s[3], 0, 0, 0, 0])
        }
        v4 => v4,
    }
}

pub fn urlencode(s: &str) -> String {
    serde_html_form::to_string([("", s)])
        .map(|s| s.trim_start_matches('=').to_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attempts_slow_down_and_lock_nobody_out() {
        let l = LoginLimiter::default();
        let ip = |n: u8| IpAddr::from([203, 0, 113, n]);
        // One address on one account: five free tries, then a second apart,
        for _ in 0..5 {
            assert!(l.attempt(ip(1), "Admin").is_ok());
        }
        assert_eq!(l.attempt(ip(1), "admin"), Err(1));
        // while the account's owner elsewhere is not slowed at all.
        assert!(l.attempt(ip(2), "admin").is_ok());
        l.succeeded(ip(2), "admin");
        // Spread over many addresses, guesses slow the account after 50,
        for n in 10..60 {
            assert!(l.attempt(ip(n), "admin").is_ok());
        }
        assert!(l.attempt(ip(99), "admin").is_err());
        // but not from an address its owner logged in from before.
        assert!(l.attempt(ip(2), "admin").is_ok());
        // Twenty tries from one address slow it for every account.
        for n in 0..20 {
            let _ = l.attempt(ip(3), &format!("user{n}"));
        }
        assert!(l.attempt(ip(3), "editor").is_err());
        // IPv6 addresses count per /64.
        let a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2::ffff".parse().unwrap();
        for _ in 0..5 {
            assert!(l.attempt(a, "editor").is_ok());
        }
        assert!(l.attempt(b, "editor").is_err());
    }

    #[test]
    fn csrf_needs_an_equal_token() {
        assert!(check_csrf(Some("abc"), Some("abc")).is_ok());
        assert!(check_csrf(Some("abc"), Some("abd")).is_err());
        assert!(check_csrf(Some("abc"), None).is_err());
        assert!(check_csrf(None, Some("abc")).is_err());
        assert!(check_csrf(Some(""), Some("")).is_err());
    }
}
