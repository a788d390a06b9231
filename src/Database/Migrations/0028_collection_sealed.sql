-- The personal identifiers a grid worker collects (a person's ID number and phone: the registries' sealed fields, kept in
-- registry_person only encrypted) are kept out of collection_record.data too: the collection store moves them, encrypted with
-- the registries' PersonalDataCipher (AES-GCM, key Registries:PersonalDataKey from configuration), into this column as one
-- sealed JSON object, and opens them only when it reads a record (the review masks them, the approval applies them).
-- The key is not in the database, so this migration cannot encrypt the rows stored before it: the collection store seals
-- them itself at its first use after start-up (CollectionRecords.SealStoredAsync, idempotent: only rows still holding a
-- sealed field in clear are touched).
ALTER TABLE collection_record ADD COLUMN sealed bytea;
