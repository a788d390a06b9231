-- 0025: the rest of the social service platform (社会化服务平台).
-- Photos: one attachment store for the photos of cases. Each row is a photo as the gateway re-encoded it (decoded,
-- metadata such as GPS EXIF dropped, bounded in size, written as JPEG); the upload itself is never kept. Rows are
-- written in the transaction that acknowledges the report they came with.
CREATE TABLE case_photo (
    id           uuid        PRIMARY KEY,
    case_id      text        NOT NULL,
    purpose      text        NOT NULL CHECK (purpose IN ('report')),   -- what the photo shows: the problem as reported
    position     integer     NOT NULL CHECK (position >= 0),           -- order within the case
    content_type text        NOT NULL CHECK (content_type = 'image/jpeg'),
    width        integer     NOT NULL CHECK (width > 0),
    height       integer     NOT NULL CHECK (height > 0),
    content      bytea       NOT NULL,
    added_by     text        NOT NULL,                                  -- 'resident', or the operator's username
    added_at     timestamptz NOT NULL,
    UNIQUE (case_id, position)
);

GRANT SELECT, INSERT ON case_photo TO {{app_role}};

-- The 12345 hotline (市民服务热线): its operators take calls as cases. The call's facts sit beside the case; the
-- first receiver (首接负责) is the hotline operator who took it and follows it; the feedback deadline (反馈时限) by the
-- call's urgency class caps the case's stage deadlines.
ALTER TABLE operator_account DROP CONSTRAINT operator_account_role_check;
ALTER TABLE operator_account ADD CONSTRAINT operator_account_role_check
    CHECK (role IN ('admin', 'operator', 'staff', 'worker', 'corrections', 'auditor', 'department', 'hotline'));

CREATE TABLE hotline_call (
    case_id        text        PRIMARY KEY,
    urgency_class  text        NOT NULL CHECK (urgency_class IN ('emergency', 'utilities', 'general', 'complex')),
    feedback_due   timestamptz NOT NULL,
    taken_by       text        NOT NULL,   -- the first receiver: the hotline operator's username
    taken_unit     text        NOT NULL,   -- their unit when they took the call
    taken_at       timestamptz NOT NULL
);
CREATE INDEX hotline_call_by_receiver ON hotline_call (taken_by, taken_at DESC);

-- The caller's number is personal data: apart from the call, read only through the audited contact read.
CREATE TABLE hotline_caller (
    case_id  text PRIMARY KEY REFERENCES hotline_call (case_id),
    phone    text NOT NULL,
    name     text
);

GRANT SELECT, INSERT ON hotline_call TO {{app_role}};
GRANT SELECT, INSERT ON hotline_caller TO {{app_role}};
