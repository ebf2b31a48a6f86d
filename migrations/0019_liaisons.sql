CREATE TYPE "public"."liaison_kind" AS ENUM('faith_leader', 'business_owner', 'youth_leader', 'neighborhood_association', 'community_organizer', 'informal_leader', 'other');--> statement-breakpoint
CREATE TYPE "public"."liaison_role" AS ENUM('co_host', 'speaker', 'interpreter');--> statement-breakpoint
CREATE TYPE "public"."liaison_status" AS ENUM('proposed', 'confirmed', 'declined');--> statement-breakpoint
CREATE TABLE "announcement_liaisons" (
	"announcement_id" uuid NOT NULL,
	"liaison_id" uuid NOT NULL,
	"agency_id" uuid NOT NULL,
	CONSTRAINT "announcement_liaisons_pkey" PRIMARY KEY("announcement_id","liaison_id")
);
--> statement-breakpoint
CREATE TABLE "event_liaisons" (
	"event_id" uuid NOT NULL,
	"liaison_id" uuid NOT NULL,
	"role" "liaison_role" NOT NULL,
	"agency_id" uuid NOT NULL,
	CONSTRAINT "event_liaisons_pkey" PRIMARY KEY("event_id","liaison_id","role")
);
--> statement-breakpoint
CREATE TABLE "liaisons" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"agency_id" uuid NOT NULL,
	"display_name" text,
	"kind" "liaison_kind" NOT NULL,
	"listed_by_name" boolean DEFAULT false NOT NULL,
	"area_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL,
	"languages" text[] DEFAULT '{}'::text[] NOT NULL,
	"communities" text[] DEFAULT '{}'::text[] NOT NULL,
	"organization_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL,
	"contact" jsonb,
	"contact_consent_at" timestamp (3) with time zone,
	"status" "liaison_status" DEFAULT 'proposed' NOT NULL,
	"proposed_by_organization_id" uuid,
	"erased_at" timestamp (3) with time zone,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp (3) with time zone
);
--> statement-breakpoint
ALTER TABLE "announcement_liaisons" ADD CONSTRAINT "announcement_liaisons_announcement_id_announcements_id_fk" FOREIGN KEY ("announcement_id") REFERENCES "public"."announcements"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "announcement_liaisons" ADD CONSTRAINT "announcement_liaisons_liaison_id_liaisons_id_fk" FOREIGN KEY ("liaison_id") REFERENCES "public"."liaisons"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "announcement_liaisons" ADD CONSTRAINT "announcement_liaisons_agency_id_agencies_id_fk" FOREIGN KEY ("agency_id") REFERENCES "public"."agencies"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "event_liaisons" ADD CONSTRAINT "event_liaisons_event_id_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."events"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "event_liaisons" ADD CONSTRAINT "event_liaisons_liaison_id_liaisons_id_fk" FOREIGN KEY ("liaison_id") REFERENCES "public"."liaisons"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "event_liaisons" ADD CONSTRAINT "event_liaisons_agency_id_agencies_id_fk" FOREIGN KEY ("agency_id") REFERENCES "public"."agencies"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "liaisons" ADD CONSTRAINT "liaisons_agency_id_agencies_id_fk" FOREIGN KEY ("agency_id") REFERENCES "public"."agencies"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "liaisons" ADD CONSTRAINT "liaisons_proposed_by_organization_id_organizations_id_fk" FOREIGN KEY ("proposed_by_organization_id") REFERENCES "public"."organizations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "announcement_liaisons_liaison_idx" ON "announcement_liaisons" USING btree ("liaison_id");--> statement-breakpoint
CREATE INDEX "event_liaisons_liaison_idx" ON "event_liaisons" USING btree ("liaison_id");--> statement-breakpoint
CREATE INDEX "liaisons_agency_created_idx" ON "liaisons" USING btree ("agency_id","created_at","id");