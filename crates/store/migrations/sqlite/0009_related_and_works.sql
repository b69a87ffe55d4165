-- Related picks and the works list.
--
-- Everything here is derived data, kept in the transaction of the write it
-- follows from and rebuilt whole when its version changes (see
-- `Store::ensure_derived`), so it is never copied between databases.

-- A work's genres, one row each, with the work's year: a genre's works are
-- read from the index nearest in time first (related picks), and the works
-- list filters by genre with one look-up per work.
CREATE TABLE work_genres (
    work_id INTEGER NOT NULL REFERENCES works (id) ON DELETE CASCADE,
    genre   TEXT NOT NULL,
    year    INTEGER NOT NULL,
    PRIMARY KEY (work_id, genre)
);
CREATE INDEX work_genres_genre ON work_genres (genre, year, work_id);

-- What the works list sorts by, kept as posts change. `score` is the mean
-- normalised score of the newest pick readers may see that quotes scores
-- (`score_post`); `stats_until` is when a scheduled post of the work goes
-- live, after which both are computed again. `sort_name` is the name
-- folded (lower case, no accents), so both engines sort it alike. Works
-- without a score sort after every score (as -1).
ALTER TABLE works ADD COLUMN score REAL;
ALTER TABLE works ADD COLUMN score_post INTEGER;
ALTER TABLE works ADD COLUMN stats_until INTEGER;
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
    post_id    INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    related_id INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    reason     TEXT NOT NULL CHECK (reason IN ('director', 'writer', 'cast', 'crew', 'genre')),
    person_id  INTEGER REFERENCES people (id),
    genre      TEXT,
    PRIMARY KEY (post_id, position)
);
CREATE INDEX related_picks_related ON related_picks (related_id);

-- Picks whose related picks are to be computed again: an import marks its
-- picks here rather than computing thousands in its transaction, and the
-- server works through them in the background.
CREATE TABLE related_stale (
    post_id    INTEGER PRIMARY KEY REFERENCES posts (id) ON DELETE CASCADE,
    -- the time of the change; neighbours computed later need nothing
    changed_at INTEGER NOT NULL,
    -- a changed pick: its neighbours' lists too (else its own alone)
    spread     INTEGER NOT NULL
);
-- When a pick's list was last computed (see `related_stale.changed_at`).
ALTER TABLE posts ADD COLUMN related_at INTEGER;

-- Quotes and Guess!: sections whose page is a feature of the site rather
-- than a list of posts (`feature`), and any section may stay out of the
-- menus (`hidden`) while its addresses answer.
ALTER TABLE sections ADD COLUMN feature TEXT CHECK (feature IN ('quotes', 'guess'));
ALTER TABLE sections ADD COLUMN hidden INTEGER NOT NULL DEFAULT 0;

-- Lines get an id of their own, for their permalinks (/quotes/ID): kept
-- when a post is saved again with the line unchanged (see posts.rs).
-- (The id comes last, where PostgreSQL's added column is: a copy between
-- the engines compares rows column by column.)
CREATE TABLE lines_with_ids (
    post_id  INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    speaker  TEXT NOT NULL,
    text     TEXT NOT NULL,
    context  TEXT,
    -- never reused (AUTOINCREMENT), as PostgreSQL's identity: an old
    -- permalink never shows another line
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    UNIQUE (post_id, position)
);
INSERT INTO lines_with_ids (post_id, position, speaker, text, context)
    SELECT post_id, position, speaker, text, context FROM lines ORDER BY post_id, position;
DROP TABLE lines;
ALTER TABLE lines_with_ids RENAME TO lines;

-- Readers' ratings of a pick, one per reader (the random id of their
-- cookie), apart from the critics' scores. `address` is a keyed hash of
-- the reader's network address, for the rate limits, never the address.
CREATE TABLE ratings (
    post_id    INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    reader     TEXT NOT NULL,
    address    TEXT NOT NULL,
    value      INTEGER NOT NULL CHECK (value BETWEEN 1 AND 5),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (post_id, reader)
);
CREATE INDEX ratings_address ON ratings (address, created_at);
-- Kept as ratings come and go, so a page shows them without counting.
ALTER TABLE posts ADD COLUMN rating_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE posts ADD COLUMN rating_sum INTEGER NOT NULL DEFAULT 0;
ALTER TABLE posts ADD COLUMN ratings_hidden INTEGER NOT NULL DEFAULT 0;

-- Guess! rounds as far as they were played: the player's cookie holds the
-- round's lines, and plays forward only against this (an old cookie sent
-- again is refused); a result's link shows what this holds.
CREATE TABLE guess_rounds (
    id         TEXT PRIMARY KEY,
    lines      INTEGER NOT NULL,
    asked      INTEGER NOT NULL,
    score      INTEGER NOT NULL,
    best       INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX guess_rounds_updated ON guess_rounds (updated_at);
