-- The PostgreSQL twin of sqlite/0004_api_tokens.sql. What differs: the
-- expiry is BIGINT rather than INTEGER, so it decodes as i64 like every
-- other time.

-- API tokens can end: an optional expiry (Unix seconds; NULL never
-- expires), checked on every use. The token itself is still kept only as
-- its SHA-256 hash (it is 256 random bits, so a fast hash is enough; a
-- password needs Argon2 because people choose guessable ones). `prefix`
-- keeps its first characters so `bestpick token list` can tell tokens
-- apart without showing them.
ALTER TABLE api_tokens ADD COLUMN expires_at BIGINT;
ALTER TABLE api_tokens ADD COLUMN prefix TEXT NOT NULL DEFAULT '';
