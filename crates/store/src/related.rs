//! Related picks: for each pick, the picks of other works that share a
//! person or a genre with its work, best first, each with its reason.
//!
//! A pick's list is computed when it is saved, in the save's transaction,
//! never when a page is read; so are the lists of its neighbours, the picks
//! it now names and those that named it (a pick edited, unpublished or
//! deleted leaves no stale link behind), and of the other picks of its work
//! (whose facts the save may have changed). Beyond [`INLINE`] lists in one
//! transaction, and all of a many-file import's, lists are marked stale
//! and the server works through them in the background
//! ([`Store::relate_in_background`]): a changed pick with its neighbours
//! (`spread`), a neighbour alone, so the queue only ever shrinks. Every
//! transaction that writes lists takes one lock first (PostgreSQL; SQLite
//! has one writer): instances and saves then write lists one after
//! another, never crossing.

use crate::read::PostCard;
use crate::sql::{self, flag, named};
use crate::{Engine, Result, Store, Topic};
use bestpick_core::post::Visibility;
use bestpick_core::related::Why;
use sqlx::{AnyConnection, Row};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::time::Duration;

/// Related picks a page shows at most.
pub const SHOWN: usize = 6;
/// Kept per pick: more than are shown, so that scheduled picks, which are
/// filtered out when a page is read, still leave enough.
const KEPT: usize = 10;
/// A shared person's works weighed for a list, each way from the pick's
/// year: the nearest in time. A real filmography is shorter; a list costs
/// the same beside a director of a thousand films.
const NEAREST: i64 = 50;
/// Lists a save computes in its transaction; the rest wait in
/// `related_stale`.
pub(crate) const INLINE: usize = 24;

/// A related pick as a page shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RelatedPick {
    pub card: PostCard,
    /// Why, in words: "same director: Damien Chazelle".
    pub reason: String,
}

/// One entry of a pick's list.
#[derive(Debug, Clone, PartialEq)]
struct Link {
    related: i64,
    why: Why,
    person: Option<i64>,
    genre: Option<String>,
}

/// The pick's list, best first: picks sharing people, ranked by what the
/// people did on both (`Why::weight`, summed over everyone shared), then
/// by how close in time the works are (each person's [`NEAREST`] works
/// nearest the pick's year each way are weighed); then, if that leaves
/// room, picks sharing a genre, the nearest in time first. One pick per
/// work.
async fn compute(conn: &mut AnyConnection, post: i64) -> Result<Vec<Link>> {
    let Some(row) = sqlx::query(
        "SELECT p.work_id, w.year, w.genres FROM posts p JOIN works w ON w.id = p.work_id
         WHERE p.id = $1 AND p.kind = 'pick'",
    )
    .bind(post)
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(Vec::new());
    };
    let work: i64 = row.try_get("work_id")?;
    let year: i64 = row.try_get("year")?;
    let genres: Vec<String> = sql::json(&row, "genres")?;

    // Each person of the work with what they did on it; then their works
    // nearest its year each way (a pick of each), read from the index of
    // credits by person and year: the cost of a list does not grow with
    // a filmography.
    let mut here: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for r in sqlx::query("SELECT person_id, job FROM credits WHERE work_id = $1")
        .bind(work)
        .fetch_all(&mut *conn)
        .await?
    {
        here.entry(r.try_get("person_id")?)
            .or_default()
            .push(r.try_get("job")?);
    }
    let engine = Engine::of(conn);
    let nearest = each_way(engine, "c.job", "credits c", "c.person_id");
    // Each pick found: (its weight, summed over every pair of credits of
    // one person here and there; its distance in years; its work).
    let mut found: HashMap<i64, (i64, i64, i64)> = HashMap::new();
    for (person, jobs) in &here {
        let rows = sqlx::query(&nearest)
            .bind(*person)
            .bind(year)
            .bind(work)
            .bind(NEAREST)
            .fetch_all(&mut *conn)
            .await?;
        for r in &rows {
            let there: String = r.try_get("extra")?;
            let other_year: i64 = r.try_get("year")?;
            let entry = found.entry(r.try_get("id")?).or_insert((
                0,
                (other_year - year).abs(),
                r.try_get("work_id")?,
            ));
            for job in jobs {
                entry.0 += Why::of_jobs(job, &there).weight();
            }
        }
    }
    let mut ranked: Vec<(i64, (i64, i64, i64))> = found.into_iter().collect();
    // Heaviest first, then nearest in time, then newest.
    ranked.sort_by_key(|(id, (weight, gap, _))| (-weight, *gap, -id));
    let mut works = HashSet::from([work]);
    let mut chosen = Vec::new();
    for (id, (_, _, other)) in ranked {
        if chosen.len() < KEPT && works.insert(other) {
            chosen.push(id);
        }
    }
    let mut links = Vec::new();
    if !chosen.is_empty() {
        // Each pick's strongest single link is its reason (the first
        // billed of equals). (The `+`s keep the people's index out of it:
        // both works' credits are read by work, not every credit of each
        // person.)
        let sql = format!(
            "SELECT q.id, c1.job AS here, c2.job AS there, c2.person_id, c1.position + c2.position AS billing
             FROM credits c1
             JOIN credits c2 ON +c2.person_id = +c1.person_id AND c2.work_id <> c1.work_id
             JOIN posts q ON q.work_id = c2.work_id
             WHERE c1.work_id = $1 AND q.id IN ({})",
            sql::list(2, chosen.len())
        );
        let mut args = vec![sql::Value::Int(work)];
        args.extend(chosen.iter().map(|id| sql::Value::Int(*id)));
        let pairs = sqlx::query_with(&sql, sql::arguments(&args))
            .fetch_all(&mut *conn)
            .await?;
        for id in &chosen {
            let mut best: Option<(Why, i64, i64)> = None;
            for p in pairs.iter() {
                if p.try_get::<i64, _>("id")? != *id {
                    continue;
                }
                let why = Why::of_jobs(p.try_get("here")?, p.try_get("there")?);
                let key = (
                    why,
                    p.try_get::<i64, _>("billing")?,
                    p.try_get("person_id")?,
                );
                if best.is_none_or(|b| (key.0, key.1) < (b.0, b.1)) {
                    best = Some(key);
                }
            }
            if let Some((why, _, person)) = best {
                links.push(Link {
                    related: *id,
                    why,
                    person: Some(person),
                    genre: None,
                });
            }
        }
    }
    for genre in genres {
        if links.len() >= KEPT {
            break;
        }
        // The genre's works nearest the year, each way, from the index.
        let rows = sqlx::query(&each_way(engine, "''", "work_genres c", "c.genre"))
            .bind(&genre)
            .bind(year)
            .bind(work)
            .bind((2 * KEPT) as i64)
            .fetch_all(&mut *conn)
            .await?;
        let mut near: Vec<(i64, i64, i64)> = rows
            .iter()
            .map(|r| {
                let y: i64 = r.try_get("year")?;
                Ok(((y - year).abs(), r.try_get("work_id")?, r.try_get("id")?))
            })
            .collect::<Result<_, sqlx::Error>>()?;
        near.sort();
        for (_, other, id) in near {
            if links.len() < KEPT && works.insert(other) {
                links.push(Link {
                    related: id,
                    why: Why::Genre,
                    person: None,
                    genre: Some(genre.clone()),
                });
            }
        }
    }
    Ok(links)
}

/// The published picks of the works in `table` (aliased `c`, with
/// `work_id` and `year`) whose `key` is `$1`, nearest the year `$2` each
/// way, `$4` a side, but for work `$3`: their ids, works, years and
/// `extra`, read along the table's index on (key, year) until enough are
/// found. On SQLite, `|| ''` keeps a post's kind and status out of the
/// planner's choice of index (it would start from every pick). PostgreSQL
/// gets the order written out, whatever its statistics say: the key's rows
/// sorted, then each one's posts (`OFFSET 0` keeps it from merging the
/// two). Joined as one query it was faster on fresh statistics (2.8 ms a
/// list at 100,000 picks, 8.7 ms this way), but on tables never analysed
/// (just loaded, autovacuum off) it took a second a person.
fn each_way(engine: Engine, extra: &str, table: &str, key: &str) -> String {
    let side = |op: &str, order: &str| {
        let near = format!("{key} = $1 AND c.year {op} $2 AND c.work_id <> $3");
        let by = format!("c.year {order}, c.work_id {order}");
        let picks = match engine {
            Engine::Sqlite => format!(
                "SELECT q.id, c.work_id, c.year, {extra} AS extra FROM {table}
                 JOIN posts q ON q.work_id = c.work_id AND q.kind || '' = 'pick' AND q.status || '' = 'published'
                 WHERE {near}"
            ),
            Engine::Postgres => format!(
                "SELECT q.id, c.work_id, c.year, c.extra
                 FROM (SELECT c.work_id, c.year, {extra} AS extra FROM {table} WHERE {near}
                     ORDER BY {by} OFFSET 0) AS c
                 CROSS JOIN LATERAL (SELECT q.id FROM posts q WHERE q.work_id = c.work_id
                     AND q.kind = 'pick' AND q.status = 'published' OFFSET 0) AS q"
            ),
        };
        format!("SELECT * FROM ({picks} ORDER BY {by} LIMIT $4) AS side")
    };
    format!("{} UNION ALL {}", side(">=", "ASC"), side("<", "DESC"))
}

/// Replaces a pick's stored list; false when it was already so. Rows are
/// updated in place rather than deleted and inserted.
async fn write(conn: &mut AnyConnection, post: i64, links: &[Link]) -> Result<bool> {
    let stored = sqlx::query(
        "SELECT related_id, reason, person_id, genre FROM related_picks WHERE post_id = $1 ORDER BY position",
    )
    .bind(post)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| {
        Ok(Link {
            related: r.try_get("related_id")?,
            why: named(r, "reason", Why::parse)?,
            person: r.try_get("person_id")?,
            genre: r.try_get("genre")?,
        })
    })
    .collect::<Result<Vec<_>, sqlx::Error>>()?;
    if stored == links {
        return Ok(false);
    }
    if !links.is_empty() {
        let sql = format!(
            "INSERT INTO related_picks (post_id, position, related_id, reason, person_id, genre)
             VALUES {} ON CONFLICT (post_id, position) DO UPDATE SET related_id = excluded.related_id,
             reason = excluded.reason, person_id = excluded.person_id, genre = excluded.genre",
            sql::values(links.len(), 6)
        );
        let mut q = sqlx::query(&sql);
        for (i, l) in links.iter().enumerate() {
            q = q
                .bind(post)
                .bind(i as i64)
                .bind(l.related)
                .bind(l.why.as_str())
                .bind(l.person)
                .bind(&l.genre);
        }
        q.execute(&mut *conn).await?;
    }
    sqlx::query("DELETE FROM related_picks WHERE post_id = $1 AND position >= $2")
        .bind(post)
        .bind(links.len() as i64)
        .execute(&mut *conn)
        .await?;
    Ok(true)
}

/// Waits for the right to write lists (see the module's comment).
async fn lock(conn: &mut AnyConnection) -> Result<()> {
    if Engine::of(conn) == Engine::Postgres {
        // Any constant, the same in every instance: "related" in ASCII.
        sqlx::query("SELECT pg_advisory_xact_lock(125762689533540)")
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Computes the lists of these changed posts (each with the time of its
/// change) and of their neighbours, at most `inline` in all; the rest wait
/// in `related_stale` (a changed post to spread again, a neighbour alone). A
/// neighbour already waiting is left to its turn, and one computed after
/// the change (an import's pick the server reached first) is left as it is.
/// Returns the posts whose stored lists changed.
pub(crate) async fn relate(
    conn: &mut AnyConnection,
    changed: &[(i64, i64)],
    now: i64,
    inline: usize,
) -> Result<Vec<i64>> {
    lock(conn).await?;
    let ids: BTreeSet<i64> = changed.iter().map(|(id, _)| *id).collect();
    let mut budget = inline;
    let mut differ = Vec::new();
    // Each neighbour with the latest change that makes it one.
    let mut neighbours: BTreeMap<i64, i64> = BTreeMap::new();
    let mut spread_later = Vec::new();
    let mut done = Vec::new();
    for &(post, at) in changed {
        if budget == 0 {
            spread_later.push((post, at));
            continue;
        }
        budget -= 1;
        let links = compute(conn, post).await?;
        let near = named_by(conn, post)
            .await?
            .into_iter()
            .chain(links.iter().map(|l| l.related));
        for n in near.filter(|n| !ids.contains(n)) {
            let e = neighbours.entry(n).or_insert(at);
            *e = (*e).max(at);
        }
        if write(conn, post, &links).await? {
            differ.push(post);
        }
        done.push(post);
    }
    let all: Vec<i64> = neighbours.keys().copied().collect();
    let settled = settled(conn, &all).await?;
    let mut alone_later = Vec::new();
    for (n, at) in neighbours {
        if settled
            .get(&n)
            .is_some_and(|computed| computed.is_none_or(|c| c > at))
        {
            continue;
        }
        if budget == 0 {
            alone_later.push((n, at));
            continue;
        }
        budget -= 1;
        let links = compute(conn, n).await?;
        if write(conn, n, &links).await? {
            differ.push(n);
        }
        done.push(n);
    }
    unmark(conn, &done).await?;
    computed(conn, &done, now).await?;
    mark_stale(conn, &spread_later, true).await?;
    mark_stale(conn, &alone_later, false).await?;
    Ok(differ)
}

/// Of these posts, those whose lists need no computing for a change now:
/// waiting in `related_stale` (`None`: left to their turn), or computed at
/// a known time (`Some`).
async fn settled(conn: &mut AnyConnection, posts: &[i64]) -> Result<HashMap<i64, Option<i64>>> {
    let mut found = HashMap::new();
    for chunk in posts.chunks(500) {
        let sql = format!(
            "SELECT p.id, p.related_at, EXISTS (SELECT 1 FROM related_stale r WHERE r.post_id = p.id) AS waiting
             FROM posts p WHERE p.id IN ({})",
            sql::list(1, chunk.len())
        );
        for r in sqlx::query_with(&sql, sql::ids(chunk))
            .fetch_all(&mut *conn)
            .await?
        {
            let id: i64 = r.try_get("id")?;
            if flag(&r, "waiting")? {
                found.insert(id, None);
            } else if let Some(at) = r.try_get::<Option<i64>, _>("related_at")? {
                found.insert(id, Some(at));
            }
        }
    }
    Ok(found)
}

/// Notes when these posts' lists were computed.
async fn computed(conn: &mut AnyConnection, posts: &[i64], now: i64) -> Result<()> {
    for chunk in posts.chunks(500) {
        let sql = format!(
            "UPDATE posts SET related_at = $1 WHERE id IN ({})",
            sql::list(2, chunk.len())
        );
        let mut values = vec![sql::Value::Int(now)];
        values.extend(chunk.iter().map(|id| sql::Value::Int(*id)));
        sqlx::query_with(&sql, sql::arguments(&values))
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Marks these posts' lists (each with the time of the change) to be
/// computed in the background, with their neighbours' (`spread`) or alone.
/// A post marked twice keeps the later change, and spreads if either does.
pub(crate) async fn mark_stale(
    conn: &mut AnyConnection,
    posts: &[(i64, i64)],
    spread: bool,
) -> Result<()> {
    for chunk in posts.chunks(300) {
        let sql = format!(
            "INSERT INTO related_stale (post_id, changed_at, spread) VALUES {}
             ON CONFLICT (post_id) DO UPDATE SET spread = related_stale.spread OR excluded.spread,
             changed_at = CASE WHEN excluded.changed_at > related_stale.changed_at
                 THEN excluded.changed_at ELSE related_stale.changed_at END",
            sql::values(chunk.len(), 3)
        );
        let mut args = sqlx::any::AnyArguments::default();
        for (id, at) in chunk {
            sqlx::Arguments::add(&mut args, *id).expect("numbers always encode");
            sqlx::Arguments::add(&mut args, *at).expect("numbers always encode");
            sqlx::Arguments::add(&mut args, spread).expect("a flag always encodes");
        }
        sqlx::query_with(&sql, args).execute(&mut *conn).await?;
    }
    Ok(())
}

async fn unmark(conn: &mut AnyConnection, posts: &[i64]) -> Result<()> {
    for chunk in posts.chunks(500) {
        let sql = format!(
            "DELETE FROM related_stale WHERE post_id IN ({})",
            sql::list(1, chunk.len())
        );
        sqlx::query_with(&sql, sql::ids(chunk))
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// The picks of these works.
pub(crate) async fn picks_of(conn: &mut AnyConnection, works: &[i64]) -> Result<Vec<i64>> {
    let mut picks = Vec::new();
    for chunk in works.chunks(500) {
        let sql = format!(
            "SELECT id FROM posts WHERE kind = 'pick' AND work_id IN ({})",
            sql::list(1, chunk.len())
        );
        picks.extend(
            sqlx::query_scalar_with::<_, i64, _>(&sql, sql::ids(chunk))
                .fetch_all(&mut *conn)
                .await?,
        );
    }
    Ok(picks)
}

/// The posts that name `post` among their related picks: a change to it
/// changes their pages.
pub(crate) async fn named_by(conn: &mut AnyConnection, post: i64) -> Result<Vec<i64>> {
    Ok(
        sqlx::query_scalar("SELECT post_id FROM related_picks WHERE related_id = $1")
            .bind(post)
            .fetch_all(&mut *conn)
            .await?,
    )
}

impl Store {
    /// A pick's related picks that readers may see now, best first, and
    /// the time the next of the others goes live (a cached page showing
    /// the list is fresh until then).
    pub async fn related_picks(&self, post: i64) -> Result<(Vec<RelatedPick>, Option<i64>)> {
        let now = self.now();
        let rows = sqlx::query(
            "SELECT r.related_id, r.reason, r.genre, pe.name AS person, p.published_at
             FROM related_picks r JOIN posts p ON p.id = r.related_id
             LEFT JOIN people pe ON pe.id = r.person_id
             WHERE r.post_id = $1 AND p.status = 'published' ORDER BY r.position",
        )
        .bind(post)
        .fetch_all(&self.readers)
        .await?;
        let mut shown = Vec::new();
        let mut until: Option<i64> = None;
        for r in &rows {
            let at: Option<i64> = r.try_get("published_at")?;
            match at {
                Some(at) if at > now => until = Some(until.map_or(at, |u| u.min(at))),
                _ if shown.len() < SHOWN => {
                    let why = named(r, "reason", Why::parse)?;
                    let name = match why {
                        Why::Genre => r.try_get::<Option<String>, _>("genre")?,
                        _ => r.try_get::<Option<String>, _>("person")?,
                    };
                    shown.push((
                        r.try_get::<i64, _>("related_id")?,
                        why.words(&name.unwrap_or_default()),
                    ));
                }
                _ => {}
            }
        }
        let ids: Vec<i64> = shown.iter().map(|(id, _)| *id).collect();
        let mut cards = self.cards(&ids).await?;
        let picks = shown
            .into_iter()
            .filter_map(|(id, reason)| {
                let i = cards.iter().position(|c| c.id == id)?;
                let card = cards.swap_remove(i);
                (card.visibility == Visibility::Published).then_some(RelatedPick { card, reason })
            })
            .collect();
        Ok((picks, until))
    }

    /// Picks whose related picks wait to be computed.
    pub async fn related_stale_count(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM related_stale")
            .fetch_one(&self.readers)
            .await?)
    }

    /// Computes up to `limit` stale lists in one transaction (with their
    /// neighbours' for a changed pick); returns how many were waiting.
    pub async fn relate_stale(&self, limit: usize) -> Result<usize> {
        let mut tx = self.begin().await?;
        lock(&mut tx).await?;
        let rows = sqlx::query(
            "SELECT post_id, changed_at, spread FROM related_stale ORDER BY post_id LIMIT $1",
        )
        .bind(limit.min(INLINE) as i64)
        .fetch_all(&mut *tx)
        .await?;
        if rows.is_empty() {
            return Ok(0);
        }
        let mut spread = Vec::new();
        let mut alone = Vec::new();
        for r in &rows {
            let id: i64 = r.try_get("post_id")?;
            match flag(r, "spread")? {
                true => spread.push((id, r.try_get::<i64, _>("changed_at")?)),
                false => alone.push(id),
            }
        }
        // Off the queue first: what follows marks only others.
        let taken: Vec<i64> = rows
            .iter()
            .map(|r| r.try_get("post_id"))
            .collect::<Result<_, _>>()?;
        unmark(&mut tx, &taken).await?;
        let now = self.now();
        let mut differ = relate(&mut tx, &spread, now, INLINE).await?;
        for &post in &alone {
            let links = compute(&mut tx, post).await?;
            if write(&mut tx, post, &links).await? {
                differ.push(post);
            }
        }
        computed(&mut tx, &alone, now).await?;
        let topics: Vec<Topic> = differ.iter().copied().map(Topic::Post).collect();
        self.commit(tx, &topics, &[]).await?;
        Ok(rows.len())
    }

    /// Works through stale lists while the server runs, a few at a time,
    /// so that readers' requests and writes go on between them.
    pub async fn relate_in_background(&self) {
        loop {
            let pause = match self.relate_stale(INLINE).await {
                Ok(0) => Duration::from_secs(2),
                Ok(_) => Duration::from_millis(20),
                Err(e) => {
                    tracing::warn!("could not compute related picks: {e}");
                    Duration::from_secs(30)
                }
            };
            tokio::time::sleep(pause).await;
        }
    }
}
