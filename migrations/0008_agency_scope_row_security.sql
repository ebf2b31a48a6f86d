-- Row-level security as a second guard on personal data. A session that takes the role engagement_agency_scope
-- (SET LOCAL ROLE, as src/db/agency-scope.ts does for participant reads) sees only rows of the agency named in
-- app.agency_id, whatever its query says. The owning role is not subject to it (migrations, seed, aggregates).
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'engagement_agency_scope') THEN
    CREATE ROLE engagement_agency_scope NOLOGIN;
  END IF;
  IF NOT pg_has_role(current_user, 'engagement_agency_scope', 'MEMBER') THEN
    EXECUTE format('GRANT engagement_agency_scope TO %I', current_user);
  END IF;
  GRANT USAGE ON SCHEMA public TO engagement_agency_scope;
  GRANT SELECT ON participants, participant_demographics, attendances TO engagement_agency_scope;
EXCEPTION WHEN insufficient_privilege THEN
  RAISE WARNING 'engagement_agency_scope could not be created or granted; participant reads run without the row-level guard';
END $$;
--> statement-breakpoint
ALTER TABLE participants ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE participant_demographics ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE attendances ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY agency_scope ON participants
  USING (agency_id = nullif(current_setting('app.agency_id', true), '')::uuid);
--> statement-breakpoint
CREATE POLICY agency_scope ON participant_demographics
  USING (agency_id = nullif(current_setting('app.agency_id', true), '')::uuid);
--> statement-breakpoint
CREATE POLICY agency_scope ON attendances
  USING (agency_id = nullif(current_setting('app.agency_id', true), '')::uuid);
