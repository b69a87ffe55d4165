-- Related picks and the works list.
--
-- Everything here is derived data, kept in the transaction of the write it
-- follows from and rebuilt whole when its version changes (see
-- `Store::ensure_derived`), so it is never copied between databases.

-- A work's genres, one row each, with the work's year: a genre's works are
-- read from the index nearest in time first (related picks), and the works
-- list filters by genre with one look-up per work.
CREATE TABLE work_genres (
    work_id BIGINT NOT NULL REFERENCES works (id) ON DELETE CASCADE,
    genre   TEXT NOT NULL,
    year    BIGINT NOT NULL,
    PRIMARY KEY (work_id, genre)
);
CREATE INDEX work_genres_genre ON work_genres (genre, year, work_id);

-- What the works list sorts by, kept as posts change. `score` is the mean
-- normalised score of the newest pick readers may see that quotes scores
-- (`score_post`); `stats_until` is when a scheduled post of the work goes
-- live, after which both are computed again. `sort_name` is the name
-- folded (lower case, no accents), so both engines sort it alike. Works
-- without a score sort after every score (as -1).
ALTER TABLE works ADD COLUMN score DOUBLE PRECISION;
ALTER TABLE works ADD COLUMN score_post BIGINT;
ALTER TABLE works ADD COLUMN stats_until BIGINT;
ALTER TABLE works ADD COLUMN sort_name TEXT NOT NULL DEFAULT '';
CREATE INDEX works_by_score ON works (COALESCE(score, -1), id);
CREATE INDEX works_by_year ON works (year, id);
CREATE INDEX works_by_name ON works (sort_name, id);
CREATE INDEX works_stats_until ON works (stats_until);

-- Each pick's related picks, best first, and why: a person both works
-- share (`person_id`, with the jobs they did: 'director' when they directed
-- both) or a genre. Computed when a pick is saved; readers see only those
-- that are themselves visible.
CREATE TABLE related_picks (
    post_id    BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    position   BIGINT NOT NULL,
    related_id BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    reason     TEXT NOT NULL CHECK (reason IN ('director', 'writer', 'cast', 'crew', 'genre')),
    person_id  BIGINT REFERENCES people (id),
    genre      TEXT,
    PRIMARY KEY (post_id, position)
);
CREATE INDEX related_picks_related ON related_picks (related_id);

-- Picks whose related picks are to be computed again: an import marks its
-- picks here rather than computing thousands in its transaction, and the
-- server works through them in the background.
CREATE TABLE related_stale (
    post_id BIGINT PRIMARY KEY REFERENCES posts (id) ON DELETE CASCADE
);
