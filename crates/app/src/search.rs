//! Site search, for the results page, its suggestions and the API alike:
//! what a reader typed and chose, checked field by field, and a page of
//! results with their matched words marked.

use crate::Site;
use bestpick_core::search::{highlight, snippet, Query, MAX_QUERY_CHARS, MAX_TERMS};
use bestpick_core::work::WorkKind;
use bestpick_core::{FieldErrors, Slug};
use bestpick_store::{
    PersonRef, PostCard, SearchFilter, StoreError, Topic, WorkBrief, COUNT_LIMIT,
};
use serde::{Deserialize, Serialize};

/// Results per page.
pub const PAGE_SIZE: i64 = 10;
/// The deepest page: past it, a better query finds more than paging would.
pub const MAX_PAGE: i64 = 50;
/// Words a snippet holds, about.
const SNIPPET_WORDS: usize = 28;

/// What a search form or address may carry, as typed (all text, so a bad
/// value is reported, not rejected by the extractor).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Params {
    pub q: String,
    pub section: String,
    pub kind: String,
    pub genre: String,
    pub year_from: String,
    pub year_to: String,
    pub min_score: String,
    pub person: String,
    pub page: String,
}

/// A post found, ready to show: its title and snippet as safe HTML.
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    #[serde(flatten)]
    pub card: PostCard,
    pub title_html: String,
    pub snippet_html: String,
}

/// A page of results.
#[derive(Debug, Clone, Serialize)]
pub struct Results {
    pub hits: Vec<Hit>,
    /// Posts found, counted up to [`COUNT_LIMIT`]; `more` when past it.
    pub total: i64,
    pub more: bool,
    pub page: i64,
    pub pages: i64,
    pub works: Vec<WorkBrief>,
    pub people: Vec<PersonRef>,
    /// The person the search is narrowed to, by name.
    pub person: Option<PersonRef>,
    /// Said above the results: what was left out of a long query.
    pub notice: Option<String>,
}

/// The filters a search form offers, from what readers may see.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Choices {
    pub genres: Vec<String>,
}

/// Reads the parameters; every value that is wrong is named, with why.
pub fn read(params: &Params) -> Result<(Query, SearchFilter, i64), FieldErrors> {
    let mut errors = FieldErrors::default();
    let text = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    let year = |errors: &mut FieldErrors, field: &str, s: &str| match s.trim() {
        "" => None,
        y => match y.parse::<i64>() {
            Ok(y) if (1870..=2200).contains(&y) => Some(y),
            _ => {
                errors.push(field, format!("'{}' is not a year such as 1995", short(y)));
                None
            }
        },
    };
    let kind = kind_field(&mut errors, &params.kind);
    let year_from = year(&mut errors, "year_from", &params.year_from);
    let year_to = year(&mut errors, "year_to", &params.year_to);
    if let (Some(a), Some(b)) = (year_from, year_to) {
        if a > b {
            errors.push("year_to", format!("{b} is before the first year, {a}"));
        }
    }
    let min_score = score_field(&mut errors, &params.min_score);
    let page = match params.page.trim() {
        "" => 1,
        p => match p.parse::<i64>() {
            Ok(n) if (1..=MAX_PAGE).contains(&n) => n,
            _ => {
                errors.push(
                    "page",
                    format!("'{}' is not a page from 1 to {MAX_PAGE}", short(p)),
                );
                1
            }
        },
    };
    // Addresses are slugs; a genre is a name without control characters.
    let mut address = |field: &str, s: &str| {
        let s = text(s)?;
        match Slug::parse(field, &s) {
            Ok(slug) => Some(slug.as_str().to_owned()),
            Err(_) => {
                errors.push(
                    field,
                    format!("'{}' is not an address such as best-pick", short(&s)),
                );
                None
            }
        }
    };
    let section = address("section", &params.section);
    let person = address("person", &params.person);
    let genre = genre_field(&mut errors, &params.genre);
    let filter = SearchFilter {
        section,
        kind,
        genre,
        year_from,
        year_to,
        min_score,
        person,
    };
    errors.into_result((Query::parse(&params.q), filter, page))
}

/// The `kind` filter: movie or tv.
pub(crate) fn kind_field(errors: &mut FieldErrors, s: &str) -> Option<WorkKind> {
    match s.trim() {
        "" => None,
        k => WorkKind::parse(k).or_else(|| {
            errors.push("kind", format!("'{}' is neither movie nor tv", short(k)));
            None
        }),
    }
}

/// The `min_score` filter: a normalised score, 0 to 100.
pub(crate) fn score_field(errors: &mut FieldErrors, s: &str) -> Option<f64> {
    match s.trim() {
        "" => None,
        s => match s.parse::<f64>() {
            Ok(v) if (0.0..=100.0).contains(&v) => Some(v),
            _ => {
                errors.push(
                    "min_score",
                    format!("'{}' is not a number from 0 to 100", short(s)),
                );
                None
            }
        },
    }
}

/// The `genre` filter: a name without control characters.
pub(crate) fn genre_field(errors: &mut FieldErrors, s: &str) -> Option<String> {
    let genre = Some(s.trim().to_owned()).filter(|s| !s.is_empty())?;
    if genre.chars().any(char::is_control) || genre.len() > 200 {
        errors.push("genre", format!("'{}' is not a genre's name", short(s)));
        return None;
    }
    Some(genre)
}

/// A value quoted in a message, cut short when long.
pub(crate) fn short(s: &str) -> String {
    match s.char_indices().nth(40) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_owned(),
    }
}

/// Runs a search read by [`read`]. An empty query with no filter finds
/// nothing (the page asks for words); with a filter, it lists what the
/// filter lets through, newest first.
pub async fn search(
    site: &Site,
    query: &Query,
    filter: &SearchFilter,
    page: i64,
) -> Result<Results, StoreError> {
    let store = &site.store;
    let find = !query.is_empty() || !filter.is_empty();
    // The works and people named, above the first page of a plain search.
    let named = !query.is_empty() && filter.is_empty() && page == 1;
    // The four at once: a page waits for the slowest, not for their sum.
    let ((posts, excerpts), total, works, people) = tokio::try_join!(
        async {
            if !find {
                return Ok((Vec::new(), Default::default()));
            }
            let posts = store
                .search(query, filter, PAGE_SIZE, (page - 1) * PAGE_SIZE)
                .await?;
            // Filters alone show each post's summary: no text to cut.
            let excerpts = match query.is_empty() {
                true => Default::default(),
                false => {
                    let ids: Vec<i64> = posts.iter().map(|c| c.id).collect();
                    store.excerpts(&ids).await?
                }
            };
            Ok((posts, excerpts))
        },
        async {
            match find {
                true => store.count_matches(query, filter).await,
                false => Ok(0),
            }
        },
        async {
            match named {
                true => store.search_works(query, 5).await,
                false => Ok(Vec::new()),
            }
        },
        async {
            match named {
                true => store.search_people(query, 5).await,
                false => Ok(Vec::new()),
            }
        },
    )?;
    let hits = posts
        .into_iter()
        .map(|card| {
            let excerpt = excerpts.get(&card.id).map_or("", String::as_str);
            let snippet_html = snippet(excerpt, query, SNIPPET_WORDS).unwrap_or_else(|| {
                bestpick_core::markdown::escape(card.summary.as_deref().unwrap_or_default())
            });
            Hit {
                title_html: highlight(&card.title, query),
                snippet_html,
                card,
            }
        })
        .collect();
    let person = match &filter.person {
        Some(slug) => store
            .person_by_slug(slug, bestpick_store::FilmScope::Public)
            .await?
            .map(|p| p.person),
        None => None,
    };
    let counted = total.min(COUNT_LIMIT);
    let notice = query.shortened.then(|| {
        format!(
            "Only the first {MAX_TERMS} words (and {MAX_QUERY_CHARS} characters) of your search were used."
        )
    });
    Ok(Results {
        hits,
        total: counted,
        more: total > COUNT_LIMIT,
        page,
        pages: ((counted + PAGE_SIZE - 1) / PAGE_SIZE).clamp(1, MAX_PAGE),
        works,
        people,
        person,
        notice,
    })
}

/// What to suggest as a reader types: a few works, people and posts.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Suggestions {
    pub works: Vec<WorkBrief>,
    pub people: Vec<PersonRef>,
    pub posts: Vec<Suggested>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Suggested {
    pub title: String,
    pub url: String,
    pub section: String,
}

pub async fn suggest(site: &Site, typed: &str) -> Result<Suggestions, StoreError> {
    let query = Query::parse(typed);
    if query.is_empty() {
        return Ok(Suggestions::default());
    }
    // No count: a suggestion needs the best few, not how many there are.
    let (store, all) = (&site.store, SearchFilter::default());
    let (posts, works, people) = tokio::try_join!(
        store.search(&query, &all, 5, 0),
        store.search_works(&query, 3),
        store.search_people(&query, 3),
    )?;
    Ok(Suggestions {
        works,
        people,
        posts: posts
            .into_iter()
            .map(|card| Suggested {
                title: card.title,
                url: card.url,
                section: card.section.name,
            })
            .collect(),
    })
}

/// The genres of works readers may see, read once per change of lists or
/// film data.
pub async fn choices(site: &Site) -> Result<Choices, StoreError> {
    let changes = site.store.changes();
    let version = [Topic::Lists, Topic::Films, Topic::Site]
        .into_iter()
        .map(|t| changes.last_change(t))
        .max()
        .unwrap_or_default();
    if let Some(kept) = site.search_choices.get(version) {
        return Ok(kept);
    }
    let choices = Choices {
        genres: site.store.public_genres().await?,
    };
    site.search_choices.set(version, choices.clone());
    Ok(choices)
}
