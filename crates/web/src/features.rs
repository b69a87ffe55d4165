//! The sections whose page is a feature rather than a list of posts:
//! Quotes (every line of every work, by work and by speaker, a permalink
//! per line) and Guess! (the line game). An editor adds, renames, hides or
//! retires them like any other section; their addresses follow its slug.

use crate::auth;
use crate::error::AppError;
use crate::head::Head;
use crate::page_cache;
use crate::public::{render_page_with, SiteContext};
use crate::state::AppState;
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, Key, PrivateCookieJar, SameSite};
use bestpick_app::guess::{self, Guess, Player};
use bestpick_app::secrets;
use bestpick_store::{Feature, FilmScope, Section, Topic};
use minijinja::context;
use serde::Deserialize;
use sha2::{Digest, Sha512};

/// Works on a page of the Quotes section, and lines shown under each.
const QUOTED_WORKS_PER_PAGE: i64 = 20;
const LINES_SHOWN: usize = 3;
/// The Guess! player's cookie: encrypted, so that the round's lines (and
/// so its answers) are not in it for a curious player to read.
const GUESS_COOKIE: &str = "guess";
const GUESS_COOKIE_DAYS: i64 = 365;

/// What a Quotes or Guess! page shows: the words and works of posts.
fn topics() -> Vec<Topic> {
    vec![Topic::Lists, Topic::Films]
}

/// `GET /{section}` of a feature section.
pub async fn page(
    state: &AppState,
    section: Section,
    feature: Feature,
    after: Option<&str>,
    headers: &HeaderMap,
) -> Result<Response, AppError> {
    match feature {
        Feature::Quotes => quotes(state, section, after).await,
        Feature::Guess => guess_page(state, section, headers).await,
    }
}

/// `GET /{section}/{slug}` of a feature section: a line (by its number)
/// or a work's lines (by the work's address), in Quotes.
pub async fn item(
    state: &AppState,
    section: Section,
    feature: Feature,
    slug: &str,
) -> Result<Response, AppError> {
    if feature != Feature::Quotes {
        return Err(AppError::NotFound);
    }
    let store = &state.site.store;
    if let Ok(id) = slug.parse::<i64>() {
        let quote = store.quote(id).await?.ok_or(AppError::NotFound)?;
        let guess = store.feature_section(Feature::Guess).await?;
        let head = |site: &SiteContext| {
            let title = format!("{} in {}", quote.speaker, quote.work.name);
            let path = format!("/{}/{}", section.slug, quote.id);
            Head::page(
                site,
                &title,
                &format!("{} ({}): “{}”", title, quote.work.year, quote.text),
                &path,
                &[
                    (section.name.as_str(), format!("/{}", section.slug)),
                    (title.as_str(), path.clone()),
                ],
            )
        };
        let html = render_page_with(
            state,
            "quote.html",
            head,
            context! { section, quote, guess, current_section => section.slug.clone() },
        )
        .await?;
        return Ok(page_cache::shared(
            Html(html).into_response(),
            topics(),
            None,
        ));
    }
    let work = store
        .work_by_slug(slug, FilmScope::Public)
        .await?
        .ok_or(AppError::NotFound)?;
    let quotes = store.work_quotes(work.id).await?;
    if quotes.is_empty() {
        return Err(AppError::NotFound);
    }
    // By speaker, in the order the lines were read (speakers A to Z).
    let mut speakers: Vec<(String, Vec<bestpick_store::Quote>)> = Vec::new();
    for q in quotes {
        match speakers.last_mut() {
            Some((name, lines)) if *name == q.speaker => lines.push(q),
            _ => speakers.push((q.speaker.clone(), vec![q])),
        }
    }
    let head = |site: &SiteContext| {
        let title = format!("Lines from {}", work.name);
        let path = format!("/{}/{}", section.slug, work.slug);
        Head::page(
            site,
            &title,
            &format!("{title} ({}) on {}.", work.years_label, site.name),
            &path,
            &[
                (section.name.as_str(), format!("/{}", section.slug)),
                (title.as_str(), path.clone()),
            ],
        )
    };
    let html = render_page_with(
        state,
        "quotes.html",
        head,
        context! { section, work, speakers, current_section => section.slug.clone() },
    )
    .await?;
    Ok(page_cache::shared(
        Html(html).into_response(),
        topics(),
        None,
    ))
}

/// The Quotes section's first page: the line of the moment, then every
/// work with lines, by name, a page at a time.
async fn quotes(
    state: &AppState,
    section: Section,
    after: Option<&str>,
) -> Result<Response, AppError> {
    let after =
        match after.filter(|a| !a.is_empty()) {
            Some(a) => Some(a.parse::<i64>().map_err(|_| {
                AppError::BadRequest(format!("after: '{a}' is not a work's number"))
            })?),
            None => None,
        };
    let store = &state.site.store;
    let list = store
        .quoted_works_page(after, QUOTED_WORKS_PER_PAGE, LINES_SHOWN)
        .await?;
    if after.is_some() && list.works.is_empty() {
        return Err(AppError::NotFound);
    }
    let (line, until) = match bestpick_app::quotes::line_of_the_moment(&state.site).await? {
        Some((q, until)) if after.is_none() => (Some(q), Some(until)),
        _ => (None, None),
    };
    let head = |site: &SiteContext| {
        let path = format!("/{}", section.slug);
        let about = match section.description.as_str() {
            "" => format!("Every line of every film and show on {}.", site.name),
            d => d.to_owned(),
        };
        let own = match after {
            Some(a) => format!("{path}?after={a}"),
            None => path.clone(),
        };
        Head::page(
            site,
            &section.name,
            &about,
            &own,
            &[(section.name.as_str(), path)],
        )
        .noindex(after.is_some())
    };
    let html = render_page_with(
        state,
        "quotes.html",
        head,
        context! { section, list, line, current_section => section.slug.clone() },
    )
    .await?;
    Ok(page_cache::shared(
        Html(html).into_response(),
        topics(),
        until,
    ))
}

/// The active Guess! section at this address; any other is not found.
pub async fn guess_section(state: &AppState, slug: &str) -> Result<Section, AppError> {
    state
        .site
        .store
        .section_by_slug(slug)
        .await?
        .filter(|s| s.is_active() && s.feature == Some(Feature::Guess))
        .ok_or(AppError::NotFound)
}

/// The cookie's key: derived from the site's signing key, so every
/// instance of the site reads every player's cookie.
fn cookie_key(state: &AppState) -> Key {
    let digest = Sha512::digest(format!("guess cookie {}", state.site.signing_key));
    Key::from(digest.as_slice())
}

fn player(jar: &PrivateCookieJar) -> Player {
    let mut player: Player = jar
        .get(GUESS_COOKIE)
        .and_then(|c| serde_json::from_str(c.value()).ok())
        .unwrap_or_default();
    if player.id.is_empty() {
        player.id = secrets::random_token()[..16].to_owned();
    }
    player
}

fn keep(jar: PrivateCookieJar, player: &Player, headers: &HeaderMap) -> PrivateCookieJar {
    let value = serde_json::to_string(player).unwrap_or_default();
    jar.add(
        Cookie::build((GUESS_COOKIE, value))
            .path("/")
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(auth::is_https(headers))
            .max_age(time::Duration::days(GUESS_COOKIE_DAYS)),
    )
}

/// The form's token: the player's own, so another site cannot answer
/// for them.
fn form_token(state: &AppState, player: &Player) -> String {
    secrets::sign(
        &state.site.signing_key,
        &format!("guess-form.{}", player.id),
    )
}

/// The game's page: the line being asked with its choices, the answer just
/// given, or (between rounds) the scores and a button to play.
async fn guess_page(
    state: &AppState,
    section: Section,
    headers: &HeaderMap,
) -> Result<Response, AppError> {
    let site = &state.site;
    let jar = PrivateCookieJar::from_headers(headers, cookie_key(state));
    let mut player = player(&jar);
    let (question, told, result) = match &mut player.round {
        Some(round) => (
            guess::question(site, round).await?,
            guess::told(site, round).await?,
            round.is_over().then(|| round.id.clone()),
        ),
        None => (None, None, None),
    };
    let csrf = form_token(state, &player);
    // One round of one player: followed, never listed.
    let head = |site: &SiteContext| {
        let path = format!("/{}", section.slug);
        let about = match section.description.as_str() {
            "" => "Which film or show said it? Ten lines a round.".to_owned(),
            d => d.to_owned(),
        };
        Head::page(
            site,
            &section.name,
            &about,
            &path,
            &[(section.name.as_str(), path.clone())],
        )
        .noindex(true)
    };
    let html = render_page_with(
        state,
        "guess.html",
        head,
        context! {
            section, question, told, result, csrf, current_section => section.slug.clone(),
            round => player.round.as_ref().map(|r| context! {
                score => r.score(), asked => r.answers.len(), of => r.lines.len(),
            }),
            player => context! {
                streak => player.streak, best_streak => player.best_streak,
                rounds_played => player.rounds_played, right_total => player.right_total,
                asked_total => player.asked_total,
            },
        },
    )
    .await?;
    Ok((keep(jar, &player, headers), Html(html)).into_response())
}

#[derive(Debug, Deserialize)]
pub struct GuessForm {
    #[serde(default)]
    csrf: String,
    /// `start` a round, or `answer` the line asked. (Not `action`: a
    /// field of that name would hide the form's own action from scripts.)
    #[serde(default)]
    step: String,
    #[serde(default)]
    choice: String,
    #[serde(default)]
    typed: String,
}

/// `POST /{section}` of the Guess! section: starts a round or answers,
/// then back to the game's page (a reload sends nothing twice).
pub async fn guess_post(
    state: &AppState,
    section: Section,
    headers: &HeaderMap,
    form: GuessForm,
) -> Result<Response, AppError> {
    let site = &state.site;
    let jar = PrivateCookieJar::from_headers(headers, cookie_key(state));
    let mut player = player(&jar);
    if jar.get(GUESS_COOKIE).is_none()
        || !secrets::constant_time_eq(&form_token(state, &player), &form.csrf)
    {
        return Err(AppError::Forbidden(
            "this form has expired: open the game again".into(),
        ));
    }
    match form.step.as_str() {
        "start" => player.round = guess::start(site).await?,
        "answer" => {
            let choice = match form.choice.trim() {
                "" => None,
                c => Some(c.parse::<i64>().map_err(|_| {
                    AppError::BadRequest(format!("choice: '{c}' is not a work's number"))
                })?),
            };
            let guess = Guess {
                choice,
                typed: form.typed,
            };
            guess::answer(site, &mut player, &guess).await?;
        }
        other => {
            return Err(AppError::BadRequest(format!(
                "step: '{other}' is neither start nor answer"
            )))
        }
    }
    let back = format!("/{}#play", section.slug);
    Ok((keep(jar, &player, headers), Redirect::to(&back)).into_response())
}

/// `GET /{section}/result/{round}`: a finished round's score to share, as
/// the store recorded it; it shows nothing of the lines or the answers.
pub async fn guess_result(
    state: &AppState,
    section: Section,
    round: &str,
) -> Result<Response, AppError> {
    if round.len() != 16 || !round.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AppError::NotFound);
    }
    let (score, of, best) = state
        .site
        .store
        .guess_result(round)
        .await?
        .ok_or(AppError::NotFound)?;
    let head = |site: &SiteContext| {
        let title = format!("{score} out of {of} at {}", section.name);
        let path = format!("/{}/result/{round}", section.slug);
        Head::page(
            site,
            &title,
            &format!(
                "{score} out of {of} lines matched with their film or show. Can you do better?"
            ),
            &path,
            &[
                (section.name.as_str(), format!("/{}", section.slug)),
                (title.as_str(), path.clone()),
            ],
        )
        .noindex(true)
    };
    let html = render_page_with(
        state,
        "guess_result.html",
        head,
        context! { section, score, of, best, current_section => section.slug.clone() },
    )
    .await?;
    Ok(page_cache::shared(
        Html(html).into_response(),
        vec![Topic::Site],
        None,
    ))
}
