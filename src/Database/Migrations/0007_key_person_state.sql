-- 0007: a key person's state (normal / attention / violation), written by the person's grain when it
-- changes, so lists show it without waking every person's grain.
ALTER TABLE key_person ADD COLUMN state text NOT NULL DEFAULT 'normal' CHECK (state IN ('normal', 'attention', 'violation'));
