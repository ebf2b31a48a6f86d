CREATE TYPE "public"."announcement_channel" AS ENUM('web', 'email', 'sms', 'social', 'print', 'radio', 'word_of_mouth');--> statement-breakpoint
CREATE TYPE "public"."announcement_kind" AS ENUM('upcoming_meeting', 'schedule_change', 'decision', 'report_back', 'safety_notice', 'other');--> statement-breakpoint
CREATE TYPE "public"."announcement_status" AS ENUM('draft', 'published', 'withdrawn');--> statement-breakpoint
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
ALTER TABLE "announcement_reach" ADD CONSTRAINT "announcement_reach_announcement_id_announcements_id_fk" FOREIGN KEY ("announcement_id") REFERENCES "public"."announcements"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "announcement_reach" ADD CONSTRAINT "announcement_reach_agency_id_agencies_id_fk" FOREIGN KEY ("agency_id") REFERENCES "public"."agencies"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "announcement_reach" ADD CONSTRAINT "announcement_reach_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "announcements" ADD CONSTRAINT "announcements_agency_id_agencies_id_fk" FOREIGN KEY ("agency_id") REFERENCES "public"."agencies"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "announcement_reach_announcement_idx" ON "announcement_reach" USING btree ("announcement_id");--> statement-breakpoint
CREATE INDEX "announcements_agency_publish_idx" ON "announcements" USING btree ("agency_id","publish_at","id");