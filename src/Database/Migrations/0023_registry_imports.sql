-- 0023: the six registries (六类网格基础信息库) come in through the import jobs too. A job of a registry names the
-- source (来源) its values are written under: 'import' unless the caller named another one, checked against the
-- fields' owners (一数一源) like any registry write.
ALTER TABLE import_job DROP CONSTRAINT import_job_kind_check;
ALTER TABLE import_job ADD CONSTRAINT import_job_kind_check CHECK (kind IN (
    'divisions', 'map', 'workers', 'key-persons',
    'address', 'population', 'housing', 'organisation', 'place', 'component'));
ALTER TABLE import_job ADD COLUMN source text;  -- a registry job's source; null for the city model's kinds
