-- 0036: campaigns (专项整治) of issue 29 — the floating-population campaign day (流动人口专项整治日) with its 四级联控.

-- A campaign within a unit: one task per floating resident (流动人口) of the unit whose residence registration (居住登记) expires
-- by registration_due_before, each in the resident's grid, to be visited by due_at. A grid with open tasks at due_at is a
-- subject of the overdue rules (subject kind 'campaign-grid', deadline 'campaign'), escalated grid → community → street → district.
CREATE TABLE campaign (
    id                      text        PRIMARY KEY,
    unit_code               text        NOT NULL REFERENCES unit_map (code),
    kind                    text        NOT NULL CHECK (kind IN ('floating-registration')),
    title                   text        NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    registration_due_before date        NOT NULL,
    due_at                  timestamptz NOT NULL,
    created_by              text        NOT NULL,
    created_at              timestamptz NOT NULL,
    state                   text        NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed')),
    CHECK (due_at > created_at)
);
CREATE INDEX campaign_by_unit ON campaign (unit_code text_pattern_ops, id);

-- One visit of the campaign: the resident, their grid when the campaign started, and who did it (the worker's device) when.
CREATE TABLE campaign_task (
    id          text        PRIMARY KEY,
    campaign_id text        NOT NULL REFERENCES campaign (id),
    grid_code   text        NOT NULL REFERENCES unit_map (code),
    person_id   text        NOT NULL REFERENCES registry_person (id),
    state       text        NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'done')),
    done_at     timestamptz,
    done_by     text,
    note        text        CHECK (length(note) <= 2000),
    UNIQUE (campaign_id, person_id),
    CHECK ((state = 'done') = (done_at IS NOT NULL AND done_by IS NOT NULL))
);
CREATE INDEX campaign_task_by_campaign ON campaign_task (campaign_id, grid_code);
CREATE INDEX campaign_task_open_by_grid ON campaign_task (grid_code) WHERE state = 'open';

GRANT SELECT, INSERT, UPDATE ON campaign, campaign_task TO {{app_role}};

ALTER TABLE alert_rule DROP CONSTRAINT alert_rule_subject_kind_check;
ALTER TABLE alert_rule ADD CONSTRAINT alert_rule_subject_kind_check
    CHECK (subject_kind IN ('device', 'worker', 'key-person', 'incident', 'grid', 'community', 'key-place', 'campaign-grid'));
