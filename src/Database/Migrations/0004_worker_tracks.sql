-- 0004: tracks of accepted positions, partitioned by day so that old days are dropped whole.

CREATE TABLE device_track (
    device_id   text             NOT NULL,
    subject_id  text             NOT NULL,   -- the worker or key person the device is bound to
    seq         bigint           NOT NULL,
    at          timestamptz      NOT NULL,
    lat         double precision NOT NULL,
    lon         double precision NOT NULL,
    accuracy_m  real,
    received_at timestamptz      NOT NULL
) PARTITION BY RANGE (at);

-- The application role may not create tables; these two functions run as the owner and do only
-- what their names say.
CREATE FUNCTION ensure_track_partition(day date) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $f$
DECLARE
    name text := 'device_track_' || to_char(day, 'YYYYMMDD');
BEGIN
    IF to_regclass(name) IS NULL THEN
        EXECUTE format('CREATE TABLE %I PARTITION OF device_track FOR VALUES FROM (%L) TO (%L)',
                       name, day::timestamp AT TIME ZONE 'UTC', (day + 1)::timestamp AT TIME ZONE 'UTC');
        EXECUTE format('CREATE INDEX %I ON %I (subject_id, at)', name || '_by_subject', name);
    END IF;
END
$f$;

CREATE FUNCTION drop_track_partitions_before(day date) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $f$
DECLARE
    part record;
    dropped integer := 0;
BEGIN
    FOR part IN SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                WHERE i.inhparent = 'device_track'::regclass
                  AND c.relname < 'device_track_' || to_char(day, 'YYYYMMDD') LOOP
        EXECUTE format('DROP TABLE %I', part.relname);
        dropped := dropped + 1;
    END LOOP;
    RETURN dropped;
END
$f$;

REVOKE ALL ON FUNCTION ensure_track_partition(date), drop_track_partitions_before(date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ensure_track_partition(date), drop_track_partitions_before(date) TO {{app_role}};
GRANT SELECT, INSERT ON device_track TO {{app_role}};
