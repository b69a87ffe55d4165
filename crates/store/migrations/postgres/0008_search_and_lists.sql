-- Full-text search over posts, works and people.
--
-- The index is derived data: written in the same transaction as what it
-- indexes, rebuilt whole when its version changes (the store does that on
-- opening a site) and never copied between databases. Documents are made
-- from text already folded by `bestpick_core::search` (lower case, no
-- accents, words one space apart) with the 'simple' configuration, so
-- PostgreSQL and SQLite's FTS5 search the same words, without stemming or
-- stop words, whatever the site's language; this is why the two engines'
-- tables differ here, and only here.
--
-- A post's document is weighted: A its title and its work's names, B the
-- work's people, C the other words (summary, tags, lines), D the body.
-- `excerpt` is the original text snippets are cut from.
CREATE TABLE search_posts (
    post_id  BIGINT PRIMARY KEY REFERENCES posts (id) ON DELETE CASCADE,
    excerpt  TEXT NOT NULL,
    document TSVECTOR NOT NULL
);
CREATE INDEX search_posts_document ON search_posts USING GIN (document);

-- A work's names (name, original name, year).
CREATE TABLE search_works (
    work_id  BIGINT PRIMARY KEY REFERENCES works (id) ON DELETE CASCADE,
    document TSVECTOR NOT NULL
);
CREATE INDEX search_works_document ON search_works USING GIN (document);

-- A person's name.
CREATE TABLE search_people (
    person_id BIGINT PRIMARY KEY REFERENCES people (id) ON DELETE CASCADE,
    document  TSVECTOR NOT NULL
);
CREATE INDEX search_people_document ON search_people USING GIN (document);

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
