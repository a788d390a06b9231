-- A registry's first load (the city's population file: a million lines into an empty table) writes its rows first and
-- builds the table's secondary indexes afterwards, each in one sorted pass, instead of entry by entry into seven
-- indexes, two of them on random keyed hashes: for a million residents about ten seconds of PostgreSQL's time instead
-- of about thirty (docs/benchmarks.md, "Registry import"). Dropping and building indexes is the tables' owner's right;
-- the application's role is given these two functions, for the six registries only, and nothing else.
--
-- Both run inside the import's own transaction: should it roll back, the indexes were never gone, and a unique index
-- that cannot be built (an ID number or a component code twice) fails the statement as the row's insert would have.
-- From the first until the transaction ends the table is locked against every other reader and writer (the drop's
-- ACCESS EXCLUSIVE lock): an empty registry's first load can afford that; a table with rows is never touched.

CREATE TABLE registry_deferred_index (
    index_name  text PRIMARY KEY,
    table_name  text NOT NULL,
    definition  text NOT NULL
);

-- Drops the secondary indexes of an empty registry table (not its primary key, nor an index behind a constraint), keeping
-- their definitions for registry_restore_indexes; answers how many. A table with rows keeps its indexes and answers 0.
CREATE FUNCTION registry_defer_indexes(registry_table text) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $f$
DECLARE
    has_rows boolean;
    deferred integer := 0;
    ix record;
BEGIN
    IF registry_table NOT IN ('registry_address', 'registry_person', 'registry_housing', 'registry_organisation',
                              'registry_key_place', 'registry_component') THEN
        RAISE EXCEPTION 'not a registry table: %', registry_table;
    END IF;
    -- Looked at before the lock, so that a table with rows is never locked; looked at again under it, since a row may
    -- have been committed in between.
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I)', registry_table) INTO has_rows;
    IF has_rows THEN
        RETURN 0;
    END IF;
    EXECUTE format('LOCK TABLE %I IN ACCESS EXCLUSIVE MODE', registry_table);
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I)', registry_table) INTO has_rows;
    IF has_rows THEN
        RETURN 0;
    END IF;
    FOR ix IN
        SELECT c.relname AS name, pg_get_indexdef(i.indexrelid) AS definition
        FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
        WHERE i.indrelid = registry_table::regclass AND NOT i.indisprimary
          AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
    LOOP
        INSERT INTO registry_deferred_index (index_name, table_name, definition) VALUES (ix.name, registry_table, ix.definition);
        EXECUTE format('DROP INDEX %I', ix.name);
        deferred := deferred + 1;
    END LOOP;
    RETURN deferred;
END
$f$;

-- Builds again every index registry_defer_indexes dropped from the table; answers how many.
CREATE FUNCTION registry_restore_indexes(registry_table text) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public SET maintenance_work_mem = '256MB' AS $f$
DECLARE
    restored integer := 0;
    ix record;
BEGIN
    FOR ix IN DELETE FROM registry_deferred_index WHERE table_name = registry_table RETURNING definition LOOP
        EXECUTE ix.definition;
        restored := restored + 1;
    END LOOP;
    RETURN restored;
END
$f$;

REVOKE ALL ON FUNCTION registry_defer_indexes(text), registry_restore_indexes(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION registry_defer_indexes(text), registry_restore_indexes(text) TO {{app_role}};
