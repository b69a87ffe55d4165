//! The JSON API at `/api/v1`. Reading is public (published posts only);
//! writing takes a bearer token made with `bestpick token create`. Errors
//! are JSON: `{"error": {"status": 422, "message": "...", "fields": [{"field": "scores[1].value", "label": "Score 2: value", "message": "..."}]}}`.

use crate::routes::Routes;
use crate::state::AppState;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use bestpick_app::posts::{self, CoverSource, SaveError};
use bestpick_app::{films, secrets, sections, OpError};
use bestpick_core::document::PostData;
use bestpick_core::post::{PostKind, PostStatus};
use bestpick_core::work::Work;
use bestpick_core::{FieldError, FieldErrors};
use bestpick_store::{FilmScope, PostFilter, SaveMode, StoreError, User};
use serde::{Deserialize, Serialize};
use serde_json::json;

const PAGE_SIZE: i64 = 50;

pub fn router() -> Routes {
    Routes::new()
        .get("/posts", list_posts)
        .post("/posts", create_post)
        .get("/posts/{slug}", get_post)
        .put("/posts/{slug}", update_post)
        .get("/works", list_works)
        .post("/works", save_work)
        .get("/works/{slug}", get_work)
        .get("/people", list_people)
        .post("/people", create_person)
        .get("/people/{slug}", get_person)
        .put("/people/{slug}", rename_person)
        .get("/search", search)
        .get("/sections", list_sections)
        .post("/sections", create_section)
        .get("/sections/{slug}", get_section)
        .put("/sections/{slug}", update_section)
        .get("/federation", federation_status)
        .map(|router| {
            router.fallback(|| async {
                ApiError::new(StatusCode::NOT_FOUND, "there is no such API endpoint")
            })
        })
}

/// An API failure: a status, a message, and the fields at fault.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
    fields: Vec<FieldError>,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
            fields: Vec::new(),
        }
    }

    /// A failure with the fields at fault, each named in the message as the
    /// editor labels it and counted from 1: "the post is not valid: Title:
    /// is missing; Score 2: value: 'lots' is not a number".
    /// The editor's script reads the same shape (uploads, autosave).
    pub(crate) fn fields(status: StatusCode, message: &str, errors: FieldErrors) -> ApiError {
        let each = errors.labelled();
        let message = match each.is_empty() {
            true => message.to_owned(),
            false => format!("{message}: {}", each.join("; ")),
        };
        ApiError {
            status,
            message,
            fields: errors.0,
        }
    }

    fn unavailable() -> ApiError {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "the database cannot be reached; try again in a few seconds",
        )
    }

    fn not_found(what: &str) -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            format!("there is no {what} at this address"),
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let unavailable = self.status == StatusCode::SERVICE_UNAVAILABLE;
        let mut response = (
            self.status,
            Json(json!({ "error": {
                "status": self.status.as_u16(),
                "message": self.message,
                "fields": self.fields.iter().map(|f| json!({
                    "field": f.field, "label": f.label(), "message": f.message,
                })).collect::<Vec<_>>(),
            }})),
        )
            .into_response();
        if unavailable {
            response.headers_mut().insert(header::RETRY_AFTER, 5.into());
        }
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                "Bearer".parse().expect("a valid header"),
            );
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Invalid(f) => ApiError::fields(
                StatusCode::UNPROCESSABLE_ENTITY,
                "the input is not valid",
                f,
            ),
            StoreError::Conflict(f) => ApiError::fields(
                StatusCode::CONFLICT,
                "the input clashes with stored data",
                f.into(),
            ),
            StoreError::NotFound(what) => {
                ApiError::new(StatusCode::NOT_FOUND, format!("{what} was not found"))
            }
            // An operation words what it expects to be refused; plain words
            // for anything else, still as bad input.
            StoreError::Refused { .. } => bestpick_app::refusals::worded(e, |_, _, _| None).into(),
            StoreError::Unavailable(e) => {
                tracing::warn!("{:#}", anyhow::Error::new(e));
                ApiError::unavailable()
            }
            other => {
                tracing::error!("{:#}", anyhow::Error::new(other));
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "the server failed; the error was logged",
                )
            }
        }
    }
}

impl From<OpError> for ApiError {
    fn from(e: OpError) -> Self {
        match e {
            OpError::Forbidden { what, .. } => ApiError::new(
                StatusCode::FORBIDDEN,
                format!("your role does not allow you to {what}"),
            ),
            OpError::NotFound(what) => ApiError::not_found(what),
            OpError::Store(e) => e.into(),
            OpError::Other(e) => match e.downcast::<StoreError>() {
                Ok(e) => e.into(),
                Err(e) if StoreError::is_unavailable(e.as_ref()) => {
                    tracing::warn!("{e:#}");
                    ApiError::unavailable()
                }
                Err(e) => {
                    tracing::error!("{e:#}");
                    ApiError::new(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "the server failed; the error was logged",
                    )
                }
            },
        }
    }
}

impl From<SaveError> for ApiError {
    fn from(e: SaveError) -> Self {
        match e {
            SaveError::Invalid(f) => {
                ApiError::fields(StatusCode::UNPROCESSABLE_ENTITY, "the post is not valid", f)
            }
            SaveError::Conflict(f) => ApiError::fields(
                StatusCode::CONFLICT,
                "the post clashes with a stored one",
                f,
            ),
            SaveError::Forbidden(f) => ApiError::fields(
                StatusCode::FORBIDDEN,
                "your role does not allow this",
                f.into(),
            ),
            SaveError::NotFound => ApiError::not_found("post"),
            SaveError::Store(e) => e.into(),
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(e: JsonRejection) -> Self {
        let status = match &e {
            JsonRejection::JsonDataError(_) => StatusCode::UNPROCESSABLE_ENTITY,
            JsonRejection::MissingJsonContentType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            _ => StatusCode::BAD_REQUEST,
        };
        ApiError::new(status, e.body_text())
    }
}

type ApiResult<T = Response> = Result<T, ApiError>;

/// The user a request's bearer token acts for.
pub struct ApiUser(User);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Self> {
        let unauthorized = |m: &str| ApiError::new(StatusCode::UNAUTHORIZED, m);
        let header = parts.headers.get(header::AUTHORIZATION).ok_or_else(|| {
            unauthorized("this needs an API token: send 'Authorization: Bearer TOKEN'")
        })?;
        let token = header
            .to_str()
            .ok()
            .and_then(|h| h.strip_prefix("Bearer "))
            .ok_or_else(|| unauthorized("the Authorization header must be 'Bearer TOKEN'"))?;
        let store = &state.site.store;
        let api_token = store
            .api_token(&secrets::token_hash(token.trim()))
            .await?
            .ok_or_else(|| unauthorized("the API token is not valid"))?;
        let user = store
            .user(api_token.user_id)
            .await?
            .ok_or_else(|| unauthorized("the API token's user no longer exists"))?;
        Ok(ApiUser(user))
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ListQuery {
    section: Option<String>,
    tag: Option<String>,
    kind: Option<String>,
    page: Option<i64>,
}

#[derive(Serialize)]
struct Page<T> {
    items: Vec<T>,
    page: i64,
    total: i64,
}

async fn list_posts(
    State(state): State<AppState>,
    q: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult {
    let Query(q) = q.map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, e.body_text()))?;
    let store = &state.site.store;
    let page = q.page.unwrap_or(1);
    if !(1..=1_000_000).contains(&page) {
        return Err(ApiError::fields(
            StatusCode::BAD_REQUEST,
            "bad query",
            FieldError::new("page", "must be a whole number from 1 to 1000000").into(),
        ));
    }
    let section_id = match &q.section {
        Some(slug) => Some(
            store
                .section_by_slug(slug)
                .await?
                .ok_or_else(|| ApiError::not_found("section"))?
                .id,
        ),
        None => None,
    };
    let kind = match &q.kind {
        Some(k) => Some(PostKind::parse(k).ok_or_else(|| {
            ApiError::fields(
                StatusCode::BAD_REQUEST,
                "bad query",
                FieldError::new("kind", "must be pick, essay or article").into(),
            )
        })?),
        None => None,
    };
    let (items, total) = store
        .list_posts(&PostFilter {
            section_id,
            tag_slug: q.tag.clone(),
            kind,
            status: Some(PostStatus::Published),
            visible_at: Some(state.site.now()),
            limit: PAGE_SIZE,
            offset: (page - 1) * PAGE_SIZE,
            ..PostFilter::default()
        })
        .await?;
    Ok(Json(Page { items, page, total }).into_response())
}

async fn get_post(State(state): State<AppState>, Path(slug): Path<String>) -> ApiResult {
    // Reading is anonymous: only what everyone may see.
    let post = state.site.store.post_by_slug(&slug).await?;
    match post.and_then(|p| posts::visible_to(p, None)) {
        Some(p) => Ok(Json(p).into_response()),
        None => Err(ApiError::not_found("published post")),
    }
}

/// Saves a post from the content format's fields as JSON (`body` included).
async fn save_post(state: &AppState, user: &User, data: &PostData, mode: SaveMode) -> ApiResult {
    let id = posts::save(&state.site, data, CoverSource::Keep, user, mode).await?;
    let post = state
        .site
        .store
        .post(id)
        .await?
        .ok_or_else(|| ApiError::not_found("post"))?;
    let status = if mode == SaveMode::Create {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        [(
            header::LOCATION,
            format!("/api/v1/posts/{}", post.card.slug),
        )],
        Json(post),
    )
        .into_response())
}

async fn create_post(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    body: Result<Json<PostData>, JsonRejection>,
) -> ApiResult {
    let Json(data) = body?;
    no_cover(&data)?;
    save_post(&state, &user, &data, SaveMode::Create).await
}

async fn update_post(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(slug): Path<String>,
    body: Result<Json<PostData>, JsonRejection>,
) -> ApiResult {
    let Json(mut data) = body?;
    no_cover(&data)?;
    let id = state
        .site
        .store
        .post_id_by_slug(&slug)
        .await?
        .ok_or_else(|| ApiError::not_found("post"))?;
    data.slug.get_or_insert(slug);
    save_post(&state, &user, &data, SaveMode::Update(id)).await
}

/// Covers are uploaded through the editor; the API keeps the one a post has.
fn no_cover(data: &PostData) -> ApiResult<()> {
    match data.cover {
        Some(_) => Err(ApiError::fields(
            StatusCode::UNPROCESSABLE_ENTITY,
            "the post is not valid",
            FieldError::new(
                "cover",
                "covers are uploaded in the editor; leave this out to keep the current one",
            )
            .into(),
        )),
        None => Ok(()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PageQuery {
    page: Option<i64>,
}

fn offset(q: &PageQuery) -> i64 {
    (q.page.unwrap_or(1).clamp(1, 1_000_000) - 1) * PAGE_SIZE
}

/// Search, as the search page does it: `q` and the same filters, `page`
/// from 1. Results carry their title and snippet as HTML with the matched
/// words in `<mark>` (everything else escaped).
async fn search(
    State(state): State<AppState>,
    Query(params): Query<bestpick_app::search::Params>,
) -> ApiResult {
    use bestpick_app::search;
    let (query, filter, page) = search::read(&params).map_err(|errors| {
        ApiError::fields(StatusCode::BAD_REQUEST, "the search is not valid", errors)
    })?;
    let results = search::search(&state.site, &query, &filter, page).await?;
    Ok(Json(json!({ "q": params.q, "results": results })).into_response())
}

async fn list_works(State(state): State<AppState>, Query(q): Query<PageQuery>) -> ApiResult {
    let items = state
        .site
        .store
        .works(FilmScope::Public, PAGE_SIZE, offset(&q))
        .await?;
    Ok(Json(json!({ "items": items })).into_response())
}

async fn get_work(State(state): State<AppState>, Path(slug): Path<String>) -> ApiResult {
    let store = &state.site.store;
    let work = store
        .work_by_slug(&slug, FilmScope::Public)
        .await?
        .ok_or_else(|| ApiError::not_found("work"))?;
    let (posts, _) = store
        .list_posts(&PostFilter {
            work_id: Some(work.id),
            status: Some(PostStatus::Published),
            visible_at: Some(state.site.now()),
            limit: 100,
            ..PostFilter::default()
        })
        .await?;
    Ok(Json(json!({ "work": work, "posts": posts })).into_response())
}

/// Creates a work, or updates the one with the same IMDb id (or name and year).
async fn save_work(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    body: Result<Json<Work>, JsonRejection>,
) -> ApiResult {
    let Json(work) = body?;
    let (view, created) = films::save_work(&state.site, &user, &work).await?;
    Ok((created_status(created), Json(view)).into_response())
}

async fn list_people(State(state): State<AppState>, Query(q): Query<PageQuery>) -> ApiResult {
    let items = state
        .site
        .store
        .people(FilmScope::Public, PAGE_SIZE, offset(&q))
        .await?;
    Ok(Json(json!({ "items": items })).into_response())
}

async fn get_person(State(state): State<AppState>, Path(slug): Path<String>) -> ApiResult {
    Ok(Json(person(&state, &slug, FilmScope::Public).await?).into_response())
}

/// A person as `scope` shows them: reading is public; a write answers
/// with what it stored.
async fn person(
    state: &AppState,
    slug: &str,
    scope: FilmScope,
) -> ApiResult<bestpick_store::PersonView> {
    state
        .site
        .store
        .person_by_slug(slug, scope)
        .await?
        .ok_or_else(|| ApiError::not_found("person"))
}

/// 201 when a write made something new, 200 when it matched something stored.
fn created_status(created: bool) -> StatusCode {
    if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PersonInput {
    name: String,
}

async fn create_person(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    body: Result<Json<PersonInput>, JsonRejection>,
) -> ApiResult {
    let Json(input) = body?;
    let (slug, created) = films::add_person(&state.site, &user, &input.name).await?;
    let person = person(&state, &slug, FilmScope::All).await?;
    Ok((created_status(created), Json(person)).into_response())
}

async fn rename_person(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(slug): Path<String>,
    body: Result<Json<PersonInput>, JsonRejection>,
) -> ApiResult {
    let Json(input) = body?;
    films::rename_person(&state.site, &user, &slug, &input.name).await?;
    let person = person(&state, &slug, FilmScope::All).await?;
    Ok(Json(person).into_response())
}

async fn list_sections(State(state): State<AppState>) -> ApiResult {
    let items = state.site.store.sections().await?;
    Ok(Json(json!({ "items": items })).into_response())
}

async fn get_section(State(state): State<AppState>, Path(slug): Path<String>) -> ApiResult {
    let section = state
        .site
        .store
        .section_by_slug(&slug)
        .await?
        .ok_or_else(|| ApiError::not_found("section"))?;
    Ok(Json(section).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SectionInput {
    #[serde(default)]
    slug: String,
    name: String,
    #[serde(default)]
    description: String,
}

async fn create_section(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    body: Result<Json<SectionInput>, JsonRejection>,
) -> ApiResult {
    let Json(input) = body?;
    let section = sections::create(
        &state.site,
        &user,
        &input.slug,
        &input.name,
        &input.description,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(section)).into_response())
}

async fn update_section(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(slug): Path<String>,
    body: Result<Json<SectionInput>, JsonRejection>,
) -> ApiResult {
    let Json(input) = body?;
    let store = &state.site.store;
    let section = store
        .section_by_slug(&slug)
        .await?
        .ok_or_else(|| ApiError::not_found("section"))?;
    sections::update(
        &state.site,
        &user,
        section.id,
        &input.name,
        &input.description,
    )
    .await?;
    let section = store
        .section(section.id)
        .await?
        .ok_or_else(|| ApiError::not_found("section"))?;
    Ok(Json(section).into_response())
}

/// Followers, blocks and how delivery goes: admins only.
async fn federation_status(State(state): State<AppState>, ApiUser(user): ApiUser) -> ApiResult {
    if !user.role.can_manage_federation() {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "only an admin may see the site's followers on the fediverse",
        ));
    }
    let status = crate::federation::status(&state).await?;
    Ok(Json(status).into_response())
}
