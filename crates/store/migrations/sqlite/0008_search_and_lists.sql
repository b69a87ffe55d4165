-- Full-text search over posts, works and people.
--
-- The index is derived data: written in the same transaction as what it
-- indexes, rebuilt whole when its version changes (the store does that on
-- opening a site) and never copied between databases. Its indexed columns
-- hold text already folded by `bestpick_core::search` (lower case, no
-- accents, words one space apart), so SQLite's FTS5 and PostgreSQL's
-- tsvector search the same words; this is why the two engines' tables
-- differ here, and only here.
--
-- A post's row has its id as rowid. Columns are weighted by the query
-- (bm25): the title most, then the work's names, its people, the other
-- words (summary, tags, lines), the body. `excerpt` is the original text
-- snippets are cut from.
CREATE VIRTUAL TABLE search_posts USING fts5(
    title, names, people, words, body, excerpt UNINDEXED,
    tokenize = 'unicode61', prefix = '2 3'
);

-- A work's names (name, original name, year), rowid its id.
CREATE VIRTUAL TABLE search_works USING fts5(
    names, tokenize = 'unicode61', prefix = '2 3'
);

-- A person's name, rowid their id.
CREATE VIRTUAL TABLE search_people USING fts5(
    name, tokenize = 'unicode61', prefix = '2 3'
);

-- Whether a work (or a person) has anything readers may see is asked for
-- every work a search, a list or a page names: one look-up in this index,
-- where (status, published_at) alone would walk every published post.
CREATE INDEX posts_work_visible ON posts (work_id, status, published_at);

-- A page of a list reads its posts newest first, straight from an index
-- that starts with what the list is of (a section, a kind) and ends with
-- the page's cursor (published_at, id), so the page costs the same on a
-- site of ten posts or of a hundred thousand, however deep it is.
CREATE INDEX posts_section_visible ON posts (section_id, status, published_at, id);
CREATE INDEX posts_kind_visible ON posts (kind, status, published_at, id);
-- Every published post, newest first: what a tag's or an author's page
-- walks, asking each post whether it is theirs.
CREATE INDEX posts_published ON posts (status, published_at, id);
DROP INDEX posts_section;
DROP INDEX posts_listing;
