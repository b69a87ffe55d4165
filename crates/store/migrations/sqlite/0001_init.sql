-- The first schema of bestpick.
--
-- Times are INTEGER Unix seconds in UTC: they sort and compare as numbers,
-- whatever the engine, and "is it published yet" is one comparison.
-- Lists that are only ever read whole with their row (genres, countries,
-- languages, variants) are JSON arrays in TEXT rather than tables.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'editor', 'author')),
    -- An Argon2id hash in PHC string form: it holds its own salt and parameters,
    -- so parameters can be raised later without a migration.
    password_hash TEXT NOT NULL,
    bio           TEXT,
    created_at    INTEGER NOT NULL
);

-- Login sessions. The cookie holds a random token; only its SHA-256 is kept
-- here, so a copy of the database does not hand out live sessions.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The anti-CSRF token of this session, put in every form it is shown.
    csrf_token TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Bearer tokens for the JSON API, hashed like sessions. A token acts for its user.
CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    token_hash   TEXT NOT NULL UNIQUE,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER
);

CREATE TABLE sections (
    id           INTEGER PRIMARY KEY,
    slug         TEXT NOT NULL UNIQUE,
    name         TEXT NOT NULL,
    description  TEXT NOT NULL DEFAULT '',
    position     INTEGER NOT NULL DEFAULT 0,
    -- A retired section keeps its row so its old addresses answer
    -- 301 to the section that replaced it; its posts move there.
    retired_into INTEGER REFERENCES sections (id),
    created_at   INTEGER NOT NULL
);

-- People have one record (and page) each, shared by every work they are
-- credited on. Two people of the same name share a record: film credits give
-- no better key, and an editor can rename one to tell them apart.
CREATE TABLE people (
    id   INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL
);

CREATE TABLE works (
    id              INTEGER PRIMARY KEY,
    -- name and year, so remakes get their own address
    slug            TEXT NOT NULL UNIQUE,
    kind            TEXT NOT NULL CHECK (kind IN ('movie', 'tv')),
    name            TEXT NOT NULL,
    original_name   TEXT,
    year            INTEGER NOT NULL,
    end_year        INTEGER,
    seasons         INTEGER,
    runtime_minutes INTEGER,
    box_office_usd  INTEGER,
    budget_usd      INTEGER,
    awards          TEXT,
    imdb_id         TEXT UNIQUE,
    poster          TEXT,
    genres          TEXT NOT NULL DEFAULT '[]',
    countries       TEXT NOT NULL DEFAULT '[]',
    languages       TEXT NOT NULL DEFAULT '[]',
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);

-- Who made or played in a work, in the order the credits give.
CREATE TABLE credits (
    work_id   INTEGER NOT NULL REFERENCES works (id) ON DELETE CASCADE,
    person_id INTEGER NOT NULL REFERENCES people (id),
    job       TEXT NOT NULL CHECK (job IN ('director', 'writer', 'cast')),
    -- the character, for cast
    role      TEXT NOT NULL DEFAULT '',
    position  INTEGER NOT NULL,
    PRIMARY KEY (work_id, job, position)
);
CREATE INDEX credits_person ON credits (person_id);

-- Uploaded images. Files live in the data folder's media/ directory; `file`
-- is the stored name of the original and `variants` the resized copies.
CREATE TABLE media (
    id            INTEGER PRIMARY KEY,
    file          TEXT NOT NULL UNIQUE,
    original_name TEXT NOT NULL,
    mime          TEXT NOT NULL,
    width         INTEGER NOT NULL,
    height        INTEGER NOT NULL,
    bytes         INTEGER NOT NULL,
    alt           TEXT NOT NULL,
    caption       TEXT,
    credit        TEXT,
    -- [{"width": 480, "file": "..."}], smallest first
    variants      TEXT NOT NULL DEFAULT '[]',
    created_at    INTEGER NOT NULL
);

CREATE TABLE posts (
    id             INTEGER PRIMARY KEY,
    -- Unique across the site, not per section: a post keeps its slug when its
    -- section is retired, and the API and imports find posts by slug alone.
    slug           TEXT NOT NULL UNIQUE,
    kind           TEXT NOT NULL CHECK (kind IN ('pick', 'essay', 'article')),
    section_id     INTEGER NOT NULL REFERENCES sections (id),
    title          TEXT NOT NULL,
    summary        TEXT,
    body           TEXT NOT NULL DEFAULT '',
    question       TEXT,
    status         TEXT NOT NULL CHECK (status IN ('draft', 'review', 'published')),
    -- For a published post, the time it goes live: a future time makes it
    -- scheduled, and it shows by itself once the time has passed.
    published_at   INTEGER,
    work_id        INTEGER REFERENCES works (id),
    cover_media_id INTEGER REFERENCES media (id),
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);
CREATE INDEX posts_listing ON posts (status, published_at);
CREATE INDEX posts_section ON posts (section_id, published_at);
CREATE INDEX posts_work ON posts (work_id);

CREATE TABLE post_authors (
    post_id  INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    user_id  INTEGER NOT NULL REFERENCES users (id),
    position INTEGER NOT NULL,
    PRIMARY KEY (post_id, user_id)
);
CREATE INDEX post_authors_user ON post_authors (user_id);

CREATE TABLE tags (
    id   INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL
);

CREATE TABLE post_tags (
    post_id INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    tag_id  INTEGER NOT NULL REFERENCES tags (id),
    PRIMARY KEY (post_id, tag_id)
);
CREATE INDEX post_tags_tag ON post_tags (tag_id);

-- Scores as the pick quotes them, at the time of writing: a later post about
-- the same work may quote newer ones. `normalised` is 0-100, for sorting.
CREATE TABLE scores (
    post_id    INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    source     TEXT NOT NULL,
    value      REAL NOT NULL,
    -- set only for sources whose scale is not fixed
    scale      REAL,
    normalised REAL NOT NULL,
    PRIMARY KEY (post_id, position)
);

CREATE TABLE critic_quotes (
    post_id  INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    outlet   TEXT NOT NULL,
    quote    TEXT NOT NULL,
    critic   TEXT,
    link     TEXT,
    PRIMARY KEY (post_id, position)
);

-- Memorable lines, as a pick presents them; the Quotes section gathers them
-- per work through posts.work_id.
CREATE TABLE lines (
    post_id  INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    speaker  TEXT NOT NULL,
    text     TEXT NOT NULL,
    context  TEXT,
    PRIMARY KEY (post_id, position)
);

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Slugs of deleted posts, so their old addresses answer 410 Gone rather than
-- 404 (search engines then drop them), and a new post may reuse none silently.
CREATE TABLE removed_posts (
    slug       TEXT PRIMARY KEY,
    removed_at INTEGER NOT NULL
);
