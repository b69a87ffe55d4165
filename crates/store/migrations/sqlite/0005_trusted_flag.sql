-- The index of approved commenters, with the flag written as a condition
-- of its own (`approved`) rather than compared with 1: PostgreSQL keeps it
-- as a BOOLEAN, which is never equal to an integer, and SQLite uses a
-- partial index only for a query whose condition repeats the index's, so
-- both engines now read one query: `... AND approved AND status = 'published'`.
DROP INDEX comments_trusted;
CREATE INDEX comments_trusted ON comments (email) WHERE approved AND status = 'published';
