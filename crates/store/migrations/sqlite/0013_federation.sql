-- Federation: the actors we have met, who follows us, what we deliver,
-- and what came back (replies, likes, boosts).

-- Other servers' actors, as last fetched: where to deliver to them, the
-- key their signatures are checked with, and how to show them.
CREATE TABLE remote_actors (
    id           TEXT PRIMARY KEY,
    inbox        TEXT NOT NULL,
    shared_inbox TEXT,
    key_id       TEXT NOT NULL,
    public_pem   TEXT NOT NULL,
    -- The display name (or user name) and @user@host.
    name         TEXT NOT NULL,
    handle       TEXT NOT NULL,
    -- Their profile page and avatar, when they have them.
    url          TEXT,
    icon         TEXT,
    fetched_at   INTEGER NOT NULL
);
CREATE INDEX remote_actors_key ON remote_actors (key_id);

-- Who follows the site ('site') or an author ('user:ID').
CREATE TABLE followers (
    local_actor TEXT NOT NULL,
    actor_id    TEXT NOT NULL REFERENCES remote_actors (id) ON DELETE CASCADE,
    -- The Follow's id, which an Undo names.
    follow_id   TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (local_actor, actor_id)
);

-- Blocked servers ('domain', a host name) and accounts ('actor', an id):
-- nothing of theirs is taken in and nothing is delivered to them.
CREATE TABLE federation_blocks (
    kind       TEXT NOT NULL CHECK (kind IN ('domain', 'actor')),
    value      TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (kind, value)
);

-- Activities to deliver, one row per inbox, signed when sent. Kept like
-- the mail queue: retried later and later, given up after two days (or
-- at once when the server says it never will take it).
CREATE TABLE deliveries (
    id           INTEGER PRIMARY KEY,
    inbox        TEXT NOT NULL,
    -- The local actor whose key signs: 'site' or 'user:ID'.
    signer       TEXT NOT NULL,
    -- Create, Update, Delete, Announce, Accept
    kind         TEXT NOT NULL,
    -- The post it is about: a newer activity about it replaces one waiting.
    post_id      INTEGER,
    activity     TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    next_at      INTEGER NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    delivered_at INTEGER,
    gave_up_at   INTEGER,
    last_error   TEXT
);
CREATE INDEX deliveries_due ON deliveries (next_at) WHERE delivered_at IS NULL AND gave_up_at IS NULL;
CREATE INDEX deliveries_post ON deliveries (post_id) WHERE delivered_at IS NULL AND gave_up_at IS NULL;

-- What followers were last told of each post: the post's `updated_at`
-- then and a digest of the object sent (none: that it was taken down). A
-- visible post not here, or told gone, is new to them; one edited since
-- (or in the second it was told) is compared by digest; one told of that
-- is no longer visible was taken down.
CREATE TABLE federated_posts (
    -- No foreign key: a deleted post's row stays, for its Delete.
    post_id    INTEGER PRIMARY KEY,
    -- When the post was first saved, as its object's id says: a post that
    -- takes a deleted post's id (SQLite reuses it) is another object.
    created_at INTEGER NOT NULL,
    -- The author whose actor the post was sent as ('user:ID').
    actor      TEXT NOT NULL,
    version    INTEGER NOT NULL,
    digest     TEXT,
    sent_at    INTEGER NOT NULL
);

-- Replies from the fediverse, stored as comments: the Note's id, so an
-- edit or a deletion finds its comment.
CREATE TABLE remote_comments (
    object_id  TEXT PRIMARY KEY,
    comment_id INTEGER NOT NULL UNIQUE REFERENCES comments (id) ON DELETE CASCADE,
    actor_id   TEXT NOT NULL
);

-- Likes and boosts of posts, one per activity, so an Undo takes it back.
CREATE TABLE reactions (
    activity_id TEXT PRIMARY KEY,
    post_id     INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    actor_id    TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('like', 'boost')),
    created_at  INTEGER NOT NULL,
    UNIQUE (post_id, actor_id, kind)
);

-- A commenter's picture: a fediverse reply's avatar.
ALTER TABLE comments ADD COLUMN avatar TEXT;
