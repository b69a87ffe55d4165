-- Mail: the outgoing queue, newsletter subscribers, and what was mailed.

-- Each message is rendered when queued and kept until sent; a restart
-- loses none. A failed try is retried later and later (`next_at`), and a
-- message a day old that still cannot be sent is given up, with why.
CREATE TABLE mail_queue (
    id          INTEGER PRIMARY KEY,
    -- reply, confirm, newsletter, test
    kind        TEXT NOT NULL,
    recipient   TEXT NOT NULL,
    subject     TEXT NOT NULL,
    text_body   TEXT NOT NULL,
    html_body   TEXT NOT NULL,
    -- The one-click unsubscribe address (List-Unsubscribe), if any.
    unsubscribe TEXT,
    created_at  INTEGER NOT NULL,
    next_at     INTEGER NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    sent_at     INTEGER,
    gave_up_at  INTEGER,
    last_error  TEXT
);
CREATE INDEX mail_queue_due ON mail_queue (next_at) WHERE sent_at IS NULL AND gave_up_at IS NULL;

-- Readers who asked for the newsletter. Double opt-in: `pending` until the
-- address's owner follows the link mailed to it.
CREATE TABLE subscribers (
    id              INTEGER PRIMARY KEY,
    email           TEXT NOT NULL UNIQUE,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'confirmed', 'unsubscribed')),
    created_at      INTEGER NOT NULL,
    confirmed_at    INTEGER,
    unsubscribed_at INTEGER
);

-- What has been mailed about, so nothing is mailed twice: a reply's
-- notification ('reply', the reply's id) and a post's newsletter ('post',
-- the post's id).
CREATE TABLE mailed (
    kind      TEXT NOT NULL CHECK (kind IN ('reply', 'post')),
    target_id INTEGER NOT NULL,
    at        INTEGER NOT NULL,
    PRIMARY KEY (kind, target_id)
);
