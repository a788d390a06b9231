-- 0020: the social service platform (社会化服务平台). A resident's report is a case of the closed loop like any
-- other (incident, event_log: source 'citizen'); this is what the resident brought with it and the follow-up.
-- The follow-up token is kept only as its SHA-256. Contact details are personal data and live apart, in
-- citizen_contact, which no list or event reads; reading them is an audited act of the gateway.
CREATE TABLE citizen_report (
    case_id          text             PRIMARY KEY,
    service_code     text             NOT NULL,
    description      text             NOT NULL,
    lat              double precision NOT NULL,
    lon              double precision NOT NULL,
    address          text,
    token_hash       bytea            NOT NULL,
    requested_at     timestamptz      NOT NULL,
    supporters       integer          NOT NULL DEFAULT 0,  -- duplicate reports counted on this case instead of opening new ones
    rating           text             CHECK (rating IN ('satisfied', 'basically-satisfied', 'unsatisfied')),
    rating_comment   text,
    rated_at         timestamptz,
    reopened_at      timestamptz
);
CREATE INDEX citizen_report_recent ON citizen_report (service_code, requested_at DESC);
CREATE INDEX citizen_report_by_time ON citizen_report (requested_at DESC);

CREATE TABLE citizen_contact (
    case_id  text PRIMARY KEY REFERENCES citizen_report (case_id),
    name     text,
    phone    text,
    email    text
);

GRANT SELECT, INSERT, UPDATE ON citizen_report TO {{app_role}};
GRANT SELECT, INSERT ON citizen_contact TO {{app_role}};
