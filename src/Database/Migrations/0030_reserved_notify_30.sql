-- 0030: reserved for the notify branch (issue 28, notifications), which owns this number. A no-op here so that this
-- branch's 0031 and 0032 apply without a gap; DELETE THIS FILE when merging the branch that brings the real 0030.
SELECT 1;
