CREATE TYPE "public"."priority_moderation" AS ENUM('pending_moderation', 'published', 'withheld');--> statement-breakpoint
CREATE TYPE "public"."priority_proposer" AS ENUM('staff', 'partner', 'public');--> statement-breakpoint
CREATE TYPE "public"."priority_status" AS ENUM('proposed', 'adopted', 'in_progress', 'done', 'declined');--> statement-breakpoint
CREATE TYPE "public"."announcement_channel" AS ENUM('web', 'email', 'sms', 'social', 'print', 'radio', 'word_of_mouth');--> statement-breakpoint
CREATE TYPE "public"."announcement_kind" AS ENUM('upcoming_meeting', 'schedule_change', 'decision', 'report_back', 'safety_notice', 'other');--> statement-breakpoint
CREATE TYPE "public"."announcement_status" AS ENUM('draft', 'published', 'withdrawn');--> statement-breakpoint
CREATE TABLE "priorities" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"agency_id" uuid NOT NULL,
	"statement" jsonb NOT NULL,
	"area_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL,
	"topics" text[] DEFAULT '{}'::text[] NOT NULL,
	"proposed_by" "priority_proposer" NOT NULL,
	"organization_id" uuid,
	"moderation" "priority_moderation" NOT NULL,
	"status" "priority_status" DEFAULT 'proposed' NOT NULL,
	"status_reason" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"anonymous_endorsements" integer DEFAULT 0 NOT NULL,
	"endorsement_count" integer DEFAULT 0 NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp (3) with time zone,
	CONSTRAINT "priorities_counts_check" CHECK ("priorities"."anonymous_endorsements" >= 0 and "priorities"."endorsement_count" >= "priorities"."anonymous_endorsements")
);
--> statement-breakpoint
CREATE TABLE "priority_decisions" (
	"priority_id" uuid NOT NULL,
	"decision_id" uuid NOT NULL,
	"agency_id" uuid NOT NULL,
	CONSTRAINT "priority_decisions_pkey" PRIMARY KEY("priority_id","decision_id")
);
--> statement-breakpoint
CREATE TABLE "priority_endorsements" (
	"priority_id" uuid NOT NULL,
	"organization_id" uuid NOT NULL,
	"agency_id" uuid NOT NULL,
	"note" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"endorsed_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "priority_endorsements_pkey" PRIMARY KEY("priority_id","organization_id")
);
--> statement-breakpoint
CREATE TABLE "priority_feedback" (
	"priority_id" uuid NOT NULL,
	"feedback_id" uuid NOT NULL,
	"agency_id" uuid NOT NULL,
	CONSTRAINT "priority_feedback_pkey" PRIMARY KEY("priority_id","feedback_id")
);
--> statement-breakpoint
CREATE TABLE "priority_report_backs" (
	"priority_id" uuid NOT NULL,
	"report_back_id" uuid NOT NULL,
	"agency_id" uuid NOT NULL,
	CONSTRAINT "priority_report_backs_pkey" PRIMARY KEY("priority_id","report_back_id")
);
--> statement-breakpoint
CREATE TABLE "feedback_tracking" (
	"feedback_id" uuid PRIMARY KEY NOT NULL,
	"agency_id" uuid NOT NULL,
	"code_hash" text NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "feedback_tracking_code_hash_key" UNIQUE("code_hash")
);
--> statement-breakpoint
CREATE TABLE "registration_codes" (
	"attendance_id" uuid PRIMARY KEY NOT NULL,
	"agency_id" uuid NOT NULL,
	"code_hash" text NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "registration_codes_code_hash_key" UNIQUE("code_hash")
);
--> statement-breakpoint
CREATE TABLE "announcement_reach" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"announcement_id" uuid NOT NULL,
	"agency_id" uuid NOT NULL,
	"channel" "announcement_channel" NOT NULL,
	"count" integer NOT NULL,
	"organization_id" uuid,
	"reported_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "announcement_reach_count_check" CHECK ("announcement_reach"."count" >= 0)
);
--> statement-breakpoint
CREATE TABLE "announcements" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"agency_id" uuid NOT NULL,
	"kind" "announcement_kind" NOT NULL,
	"title" jsonb NOT NULL,
	"body" jsonb NOT NULL,
	"languages" text[] NOT NULL,
	"area_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL,
	"organization_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL,
	"channels" "announcement_channel"[] NOT NULL,
	"event_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL,
	"decision_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL,
	"report_back_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL,
	"status" "announcement_status" NOT NULL,
	"publish_at" timestamp (3) with time zone NOT NULL,
	"expires_at" timestamp (3) with time zone,
	"withdrawn_reason" text,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "announcements_expiry_check" CHECK ("announcements"."expires_at" is null or "announcements"."expires_at" > "announcements"."publish_at")
);
--> statement-breakpoint
ALTER TABLE "attendances" ADD COLUMN "requested_accommodations" "accommodation"[] DEFAULT '{}'::accommodation[] NOT NULL;--> statement-breakpoint
ALTER TABLE "attendances" ADD COLUMN "accommodation_note" text;--> statement-breakpoint
ALTER TABLE "priorities" ADD CONSTRAINT "priorities_agency_id_agencies_id_fk" FOREIGN KEY ("agency_id") REFERENCES "public"."agencies"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "priorities" ADD CONSTRAINT "priorities_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "priority_decisions" ADD CONSTRAINT "priority_decisions_priority_id_priorities_id_fk" FOREIGN KEY ("priority_id") REFERENCES "public"."priorities"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "priority_decisions" ADD CONSTRAINT "priority_decisions_decision_id_decisions_id_fk" FOREIGN KEY ("decision_id") REFERENCES "public"."decisions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "priority_decisions" ADD CONSTRAINT "priority_decisions_agency_id_agencies_id_fk" FOREIGN KEY ("agency_id") REFERENCES "public"."agencies"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "priority_endorsements" ADD CONSTRAINT "priority_endorsements_priority_id_priorities_id_fk" FOREIGN KEY ("priority_id") REFERENCES "public"."priorities"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "priority_endorsements" ADD CONSTRAINT "priority_endorsements_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "priority_endorsements" ADD CONSTRAINT "priority_endorsements_agency_id_agencies_id_fk" FOREIGN KEY ("agency_id") REFERENCES "public"."agencies"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "priority_feedback" ADD CONSTRAINT "priority_feedback_priority_id_priorities_id_fk" FOREIGN KEY ("priority_id") REFERENCES "public"."priorities"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "priority_feedback" ADD CONSTRAINT "priority_feedback_feedback_id_feedback_items_id_fk" FOREIGN KEY ("feedback_id") REFERENCES "public"."feedback_items"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "priority_feedback" ADD CONSTRAINT "priority_feedback_agency_id_agencies_id_fk" FOREIGN KEY ("agency_id") REFERENCES "public"."agencies"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "priority_report_backs" ADD CONSTRAINT "priority_report_backs_priority_id_priorities_id_fk" FOREIGN KEY ("priority_id") REFERENCES "public"."priorities"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "priority_report_backs" ADD CONSTRAINT "priority_report_backs_report_back_id_report_backs_id_fk" FOREIGN KEY ("report_back_id") REFERENCES "public"."report_backs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "priority_report_backs" ADD CONSTRAINT "priority_report_backs_agency_id_agencies_id_fk" FOREIGN KEY ("agency_id") REFERENCES "public"."agencies"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "feedback_tracking" ADD CONSTRAINT "feedback_tracking_feedback_id_feedback_items_id_fk" FOREIGN KEY ("feedback_id") REFERENCES "public"."feedback_items"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "feedback_tracking" ADD CONSTRAINT "feedback_tracking_agency_id_agencies_id_fk" FOREIGN KEY ("agency_id") REFERENCES "public"."agencies"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "registration_codes" ADD CONSTRAINT "registration_codes_attendance_id_attendances_id_fk" FOREIGN KEY ("attendance_id") REFERENCES "public"."attendances"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "registration_codes" ADD CONSTRAINT "registration_codes_agency_id_agencies_id_fk" FOREIGN KEY ("agency_id") REFERENCES "public"."agencies"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "announcement_reach" ADD CONSTRAINT "announcement_reach_announcement_id_announcements_id_fk" FOREIGN KEY ("announcement_id") REFERENCES "public"."announcements"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "announcement_reach" ADD CONSTRAINT "announcement_reach_agency_id_agencies_id_fk" FOREIGN KEY ("agency_id") REFERENCES "public"."agencies"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "announcement_reach" ADD CONSTRAINT "announcement_reach_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "announcements" ADD CONSTRAINT "announcements_agency_id_agencies_id_fk" FOREIGN KEY ("agency_id") REFERENCES "public"."agencies"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "priorities_agency_created_idx" ON "priorities" USING btree ("agency_id","created_at","id");--> statement-breakpoint
CREATE INDEX "priorities_endorsements_idx" ON "priorities" USING btree ("endorsement_count","created_at","id");--> statement-breakpoint
CREATE INDEX "priority_decisions_target_idx" ON "priority_decisions" USING btree ("decision_id");--> statement-breakpoint
CREATE INDEX "priority_feedback_target_idx" ON "priority_feedback" USING btree ("feedback_id");--> statement-breakpoint
CREATE INDEX "priority_report_backs_target_idx" ON "priority_report_backs" USING btree ("report_back_id");--> statement-breakpoint
CREATE INDEX "announcement_reach_announcement_idx" ON "announcement_reach" USING btree ("announcement_id");--> statement-breakpoint
CREATE INDEX "announcements_agency_publish_idx" ON "announcements" USING btree ("agency_id","publish_at","id");