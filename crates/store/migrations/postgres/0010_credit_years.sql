-- A credit carries its work's year (written with the credit; a work's
-- credits are written again whenever the work is), so that a pick's
-- related picks read each shared person's works nearest its year from an
-- index: a prolific director's thousand films are not all weighed again
-- for every list.
ALTER TABLE credits ADD COLUMN year BIGINT;
UPDATE credits SET year = (SELECT w.year FROM works w WHERE w.id = credits.work_id);
CREATE INDEX credits_person_year ON credits (person_id, year, work_id);
-- The new index begins with what this one held.
DROP INDEX credits_person;
