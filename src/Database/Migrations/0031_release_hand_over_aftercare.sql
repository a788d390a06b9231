-- 0031: release hand-over (刑满释放人员衔接) and aftercare (帮教), issue 29.
--
-- A release notice names a key person and the community receiving them. The community confirms receipt by confirm_by;
-- on confirmation first_visit_by is set, and the first visit that found the person (key_person_visit, not 'absent')
-- after the confirmation ends it. The person's grain offers the open deadline to the rules: `releaseReceipt` while
-- notified, `releaseFirstVisit` while confirmed and not yet visited; overdue, the demo rules raise alerts that escalate.
CREATE TABLE release_notice (
    id             text        PRIMARY KEY,
    person_id      text        NOT NULL REFERENCES key_person (id),
    community_code text        NOT NULL REFERENCES unit_map (code),
    released_at    timestamptz NOT NULL,
    note           text        NOT NULL DEFAULT '' CHECK (length(note) <= 2000),
    notified_by    text        NOT NULL,
    notified_at    timestamptz NOT NULL,
    confirm_by     timestamptz NOT NULL,
    visit_within   interval    NOT NULL CHECK (visit_within > interval '0'),
    state          text        NOT NULL DEFAULT 'notified' CHECK (state IN ('notified', 'confirmed')),
    confirmed_by   text,
    confirmed_at   timestamptz,
    first_visit_by timestamptz,
    CHECK (confirm_by > notified_at),
    CHECK ((state = 'confirmed') = (confirmed_at IS NOT NULL AND first_visit_by IS NOT NULL))
);
CREATE INDEX release_notice_by_person ON release_notice (person_id, notified_at DESC);
CREATE INDEX release_notice_by_community ON release_notice (community_code text_pattern_ops, notified_at DESC, id);
GRANT SELECT, INSERT, UPDATE ON release_notice TO {{app_role}};

-- 帮教: for those with no home, job or family — their needs, a helper, support tasks with deadlines and outcomes.
-- An open task's due_at is offered to the rules as the deadline `aftercareTask` (the earliest one).
CREATE TABLE aftercare_plan (
    person_id   text        PRIMARY KEY REFERENCES key_person (id),
    needs       text[]      NOT NULL DEFAULT '{}',
    helper      text        NOT NULL DEFAULT '' CHECK (length(helper) <= 200),
    note        text        NOT NULL DEFAULT '' CHECK (length(note) <= 2000),
    updated_by  text        NOT NULL,
    updated_at  timestamptz NOT NULL,
    CHECK (needs <@ ARRAY['housing', 'employment', 'family', 'income', 'health', 'other']::text[])
);
GRANT SELECT, INSERT, UPDATE ON aftercare_plan TO {{app_role}};

CREATE TABLE aftercare_task (
    id         text        PRIMARY KEY,
    person_id  text        NOT NULL REFERENCES key_person (id),
    title      text        NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    due_at     timestamptz NOT NULL,
    created_by text        NOT NULL,
    created_at timestamptz NOT NULL,
    outcome    text        CHECK (length(outcome) <= 2000),
    done_by    text,
    done_at    timestamptz,
    CHECK ((outcome IS NULL) = (done_at IS NULL))
);
CREATE INDEX aftercare_task_by_person ON aftercare_task (person_id, due_at);
GRANT SELECT, INSERT, UPDATE ON aftercare_task TO {{app_role}};
