-- 0033: photos with an operator's or worker's 反馈 (feedback on a handled case), beside the report's. A feedback photo
-- names the action's opId, so an action sent again stores its photos once; the photos are stored before the action is
-- taken and removed again if it is refused (OpsCentre.Gateway.Photos.CasePhotoStore.AddForActionAsync).
ALTER TABLE case_photo DROP CONSTRAINT case_photo_purpose_check;
ALTER TABLE case_photo ADD CONSTRAINT case_photo_purpose_check CHECK (purpose IN ('report', 'feedback'));
ALTER TABLE case_photo ADD COLUMN op_id text;
CREATE INDEX case_photo_by_operation ON case_photo (case_id, op_id) WHERE op_id IS NOT NULL;
GRANT DELETE ON case_photo TO {{app_role}};   -- a refused action's photos go again
