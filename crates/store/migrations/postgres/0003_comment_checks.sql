-- The PostgreSQL twin of sqlite/0003_comment_checks.sql. What differs:
-- `approved` is BOOLEAN here, so the partial index tests it directly
-- rather than comparing with 1.

-- For every new comment the pipeline asks whether a moderator approved an
-- earlier one with the same email. Without this index that scans every
-- comment ever written with the email; with it, one lookup.
CREATE INDEX comments_trusted ON comments (email) WHERE approved AND status = 'published';

-- The rate limits per address and network are counted in memory now
-- (app/recent.rs); these indexes only slowed every insert.
DROP INDEX comments_ip;
DROP INDEX comments_network;
