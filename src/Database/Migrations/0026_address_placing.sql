-- 0026: a resident's address_string is placed through the standard addresses (标准地址): the live addresses by their
-- text as one run (红星路二段12号3栋2单元502), and by road and number (a building's door), for exact lookup.
CREATE INDEX registry_address_by_text ON registry_address
    ((road || number || coalesce(building, '') || coalesce(unit, '') || coalesce(room, ''))) WHERE removed_at IS NULL;
CREATE INDEX registry_address_by_door ON registry_address ((road || number)) WHERE removed_at IS NULL;
