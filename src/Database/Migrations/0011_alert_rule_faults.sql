-- 0011: a rule whose evaluation throws is isolated — skipped, logged once — and flagged here, once per
-- rule version, so that the rules API can show it as faulty.
CREATE TABLE alert_rule_fault (
    rule_id     text        NOT NULL,
    version     integer     NOT NULL,
    error       text        NOT NULL,
    first_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (rule_id, version),
    FOREIGN KEY (rule_id, version) REFERENCES alert_rule (id, version)
);

GRANT SELECT, INSERT ON alert_rule_fault TO {{app_role}};
