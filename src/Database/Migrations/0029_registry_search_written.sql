-- The registries' search columns stop being generated columns: an import of a million residents spent most of its time
-- calling registry_grams once per row inside the COPY. The writer's set-based path now computes the same tokens itself
-- (OpsCentre.Database.Registries.RegistryGrams, tested against registry_grams) and sends them with the rows; every
-- other write (a single write, the demo city's load, a future path) leaves the column out, and these triggers fill it
-- as the generated column did: on an insert that leaves it empty, and on an update that changes the text it is made of.
-- The values already stored stay as they are (DROP EXPRESSION keeps them).

ALTER TABLE registry_address ALTER COLUMN search DROP EXPRESSION;
ALTER TABLE registry_person ALTER COLUMN search DROP EXPRESSION;
ALTER TABLE registry_organisation ALTER COLUMN search DROP EXPRESSION;
ALTER TABLE registry_key_place ALTER COLUMN search DROP EXPRESSION;

CREATE FUNCTION registry_address_search() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
    NEW.search := registry_grams(NEW.road || NEW.number || coalesce(NEW.building, '') || coalesce(NEW.unit, '') || coalesce(NEW.room, ''));
    RETURN NEW;
END
$f$;

-- Residents, organisations and key places are searched by their name.
CREATE FUNCTION registry_name_search() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
    NEW.search := registry_grams(NEW.name);
    RETURN NEW;
END
$f$;

CREATE TRIGGER registry_address_search_on_insert BEFORE INSERT ON registry_address
    FOR EACH ROW WHEN (NEW.search IS NULL) EXECUTE FUNCTION registry_address_search();
CREATE TRIGGER registry_address_search_on_update BEFORE UPDATE OF road, number, building, unit, room, search ON registry_address
    FOR EACH ROW WHEN ((NEW.road, NEW.number, NEW.building, NEW.unit, NEW.room) IS DISTINCT FROM (OLD.road, OLD.number, OLD.building, OLD.unit, OLD.room)
                       OR NEW.search IS NULL)
    EXECUTE FUNCTION registry_address_search();

CREATE TRIGGER registry_person_search_on_insert BEFORE INSERT ON registry_person
    FOR EACH ROW WHEN (NEW.search IS NULL) EXECUTE FUNCTION registry_name_search();
CREATE TRIGGER registry_person_search_on_update BEFORE UPDATE OF name, search ON registry_person
    FOR EACH ROW WHEN (NEW.name IS DISTINCT FROM OLD.name OR NEW.search IS NULL) EXECUTE FUNCTION registry_name_search();

CREATE TRIGGER registry_organisation_search_on_insert BEFORE INSERT ON registry_organisation
    FOR EACH ROW WHEN (NEW.search IS NULL) EXECUTE FUNCTION registry_name_search();
CREATE TRIGGER registry_organisation_search_on_update BEFORE UPDATE OF name, search ON registry_organisation
    FOR EACH ROW WHEN (NEW.name IS DISTINCT FROM OLD.name OR NEW.search IS NULL) EXECUTE FUNCTION registry_name_search();

CREATE TRIGGER registry_key_place_search_on_insert BEFORE INSERT ON registry_key_place
    FOR EACH ROW WHEN (NEW.search IS NULL) EXECUTE FUNCTION registry_name_search();
CREATE TRIGGER registry_key_place_search_on_update BEFORE UPDATE OF name, search ON registry_key_place
    FOR EACH ROW WHEN (NEW.name IS DISTINCT FROM OLD.name OR NEW.search IS NULL) EXECUTE FUNCTION registry_name_search();

-- The writer's set-based path holds many rows' GIN entries in the pending list (gin_pending_list_limit raised for its
-- transaction) and moves them into the index in one sorted pass at the end; moving them is the index owner's right,
-- which the application's role is given for these four indexes only.
CREATE FUNCTION registry_flush_search(registry_table text) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $f$
BEGIN
    IF registry_table NOT IN ('registry_address', 'registry_person', 'registry_organisation', 'registry_key_place') THEN
        RAISE EXCEPTION 'no search index on %', registry_table;
    END IF;
    RETURN gin_clean_pending_list((registry_table || '_search')::regclass);
END
$f$;
REVOKE ALL ON FUNCTION registry_flush_search(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION registry_flush_search(text) TO {{app_role}};
