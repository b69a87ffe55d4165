-- What several instances of one site must count together, kept in the
-- database rather than in one process's memory.

-- Login attempts per key: an account from an address (`pair|...`), an
-- account (`user|...`), an address (`ip|...`), each kept as its SHA-256. A key's attempts count from
-- `window_start_ms` and start over once the window has passed; `last_ms` is
-- the last attempt let in, from which the next delay runs (milliseconds: a
-- one-second delay measured in whole seconds could be a few milliseconds).
-- `known`: the account logged in from this address (pair keys only), so
-- guesses at the account from elsewhere do not slow its owner here.
CREATE TABLE login_limits (
    key             TEXT PRIMARY KEY,
    attempts        INTEGER NOT NULL DEFAULT 0,
    window_start_ms INTEGER NOT NULL,
    last_ms         INTEGER NOT NULL,
    known           INTEGER NOT NULL DEFAULT 0
);

-- Jobs that run once across instances (spam expiry, address truncation):
-- an instance runs one only after claiming it, which moves `ran_at`.
CREATE TABLE job_runs (
    name   TEXT PRIMARY KEY,
    ran_at INTEGER NOT NULL
);
