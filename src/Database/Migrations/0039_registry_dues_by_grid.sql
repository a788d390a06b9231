-- A grid's dues (RegistryDues: residents to re-register, key places to inspect) are counted one grid at a time, on every
-- grid's activation and whenever its registries change. The due-date indexes of 0021 led with the date alone, so the
-- planner took them for "count this grid's residents due by the horizon" and "the next expiry after it" and walked
-- every floating resident of the city in date order, filtering by grid: 14 - 27 ms a count at the city's size, and, as
-- the grids of a starting city came to life, PostgreSQL's largest use of the CPU (docs/benchmarks.md, "At a whole city's
-- rate: 5,000 statuses/s"). Led by the unit instead (text_pattern_ops, so that a district's or street's prefix uses them too), each
-- count reads that grid's own entries only. Every query on these dates names a unit, so the date-only indexes go.

DROP INDEX registry_person_registration_due;
CREATE INDEX registry_person_registration_due ON registry_person (unit_code text_pattern_ops, registration_expiry)
    WHERE residence = 'floating' AND removed_at IS NULL;

DROP INDEX registry_key_place_inspection_due;
CREATE INDEX registry_key_place_inspection_due ON registry_key_place (unit_code text_pattern_ops, next_inspection_due)
    WHERE removed_at IS NULL;
