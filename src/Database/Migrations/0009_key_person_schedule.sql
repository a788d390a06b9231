-- 0009: one definition of a person's schedule — which visit counts (one that found the person; an
-- 'absent' visit does not) and when the next one is due — read by the person's grain and by the
-- worker's task list alike.
CREATE VIEW key_person_schedule AS
SELECT k.id, k.grid_code, k.supervision_level, s.check_in_every, s.visit_every, k.supervised_since,
       counted.last_visit,
       coalesce(counted.last_visit, k.supervised_since) + s.visit_every AS visit_due
FROM key_person k
JOIN supervision_schedule s ON s.level = k.supervision_level
LEFT JOIN LATERAL (
    SELECT max(v.visited_at) AS last_visit FROM key_person_visit v WHERE v.person_id = k.id AND v.outcome <> 'absent'
) counted ON true;

GRANT SELECT ON key_person_schedule TO {{app_role}};
