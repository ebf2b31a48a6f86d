-- Every tenant table carries its agency (the distribution key, docs/SCALE.md): a token takes its invitation's.
ALTER TABLE "survey_tokens" ADD COLUMN "agency_id" uuid;--> statement-breakpoint
UPDATE "survey_tokens" t SET "agency_id" = i."agency_id" FROM "survey_invitations" i WHERE i."attendance_id" = t."attendance_id";--> statement-breakpoint
ALTER TABLE "survey_tokens" ALTER COLUMN "agency_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "survey_tokens" ADD CONSTRAINT "survey_tokens_agency_id_agencies_id_fk" FOREIGN KEY ("agency_id") REFERENCES "public"."agencies"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "survey_tokens_agency_idx" ON "survey_tokens" USING btree ("agency_id");
