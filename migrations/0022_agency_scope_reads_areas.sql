-- Area filters take in the areas within the one named (areas.lineage), so a participant read running as
-- engagement_agency_scope reads areas too: public reference data, without row-level security.
DO $$
BEGIN
  GRANT SELECT ON areas TO engagement_agency_scope;
EXCEPTION WHEN insufficient_privilege OR undefined_object THEN
  RAISE WARNING 'engagement_agency_scope could not be granted SELECT on areas; participant reads by area fail where it exists';
END $$;
