-- What moderators did to each comment, so one press can be undone and a
-- comment shows its history.

-- One row per comment per action. `batch` is the press that made it: a
-- bulk action's rows share it, and Undo takes them back together. No
-- foreign key on `comment_id`: a comment deleted for good keeps its row
-- while the delete can still be undone. `email` is the comment writer's,
-- so erasing a commenter finds these rows too.
CREATE TABLE comment_actions (
    id             INTEGER PRIMARY KEY,
    batch          TEXT NOT NULL,
    comment_id     INTEGER NOT NULL,
    email          TEXT NOT NULL,
    user_id        INTEGER REFERENCES users (id) ON DELETE SET NULL,
    action         TEXT NOT NULL CHECK (action IN ('approve', 'spam', 'trash', 'restore', 'delete', 'undo')),
    from_status    TEXT NOT NULL,
    from_approved  INTEGER NOT NULL DEFAULT 0,
    -- Where the comment went; NULL when it was deleted.
    to_status      TEXT,
    -- The decision this action taught the spam filter, withdrawn on undo.
    decision_id    INTEGER,
    at             INTEGER NOT NULL,
    undone_at      INTEGER
);
CREATE INDEX comment_actions_comment ON comment_actions (comment_id, id);
CREATE INDEX comment_actions_batch ON comment_actions (batch);
CREATE INDEX comment_actions_email ON comment_actions (email);

-- Comments deleted for good, held while the delete can be undone (then
-- removed by the next delete or the hourly maintenance). The columns of
-- `comments`, plus when it was deleted, by which press (`batch`: an undo
-- brings back the comment its own press deleted, never a newer one that
-- took the id) and the replies whose parent it was (a JSON list of ids:
-- the delete left them at the top).
CREATE TABLE deleted_comments (
    id             INTEGER PRIMARY KEY,
    post_id        INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    parent_id      INTEGER,
    depth          INTEGER NOT NULL DEFAULT 0,
    name           TEXT NOT NULL,
    email          TEXT NOT NULL,
    website        TEXT,
    user_id        INTEGER REFERENCES users (id) ON DELETE SET NULL,
    body           TEXT NOT NULL,
    body_html      TEXT NOT NULL,
    status         TEXT NOT NULL,
    score          REAL,
    reasons        TEXT NOT NULL DEFAULT '[]',
    ip             TEXT NOT NULL,
    network        TEXT NOT NULL,
    ip_truncated   INTEGER NOT NULL DEFAULT 0,
    notify         INTEGER NOT NULL DEFAULT 0,
    approved       INTEGER NOT NULL DEFAULT 0,
    fingerprint    TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    status_at      INTEGER NOT NULL,
    deleted_at     INTEGER NOT NULL,
    batch          TEXT NOT NULL,
    replies        TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX deleted_comments_at ON deleted_comments (deleted_at);
CREATE INDEX deleted_comments_email ON deleted_comments (email);

-- What the commented post was about when the moderator decided (its title,
-- summary, work, people, tags; one per line, `Store::post_context`): the
-- spam filter learns and replays a decision with it. Decisions stored
-- before this step have none.
ALTER TABLE spam_decisions ADD COLUMN context TEXT NOT NULL DEFAULT '';
