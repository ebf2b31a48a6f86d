CREATE TABLE "survey_invitations" (
	"attendance_id" uuid PRIMARY KEY NOT NULL,
	"agency_id" uuid NOT NULL,
	"event_id" uuid NOT NULL,
	"used" boolean DEFAULT false NOT NULL
);
--> statement-breakpoint
CREATE TABLE "survey_tokens" (
	"token_hash" text PRIMARY KEY NOT NULL,
	"attendance_id" uuid NOT NULL
);
--> statement-breakpoint
ALTER TABLE "survey_responses" ALTER COLUMN "event_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "agencies" ADD COLUMN "survey_window_days" integer DEFAULT 14 NOT NULL;--> statement-breakpoint
ALTER TABLE "survey_responses" ADD COLUMN "area_id" uuid;--> statement-breakpoint
ALTER TABLE "survey_responses" ADD COLUMN "topic_id" uuid;--> statement-breakpoint
ALTER TABLE "survey_invitations" ADD CONSTRAINT "survey_invitations_attendance_id_attendances_id_fk" FOREIGN KEY ("attendance_id") REFERENCES "public"."attendances"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "survey_invitations" ADD CONSTRAINT "survey_invitations_agency_id_agencies_id_fk" FOREIGN KEY ("agency_id") REFERENCES "public"."agencies"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "survey_invitations" ADD CONSTRAINT "survey_invitations_event_id_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."events"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "survey_tokens" ADD CONSTRAINT "survey_tokens_attendance_id_survey_invitations_attendance_id_fk" FOREIGN KEY ("attendance_id") REFERENCES "public"."survey_invitations"("attendance_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "survey_invitations_event_idx" ON "survey_invitations" USING btree ("event_id");--> statement-breakpoint
CREATE INDEX "survey_tokens_attendance_idx" ON "survey_tokens" USING btree ("attendance_id");--> statement-breakpoint
ALTER TABLE "survey_responses" ADD CONSTRAINT "survey_responses_area_id_areas_id_fk" FOREIGN KEY ("area_id") REFERENCES "public"."areas"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "survey_responses" ADD CONSTRAINT "survey_responses_topic_id_feedback_topics_id_fk" FOREIGN KEY ("topic_id") REFERENCES "public"."feedback_topics"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "survey_responses_area_idx" ON "survey_responses" USING btree ("area_id");--> statement-breakpoint
CREATE INDEX "survey_responses_topic_idx" ON "survey_responses" USING btree ("topic_id");--> statement-breakpoint
ALTER TABLE "agencies" ADD CONSTRAINT "agencies_survey_window_days_range" CHECK ("agencies"."survey_window_days" BETWEEN 1 AND 365);