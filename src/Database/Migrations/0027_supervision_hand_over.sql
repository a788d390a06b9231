-- 0027: cross-district supervision hand-over (异地协作监管). A district asks another to take over a key person's
-- supervision; the receiving district answers (accept / refuse) by respond_by. While a request is open the person's
-- grain offers the deadline `handOver` to the rules, so an unanswered request raises an overdue alert that escalates
-- like any other. On acceptance the person's grid (and with it the allowed area, the responsible unit) moves; their
-- visits, check-ins and forbidden places are keyed by the person and move with them.
CREATE TABLE key_person_hand_over (
    id           text        PRIMARY KEY,
    person_id    text        NOT NULL REFERENCES key_person (id),
    from_grid    text        NOT NULL REFERENCES unit_map (code),
    to_grid      text        NOT NULL REFERENCES unit_map (code),
    reason       text        NOT NULL DEFAULT '' CHECK (length(reason) <= 2000),
    requested_by text        NOT NULL,
    requested_at timestamptz NOT NULL,
    respond_by   timestamptz NOT NULL,
    state        text        NOT NULL DEFAULT 'requested' CHECK (state IN ('requested', 'accepted', 'refused', 'withdrawn')),
    answered_by  text,
    answered_at  timestamptz,
    answer_note  text        CHECK (length(answer_note) <= 2000),
    CHECK (respond_by > requested_at),
    CHECK ((state = 'requested') = (answered_at IS NULL))
);
-- At most one open request per person.
CREATE UNIQUE INDEX key_person_hand_over_open ON key_person_hand_over (person_id) WHERE state = 'requested';
CREATE INDEX key_person_hand_over_by_person ON key_person_hand_over (person_id, requested_at DESC);

GRANT SELECT, INSERT, UPDATE ON key_person_hand_over TO {{app_role}};
