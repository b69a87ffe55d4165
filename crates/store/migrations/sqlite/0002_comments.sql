-- Reader comments, the spam filter's memory, and blocklists.

CREATE TABLE comments (
    id             INTEGER PRIMARY KEY,
    post_id        INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    -- A reply's parent; an erased parent leaves its replies at the top.
    parent_id      INTEGER REFERENCES comments (id) ON DELETE SET NULL,
    depth          INTEGER NOT NULL DEFAULT 0,
    name           TEXT NOT NULL,
    -- Lowercased; never shown to readers.
    email          TEXT NOT NULL,
    website        TEXT,
    -- Set when a logged-in member of the team wrote it.
    user_id        INTEGER REFERENCES users (id) ON DELETE SET NULL,
    body           TEXT NOT NULL,
    body_html      TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('pending', 'published', 'spam', 'trash')),
    -- The classifier's probability of spam, when it was asked.
    score          REAL,
    -- JSON list: the rule that fired, or the features that weighed most.
    reasons        TEXT NOT NULL DEFAULT '[]',
    -- Full address while needed for rate limits and spam, then truncated.
    ip             TEXT NOT NULL,
    network        TEXT NOT NULL,
    ip_truncated   INTEGER NOT NULL DEFAULT 0,
    notify         INTEGER NOT NULL DEFAULT 0,
    -- A moderator approved it: its author is trusted more afterwards.
    approved       INTEGER NOT NULL DEFAULT 0,
    fingerprint    TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    status_at      INTEGER NOT NULL
);
CREATE INDEX comments_post ON comments (post_id, status, created_at);
CREATE INDEX comments_status ON comments (status, status_at);
CREATE INDEX comments_email ON comments (email);
CREATE INDEX comments_ip ON comments (ip, created_at);
CREATE INDEX comments_network ON comments (network, created_at);
CREATE INDEX comments_fingerprint ON comments (fingerprint, created_at);
CREATE INDEX comments_created ON comments (created_at);

-- Every moderator decision that teaches the classifier, replayed on start.
-- The writer's email stays with it so erasing a commenter finds it after
-- the comment itself is gone.
CREATE TABLE spam_decisions (
    id          INTEGER PRIMARY KEY,
    comment_id  INTEGER REFERENCES comments (id) ON DELETE SET NULL,
    email       TEXT NOT NULL,
    body        TEXT NOT NULL,
    spam        INTEGER NOT NULL,
    user_id     INTEGER REFERENCES users (id) ON DELETE SET NULL,
    decided_at  INTEGER NOT NULL
);

CREATE INDEX spam_decisions_email ON spam_decisions (email);

CREATE TABLE blocklist (
    kind        TEXT NOT NULL CHECK (kind IN ('word', 'email', 'ip', 'domain')),
    value       TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (kind, value)
);

ALTER TABLE posts ADD COLUMN comments_closed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sections ADD COLUMN comments_closed INTEGER NOT NULL DEFAULT 0;
