CREATE TABLE "contact_events" (
	"agency_id" uuid NOT NULL,
	"key_hash" text NOT NULL,
	"received_on" date NOT NULL,
	CONSTRAINT "contact_events_pkey" PRIMARY KEY("agency_id","key_hash")
);
--> statement-breakpoint
CREATE TABLE "contact_invitations" (
	"id" uuid PRIMARY KEY NOT NULL,
	"agency_id" uuid NOT NULL,
	"channel" text NOT NULL,
	"address" text NOT NULL,
	"language" text NOT NULL,
	"token" text NOT NULL,
	"send_after" timestamp (3) with time zone NOT NULL,
	"closes_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "contact_opt_outs" (
	"agency_id" uuid NOT NULL,
	"person_hash" text NOT NULL,
	"opted_out_on" date NOT NULL,
	CONSTRAINT "contact_opt_outs_pkey" PRIMARY KEY("agency_id","person_hash")
);
--> statement-breakpoint
CREATE TABLE "contact_person_invitations" (
	"agency_id" uuid NOT NULL,
	"person_hash" text NOT NULL,
	"last_invited_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "contact_person_invitations_pkey" PRIMARY KEY("agency_id","person_hash")
);
--> statement-breakpoint
CREATE TABLE "contact_survey_rules" (
	"agency_id" uuid PRIMARY KEY NOT NULL,
	"excluded_flags" text[] NOT NULL,
	"delay_minutes" integer NOT NULL,
	"quiet_start_minute" integer NOT NULL,
	"quiet_end_minute" integer NOT NULL,
	"once_per_days" integer NOT NULL,
	"max_age_hours" integer NOT NULL,
	"window_days" integer NOT NULL,
	"sampling_rates" jsonb NOT NULL,
	"default_rate" real NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"updated_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "contact_survey_rules_ranges" CHECK ("contact_survey_rules"."delay_minutes" BETWEEN 0 AND 10080 AND "contact_survey_rules"."quiet_start_minute" BETWEEN 0 AND 1439 AND "contact_survey_rules"."quiet_end_minute" BETWEEN 0 AND 1439 AND "contact_survey_rules"."once_per_days" BETWEEN 0 AND 3650 AND "contact_survey_rules"."max_age_hours" BETWEEN 1 AND 8760 AND "contact_survey_rules"."window_days" BETWEEN 1 AND 90 AND "contact_survey_rules"."default_rate" BETWEEN 0 AND 1)
);
--> statement-breakpoint
CREATE TABLE "contact_survey_tokens" (
	"token_hash" text PRIMARY KEY NOT NULL,
	"agency_id" uuid NOT NULL,
	"area_id" uuid NOT NULL,
	"contact_kind" text NOT NULL,
	"language" text NOT NULL,
	"person_hash" text NOT NULL,
	"closes_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "api_clients" ALTER COLUMN "organization_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "api_clients" ADD COLUMN "kind" text DEFAULT 'partner' NOT NULL;--> statement-breakpoint
ALTER TABLE "survey_responses" ADD COLUMN "contact_kind" text;--> statement-breakpoint
ALTER TABLE "contact_events" ADD CONSTRAINT "contact_events_agency_id_agencies_id_fk" FOREIGN KEY ("agency_id") REFERENCES "public"."agencies"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contact_invitations" ADD CONSTRAINT "contact_invitations_agency_id_agencies_id_fk" FOREIGN KEY ("agency_id") REFERENCES "public"."agencies"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contact_opt_outs" ADD CONSTRAINT "contact_opt_outs_agency_id_agencies_id_fk" FOREIGN KEY ("agency_id") REFERENCES "public"."agencies"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contact_person_invitations" ADD CONSTRAINT "contact_person_invitations_agency_id_agencies_id_fk" FOREIGN KEY ("agency_id") REFERENCES "public"."agencies"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contact_survey_rules" ADD CONSTRAINT "contact_survey_rules_agency_id_agencies_id_fk" FOREIGN KEY ("agency_id") REFERENCES "public"."agencies"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contact_survey_tokens" ADD CONSTRAINT "contact_survey_tokens_agency_id_agencies_id_fk" FOREIGN KEY ("agency_id") REFERENCES "public"."agencies"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contact_survey_tokens" ADD CONSTRAINT "contact_survey_tokens_area_id_areas_id_fk" FOREIGN KEY ("area_id") REFERENCES "public"."areas"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "contact_invitations_agency_idx" ON "contact_invitations" USING btree ("agency_id");--> statement-breakpoint
CREATE INDEX "contact_invitations_closes_idx" ON "contact_invitations" USING btree ("closes_at");--> statement-breakpoint
CREATE INDEX "contact_survey_tokens_agency_idx" ON "contact_survey_tokens" USING btree ("agency_id");--> statement-breakpoint
CREATE INDEX "contact_survey_tokens_area_idx" ON "contact_survey_tokens" USING btree ("area_id");--> statement-breakpoint
CREATE INDEX "contact_survey_tokens_closes_idx" ON "contact_survey_tokens" USING btree ("closes_at");--> statement-breakpoint
ALTER TABLE "api_clients" ADD CONSTRAINT "api_clients_kind_organization" CHECK (("api_clients"."kind" = 'partner') = ("api_clients"."organization_id" IS NOT NULL));