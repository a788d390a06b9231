-- 0002: operators and their refresh tokens, device credentials, and the sequenced event log.

-- Operators of the supervision centres and their scope: a role and a unit code (prefix scope).
CREATE TABLE operator_account (
    username      text        PRIMARY KEY,
    display_name  text        NOT NULL,
    password_hash text        NOT NULL,
    role          text        NOT NULL CHECK (role IN ('admin', 'operator', 'staff', 'worker', 'corrections', 'auditor')),
    unit_code     text        NOT NULL CHECK (unit_code ~ '^[0-9]{4}([0-9]{2}([0-9]{3}){0,3})?$'),
    disabled      boolean     NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- Refresh tokens, stored as SHA-256 hashes. Each use rotates the token within its family; a token
-- presented after it was rotated means it leaked, and the whole family is revoked.
CREATE TABLE refresh_token (
    token_hash bytea       PRIMARY KEY,
    username   text        NOT NULL REFERENCES operator_account (username) ON DELETE CASCADE,
    family_id  uuid        NOT NULL,
    issued_at  timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    revoked_at timestamptz
);
CREATE INDEX refresh_token_by_family ON refresh_token (family_id);

-- Per-device keys. The key a device holds is "<device_id>.<secret>"; only SHA-256(secret) is kept.
CREATE TABLE device_credential (
    device_id   text        PRIMARY KEY,
    secret_hash bytea       NOT NULL,
    kind        text        NOT NULL CHECK (kind IN ('worker-phone', 'wristband', 'person-phone')),
    bound_to    text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);

-- The durable event log: per district, a gap-free sequence assigned by the district's single writer.
-- (district_code, seq) is the key, so a second writer during fail-over cannot fork the log; a retried
-- append finds its rows by (caller, op_id, op_index). Payloads never hold unmasked personal data.
CREATE TABLE event_log (
    district_code text        NOT NULL CHECK (district_code ~ '^[0-9]{6}$'),
    seq           bigint      NOT NULL CHECK (seq > 0),
    unit_code     text        NOT NULL,
    type          text        NOT NULL,
    occurred_at   timestamptz NOT NULL,
    actor         text        NOT NULL,
    payload       json        NOT NULL,  -- json, not jsonb: kept byte for byte, so a retry is answered exactly as first stored
    caller        text        NOT NULL,
    op_id         text        NOT NULL,
    op_index      integer     NOT NULL,
    committed_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (district_code, seq),
    UNIQUE (district_code, caller, op_id, op_index),
    CHECK (left(unit_code, 6) = district_code)
);

GRANT SELECT, INSERT, UPDATE ON operator_account TO {{app_role}};
GRANT SELECT, INSERT, UPDATE, DELETE ON refresh_token TO {{app_role}};
GRANT SELECT, INSERT, UPDATE ON device_credential TO {{app_role}};
-- Append-only for the application: it may add and read events, never change or remove them.
GRANT SELECT, INSERT ON event_log TO {{app_role}};
