//! Works (films and shows) and the people credited on them.

use crate::error::OnConflict;
use crate::sql::{self, flag, json, named, to_json, unsigned_opt};
use crate::works_list::WorkFacts;
use crate::{PostCard, PostFilter, Refusal, Result, Store, StoreError, Topic, User};
use bestpick_core::work::{CastMember, Work, WorkKind};
use bestpick_core::Slug;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PersonRef {
    pub slug: String,
    pub name: String,
}

/// A cast credit: who, and as whom.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Credit {
    pub person: PersonRef,
    pub role: String,
}

/// A work as pages show it: its facts, with people as links.
#[derive(Debug, Clone, serde::Serialize)]
pub struct WorkView {
    pub id: i64,
    pub slug: String,
    pub kind: WorkKind,
    pub kind_label: &'static str,
    pub name: String,
    pub original_name: Option<String>,
    pub year: i32,
    pub end_year: Option<i32>,
    pub seasons: Option<u32>,
    pub years_label: String,
    pub directors: Vec<PersonRef>,
    pub writers: Vec<PersonRef>,
    pub cast: Vec<Credit>,
    pub genres: Vec<String>,
    pub runtime_minutes: Option<u32>,
    pub countries: Vec<String>,
    pub languages: Vec<String>,
    pub box_office_usd: Option<u64>,
    pub budget_usd: Option<u64>,
    pub awards: Option<String>,
    pub imdb_id: Option<String>,
    pub poster: Option<String>,
}

impl WorkView {
    /// Enough of it to link to it.
    pub fn brief(&self) -> WorkBrief {
        WorkBrief {
            id: self.id,
            slug: self.slug.clone(),
            name: self.name.clone(),
            year: self.year,
            kind: self.kind,
        }
    }

    /// Back to the core type, for export and the API.
    pub fn to_work(&self) -> Work {
        let names = |people: &[PersonRef]| people.iter().map(|p| p.name.clone()).collect();
        Work {
            kind: self.kind,
            name: self.name.clone(),
            original_name: self.original_name.clone(),
            year: self.year,
            end_year: self.end_year,
            seasons: self.seasons,
            directors: names(&self.directors),
            writers: names(&self.writers),
            cast: self
                .cast
                .iter()
                .map(|c| CastMember {
                    name: c.person.name.clone(),
                    role: c.role.clone(),
                })
                .collect(),
            genres: self.genres.clone(),
            runtime_minutes: self.runtime_minutes,
            countries: self.countries.clone(),
            languages: self.languages.clone(),
            box_office_usd: self.box_office_usd,
            budget_usd: self.budget_usd,
            awards: self.awards.clone(),
            imdb_id: self.imdb_id.clone(),
            poster: self.poster.clone(),
        }
    }
}

/// Enough of a work to link to it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct WorkBrief {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub year: i32,
    pub kind: WorkKind,
}

/// A person's page: who, and every credit.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PersonView {
    pub id: i64,
    pub person: PersonRef,
    pub credits: Vec<PersonCredit>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct PersonCredit {
    pub work: WorkBrief,
    /// director, writer or cast
    pub job: String,
    pub role: String,
}

/// Whose view of film data is asked for. A work (and the people credited
/// on it) is public once a published post whose time has come shows it:
/// a draft's new work stays as unseen as the draft.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilmScope {
    /// What readers may see.
    Public,
    /// Everything: the editor's pickers, and writes that answer with what they stored.
    All,
}

impl FilmScope {
    /// The condition on `works w` for this scope; `$1` is the time now.
    fn works_shown(self) -> &'static str {
        match self {
            FilmScope::Public => {
                "$1 IS NOT NULL AND EXISTS (SELECT 1 FROM posts p WHERE p.work_id = w.id
                 AND p.status = 'published' AND p.published_at <= $1)"
            }
            FilmScope::All => "$1 IS NOT NULL",
        }
    }
}

const WORK_COLUMNS: &str =
    "id, slug, kind, name, original_name, year, end_year, seasons, runtime_minutes,
    box_office_usd, budget_usd, awards, imdb_id, poster, genres, countries, languages";

pub(crate) fn brief_from_row(r: &AnyRow) -> Result<WorkBrief, sqlx::Error> {
    Ok(WorkBrief {
        id: r.try_get("id")?,
        slug: r.try_get("slug")?,
        name: r.try_get("name")?,
        year: r.try_get("year")?,
        kind: named(r, "kind", WorkKind::parse)?,
    })
}

/// The stored work a typed one is saved into: the one with its IMDb id,
/// or else the one with its name and year.
async fn matching_work(conn: &mut AnyConnection, work: &Work) -> Result<Option<i64>> {
    let slug = work.slug().map(|s| s.to_string()).unwrap_or_default();
    Ok(sqlx::query_scalar(
        "SELECT id FROM works WHERE (imdb_id IS NOT NULL AND imdb_id = $1) OR slug = $2
         ORDER BY imdb_id = $1 DESC NULLS LAST LIMIT 1",
    )
    .bind(&work.imdb_id)
    .bind(&slug)
    .fetch_optional(&mut *conn)
    .await?)
}

impl Store {
    /// The stored work that saving `work` would write into, and the cards
    /// of the posts that show it other than `except` (the post being edited).
    pub async fn work_sharing(
        &self,
        work: &Work,
        except: Option<i64>,
    ) -> Result<Option<(WorkBrief, Vec<PostCard>)>> {
        let mut conn = self.readers.acquire().await?;
        let Some(id) = matching_work(&mut conn, work).await? else {
            return Ok(None);
        };
        drop(conn);
        let (mut posts, _) = self
            .list_posts(&PostFilter {
                work_id: Some(id),
                limit: 1000,
                ..PostFilter::default()
            })
            .await?;
        posts.retain(|p| Some(p.id) != except);
        Ok(self.work(id).await?.map(|w| (w.brief(), posts)))
    }

    /// Writes a work and its credits, matched by IMDb id or else by slug, and
    /// returns its id. The given facts replace the stored ones when `by` may
    /// change them (`Role::may_change_work`): a work that a post of someone
    /// else shows is only linked to, unchanged, by an author. `post` is the
    /// post being saved, which does not count as someone else's.
    pub(crate) async fn upsert_work(
        conn: &mut AnyConnection,
        work: &Work,
        by: &User,
        post: Option<i64>,
        now: i64,
    ) -> Result<i64> {
        let slug = work.slug().map(|s| s.to_string()).unwrap_or_default();
        let existing = matching_work(&mut *conn, work).await?;
        // Whether others use the work matters only to a role that may not
        // change what others use (an editor's import asks nothing more).
        if let Some(id) = existing.filter(|_| !by.role.may_change_work(true)) {
            let row = sqlx::query(
                "SELECT EXISTS (SELECT 1 FROM posts p WHERE p.work_id = $1 AND p.id IS DISTINCT FROM $2
                     AND NOT EXISTS (SELECT 1 FROM post_authors a WHERE a.post_id = p.id AND a.user_id = $3)) AS others,
                 EXISTS (SELECT 1 FROM posts p WHERE p.work_id = $1
                     AND p.status = 'published' AND p.published_at <= $4) AS public",
            )
            .bind(id)
            .bind(post)
            .bind(by.id)
            .bind(now)
            .fetch_one(&mut *conn)
            .await?;
            let (used_by_others, public) = (flag(&row, "others")?, flag(&row, "public")?);
            if !by.role.may_link_work(public, used_by_others) {
                return Err(StoreError::refused(
                    "work.name",
                    work.name.trim(),
                    Refusal::Others,
                ));
            }
            if !by.role.may_change_work(used_by_others) {
                return Ok(id);
            }
        }
        let q = match existing {
            Some(_) => "UPDATE works SET slug = $1, kind = $2, name = $3, original_name = $4, year = $5, end_year = $6,
                seasons = $7, runtime_minutes = $8, box_office_usd = $9, budget_usd = $10, awards = $11, imdb_id = $12,
                poster = $13, genres = $14, countries = $15, languages = $16, updated_at = $17, sort_name = $18
                WHERE id = $19 RETURNING id",
            None => "INSERT INTO works (slug, kind, name, original_name, year, end_year, seasons, runtime_minutes,
                box_office_usd, budget_usd, awards, imdb_id, poster, genres, countries, languages, created_at, updated_at,
                sort_name)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17, $18)
                RETURNING id",
        };
        let q = sqlx::query_scalar(q)
            .bind(&slug)
            .bind(work.kind.as_str())
            .bind(work.name.trim())
            .bind(&work.original_name)
            .bind(work.year)
            .bind(work.end_year)
            .bind(work.seasons.map(i64::from))
            .bind(work.runtime_minutes.map(i64::from))
            .bind(work.box_office_usd.map(|v| v as i64))
            .bind(work.budget_usd.map(|v| v as i64))
            .bind(&work.awards)
            .bind(&work.imdb_id)
            .bind(&work.poster)
            .bind(to_json(&work.genres))
            .bind(to_json(&work.countries))
            .bind(to_json(&work.languages))
            .bind(now)
            .bind(crate::works_list::sort_name(&work.name));
        // The id only where the statement has a place for it: each
        // statement is bound exactly the values it uses.
        let q = match existing {
            Some(id) => q.bind(id),
            None => q,
        };
        let id: i64 = q
            .fetch_one(&mut *conn)
            .await
            // Matched by IMDb id, but named (and so addressed) as another work.
            .on_unique("work.name", work.name.trim())?;
        crate::works_list::write_work_genres(
            &mut *conn,
            &[WorkFacts::of(id, work)],
            existing.is_some(),
        )
        .await?;

        if existing.is_some() {
            sqlx::query("DELETE FROM credits WHERE work_id = $1")
                .bind(id)
                .execute(&mut *conn)
                .await?;
        }
        let credits = work
            .directors
            .iter()
            .map(|n| ("director", n.as_str(), ""))
            .chain(work.writers.iter().map(|n| ("writer", n.as_str(), "")))
            .chain(
                work.cast
                    .iter()
                    .map(|c| ("cast", c.name.as_str(), c.role.as_str())),
            );
        let credits: Vec<(&str, &str, &str)> = credits.collect();
        if credits.is_empty() {
            return Ok(id);
        }
        // Two statements for all the credits, not two per credit: an import
        // of thousands of posts spends its time on statements.
        let people = Self::upsert_people(conn, credits.iter().map(|(_, name, _)| *name)).await?;
        let sql = format!(
            "INSERT INTO credits (work_id, person_id, job, role, position, year) VALUES {}",
            sql::values(credits.len(), 6)
        );
        let mut q = sqlx::query(&sql);
        let mut positions = HashMap::new();
        for (job, name, role) in credits {
            let pos = positions.entry(job).or_insert(0i64);
            *pos += 1;
            q = q
                .bind(id)
                .bind(people[&person_slug(name)])
                .bind(job)
                .bind(role.trim())
                .bind(*pos)
                .bind(i64::from(work.year));
        }
        q.execute(&mut *conn).await?;
        Ok(id)
    }

    /// Adds these people (by name) where missing; their ids by slug.
    async fn upsert_people<'a>(
        conn: &mut AnyConnection,
        names: impl Iterator<Item = &'a str>,
    ) -> Result<HashMap<String, i64>> {
        let mut people: Vec<(String, &str)> = Vec::new();
        for name in names {
            let slug = person_slug(name);
            if !people.iter().any(|(s, _)| *s == slug) {
                people.push((slug, name.trim()));
            }
        }
        // A name already stored keeps its spelling (an editor may have
        // renamed the person); the no-op update makes RETURNING give its id.
        let sql = format!(
            "INSERT INTO people (slug, name) VALUES {}
             ON CONFLICT (slug) DO UPDATE SET name = people.name RETURNING slug, id",
            sql::values(people.len(), 2)
        );
        let mut q = sqlx::query_as(&sql);
        for (slug, name) in &people {
            q = q.bind(slug.as_str()).bind(*name);
        }
        let found: Vec<(String, i64)> = q.fetch_all(&mut *conn).await?;
        Ok(found.into_iter().collect())
    }

    async fn upsert_person(conn: &mut AnyConnection, name: &str) -> Result<i64> {
        let slug = person_slug(name);
        let name = name.trim();
        Ok(sqlx::query_scalar(
            "INSERT INTO people (slug, name) VALUES ($1, $2)
             ON CONFLICT (slug) DO UPDATE SET name = people.name RETURNING id",
        )
        .bind(slug)
        .bind(name)
        .fetch_one(&mut *conn)
        .await?)
    }

    /// Stores a validated work on its own (the API's works endpoint), matched
    /// like an imported post's work; returns its id.
    pub async fn save_work(&self, work: &Work, by: &User) -> Result<i64> {
        let mut tx = self.begin().await?;
        let now = self.now();
        let id = Self::upsert_work(&mut tx, work, by, None, now).await?;
        crate::search::index_saved(&mut tx, &[], &[id]).await?;
        // Its picks' related picks follow its people and genres.
        let picks: Vec<(i64, i64)> = crate::related::picks_of(&mut tx, &[id])
            .await?
            .into_iter()
            .map(|p| (p, now))
            .collect();
        let mut topics = vec![Topic::Films];
        for post in crate::related::relate(&mut tx, &picks, now, crate::related::INLINE).await? {
            topics.push(Topic::Post(post));
        }
        self.commit(tx, &topics, &[]).await?;
        Ok(id)
    }

    /// Adds a person by name, or finds the one with that name's slug.
    pub async fn save_person(&self, name: &str) -> Result<String> {
        let mut tx = self.begin().await?;
        let id = Self::upsert_person(&mut tx, name).await?;
        crate::search::index_person(&mut tx, id).await?;
        let slug = sqlx::query_scalar("SELECT slug FROM people WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        self.commit(tx, &[Topic::Films], &[]).await?;
        Ok(slug)
    }

    /// Renames a person; their address stays, so links keep working.
    pub async fn rename_person(&self, slug: &str, name: &str) -> Result<()> {
        let mut tx = self.begin().await?;
        let id: Option<i64> =
            sqlx::query_scalar("UPDATE people SET name = $1 WHERE slug = $2 RETURNING id")
                .bind(name.trim())
                .bind(slug)
                .fetch_optional(&mut *tx)
                .await?;
        let id = id.ok_or_else(|| StoreError::NotFound("that person".into()))?;
        crate::search::index_person(&mut tx, id).await?;
        self.commit(tx, &[Topic::Films], &[]).await?;
        Ok(())
    }

    pub async fn work_by_slug(&self, slug: &str, scope: FilmScope) -> Result<Option<WorkView>> {
        let id: Option<i64> = sqlx::query_scalar(&format!(
            "SELECT id FROM works w WHERE {} AND slug = $2",
            scope.works_shown()
        ))
        .bind(self.now())
        .bind(slug)
        .fetch_optional(&self.readers)
        .await?;
        match id {
            Some(id) => self.work(id).await,
            None => Ok(None),
        }
    }

    pub async fn work(&self, id: i64) -> Result<Option<WorkView>> {
        let Some(r) = sqlx::query(&format!("SELECT {WORK_COLUMNS} FROM works WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.readers)
            .await?
        else {
            return Ok(None);
        };
        let credits = sqlx::query(
            "SELECT c.job, c.role, p.slug, p.name FROM credits c JOIN people p ON p.id = c.person_id
             WHERE c.work_id = $1 ORDER BY c.job, c.position",
        )
        .bind(id)
        .fetch_all(&self.readers)
        .await?;
        let (mut directors, mut writers, mut cast) = (Vec::new(), Vec::new(), Vec::new());
        for c in &credits {
            let person = PersonRef {
                slug: c.try_get("slug")?,
                name: c.try_get("name")?,
            };
            let job = named(c, "job", |j| {
                ["director", "writer", "cast"].into_iter().find(|k| *k == j)
            })?;
            match job {
                "director" => directors.push(person),
                "writer" => writers.push(person),
                _ => cast.push(Credit {
                    person,
                    role: c.try_get("role")?,
                }),
            }
        }
        let kind = named(&r, "kind", WorkKind::parse)?;
        let mut view = WorkView {
            id,
            slug: r.try_get("slug")?,
            kind,
            kind_label: kind.label(),
            name: r.try_get("name")?,
            original_name: r.try_get("original_name")?,
            year: r.try_get("year")?,
            end_year: r.try_get("end_year")?,
            seasons: unsigned_opt(&r, "seasons")?,
            years_label: String::new(),
            directors,
            writers,
            cast,
            genres: json(&r, "genres")?,
            runtime_minutes: unsigned_opt(&r, "runtime_minutes")?,
            countries: json(&r, "countries")?,
            languages: json(&r, "languages")?,
            box_office_usd: unsigned_opt(&r, "box_office_usd")?,
            budget_usd: unsigned_opt(&r, "budget_usd")?,
            awards: r.try_get("awards")?,
            imdb_id: r.try_get("imdb_id")?,
            poster: r.try_get("poster")?,
        };
        view.years_label = view.to_work().years_label();
        Ok(Some(view))
    }

    /// Works by name, for pickers and the API.
    pub async fn works(&self, scope: FilmScope, limit: i64, offset: i64) -> Result<Vec<WorkBrief>> {
        let rows = sqlx::query(&format!(
            "SELECT id, slug, name, year, kind FROM works w WHERE {}
             ORDER BY name, year LIMIT $2 OFFSET $3",
            scope.works_shown()
        ))
        .bind(self.now())
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.readers)
        .await?;
        Ok(rows.iter().map(brief_from_row).collect::<Result<_, _>>()?)
    }

    /// A person and their credits on the works `scope` shows; a person
    /// with none of those is not found.
    pub async fn person_by_slug(&self, slug: &str, scope: FilmScope) -> Result<Option<PersonView>> {
        let Some(p) = sqlx::query("SELECT id, slug, name FROM people WHERE slug = $1")
            .bind(slug)
            .fetch_optional(&self.readers)
            .await?
        else {
            return Ok(None);
        };
        let id: i64 = p.try_get("id")?;
        let rows = sqlx::query(&format!(
            "SELECT w.id, w.slug, w.name, w.year, w.kind, c.job, c.role FROM credits c
             JOIN works w ON w.id = c.work_id WHERE {} AND c.person_id = $2
             ORDER BY w.year DESC, w.name, c.job",
            scope.works_shown()
        ))
        .bind(self.now())
        .bind(id)
        .fetch_all(&self.readers)
        .await?;
        if rows.is_empty() && scope == FilmScope::Public {
            return Ok(None);
        }
        let credits = rows
            .iter()
            .map(|r| {
                Ok(PersonCredit {
                    work: brief_from_row(r)?,
                    job: r.try_get("job")?,
                    role: r.try_get("role")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()?;
        Ok(Some(PersonView {
            id,
            person: PersonRef {
                slug: p.try_get("slug")?,
                name: p.try_get("name")?,
            },
            credits,
        }))
    }

    /// People by name, for the API: those credited on a work `scope` shows.
    pub async fn people(
        &self,
        scope: FilmScope,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<PersonRef>> {
        let rows = sqlx::query(&format!(
            "SELECT slug, name FROM people WHERE id IN (SELECT c.person_id FROM credits c
             JOIN works w ON w.id = c.work_id WHERE {}) ORDER BY name LIMIT $2 OFFSET $3",
            scope.works_shown()
        ))
        .bind(self.now())
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.readers)
        .await?;
        Ok(rows
            .iter()
            .map(|r| {
                Ok(PersonRef {
                    slug: r.try_get("slug")?,
                    name: r.try_get("name")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()?)
    }
}

/// A person's address, from their name.
pub(crate) fn person_slug(name: &str) -> String {
    Slug::from_title(name.trim())
        .map(|s| s.to_string())
        .unwrap_or_else(|| "person".into())
}
