-- 0019: a placeholder on branch citizens only, so this branch's migrations run without a gap before 0021.
-- The other branches of this round own 0019; delete this file when merging them.
SELECT 1;
