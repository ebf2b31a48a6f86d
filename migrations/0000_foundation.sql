CREATE TYPE "public"."area_kind" AS ENUM('district', 'precinct', 'sector', 'beat', 'neighbourhood');--> statement-breakpoint
CREATE TYPE "public"."accommodation" AS ENUM('step_free_access', 'accessible_restroom', 'accessible_parking', 'sign_language_interpretation', 'live_captioning', 'assistive_listening', 'large_print', 'braille', 'plain_language', 'childcare', 'transit_nearby', 'quiet_room', 'food_provided', 'scent_free');--> statement-breakpoint
CREATE TYPE "public"."event_format" AS ENUM('in_person', 'virtual', 'hybrid');--> statement-breakpoint
CREATE TYPE "public"."event_kind" AS ENUM('town_hall', 'listening_session', 'community_walk', 'coffee_with_an_officer', 'youth_event', 'advisory_board', 'virtual_forum', 'training', 'other');--> statement-breakpoint
CREATE TYPE "public"."event_status" AS ENUM('draft', 'scheduled', 'postponed', 'cancelled', 'completed');--> statement-breakpoint
CREATE TYPE "public"."series_status" AS ENUM('active', 'cancelled');--> statement-breakpoint
CREATE TABLE "agencies" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"slug" text NOT NULL,
	"name" text NOT NULL,
	"jurisdiction" text NOT NULL,
	"time_zone" text NOT NULL,
	"default_language" text NOT NULL,
	"supported_languages" text[] NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "agencies_slug_key" UNIQUE("slug"),
	CONSTRAINT "agencies_default_language_supported" CHECK ("agencies"."default_language" = ANY("agencies"."supported_languages"))
);
--> statement-breakpoint
CREATE TABLE "areas" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"agency_id" uuid NOT NULL,
	"code" text NOT NULL,
	"name" text NOT NULL,
	"kind" "area_kind" NOT NULL,
	"parent_id" uuid,
	"boundary" jsonb,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "areas_agency_code_key" UNIQUE("agency_id","code")
);
--> statement-breakpoint
CREATE TABLE "event_series" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"agency_id" uuid NOT NULL,
	"title" jsonb NOT NULL,
	"description" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"kind" "event_kind" NOT NULL,
	"format" "event_format" NOT NULL,
	"time_zone" text NOT NULL,
	"venue_name" text,
	"address" jsonb,
	"area_id" uuid,
	"latitude" double precision,
	"longitude" double precision,
	"join_url" text,
	"dial_in" jsonb,
	"captions_url" text,
	"languages" text[] DEFAULT '{}'::text[] NOT NULL,
	"interpretation" text[] DEFAULT '{}'::text[] NOT NULL,
	"accommodations" "accommodation"[] DEFAULT '{}'::accommodation[] NOT NULL,
	"capacity" integer,
	"registration_required" boolean DEFAULT false NOT NULL,
	"host_unit" text,
	"topics" text[] DEFAULT '{}'::text[] NOT NULL,
	"rrule" text NOT NULL,
	"dtstart_local" text NOT NULL,
	"duration_minutes" integer NOT NULL,
	"exdates" text[] DEFAULT '{}'::text[] NOT NULL,
	"rotation" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"overrides" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"status" "series_status" DEFAULT 'active' NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp (3) with time zone,
	CONSTRAINT "event_series_duration_positive" CHECK ("event_series"."duration_minutes" > 0)
);
--> statement-breakpoint
CREATE TABLE "events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"agency_id" uuid NOT NULL,
	"title" jsonb NOT NULL,
	"description" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"kind" "event_kind" NOT NULL,
	"format" "event_format" NOT NULL,
	"time_zone" text NOT NULL,
	"venue_name" text,
	"address" jsonb,
	"area_id" uuid,
	"latitude" double precision,
	"longitude" double precision,
	"join_url" text,
	"dial_in" jsonb,
	"captions_url" text,
	"languages" text[] DEFAULT '{}'::text[] NOT NULL,
	"interpretation" text[] DEFAULT '{}'::text[] NOT NULL,
	"accommodations" "accommodation"[] DEFAULT '{}'::accommodation[] NOT NULL,
	"capacity" integer,
	"registration_required" boolean DEFAULT false NOT NULL,
	"host_unit" text,
	"topics" text[] DEFAULT '{}'::text[] NOT NULL,
	"status" "event_status" DEFAULT 'scheduled' NOT NULL,
	"starts_at" timestamp (3) with time zone NOT NULL,
	"ends_at" timestamp (3) with time zone NOT NULL,
	"series_id" uuid,
	"recurrence_id" timestamp (3) with time zone,
	"is_exception" boolean DEFAULT false NOT NULL,
	"sequence" integer DEFAULT 0 NOT NULL,
	"status_reason" text,
	"search" "tsvector" GENERATED ALWAYS AS (jsonb_to_tsvector('simple'::regconfig, title, '["string"]'::jsonb) || jsonb_to_tsvector('simple'::regconfig, description, '["string"]'::jsonb) || to_tsvector('simple'::regconfig, coalesce(venue_name, ''))) STORED,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp (3) with time zone,
	CONSTRAINT "events_series_occurrence_key" UNIQUE("series_id","recurrence_id"),
	CONSTRAINT "events_ends_after_start" CHECK ("events"."ends_at" > "events"."starts_at"),
	CONSTRAINT "events_capacity_positive" CHECK ("events"."capacity" IS NULL OR "events"."capacity" > 0)
);
--> statement-breakpoint
CREATE TABLE "audit_events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"agency_id" uuid,
	"at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"actor_kind" text NOT NULL,
	"actor_subject" text,
	"action" text NOT NULL,
	"entity_type" text NOT NULL,
	"entity_id" uuid,
	"request_id" text,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "idempotency_keys" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"principal" text NOT NULL,
	"operation" text NOT NULL,
	"key" text NOT NULL,
	"request_hash" text NOT NULL,
	"resource_id" uuid,
	"status_code" integer,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "idempotency_keys_scope_key" UNIQUE("principal","operation","key")
);
--> statement-breakpoint
ALTER TABLE "areas" ADD CONSTRAINT "areas_agency_id_agencies_id_fk" FOREIGN KEY ("agency_id") REFERENCES "public"."agencies"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "areas" ADD CONSTRAINT "areas_parent_id_areas_id_fk" FOREIGN KEY ("parent_id") REFERENCES "public"."areas"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "event_series" ADD CONSTRAINT "event_series_agency_id_agencies_id_fk" FOREIGN KEY ("agency_id") REFERENCES "public"."agencies"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "event_series" ADD CONSTRAINT "event_series_area_id_areas_id_fk" FOREIGN KEY ("area_id") REFERENCES "public"."areas"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "events" ADD CONSTRAINT "events_agency_id_agencies_id_fk" FOREIGN KEY ("agency_id") REFERENCES "public"."agencies"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "events" ADD CONSTRAINT "events_area_id_areas_id_fk" FOREIGN KEY ("area_id") REFERENCES "public"."areas"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "events" ADD CONSTRAINT "events_series_id_event_series_id_fk" FOREIGN KEY ("series_id") REFERENCES "public"."event_series"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "audit_events" ADD CONSTRAINT "audit_events_agency_id_agencies_id_fk" FOREIGN KEY ("agency_id") REFERENCES "public"."agencies"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "areas_parent_id_idx" ON "areas" USING btree ("parent_id");--> statement-breakpoint
CREATE INDEX "event_series_agency_id_idx" ON "event_series" USING btree ("agency_id");--> statement-breakpoint
CREATE INDEX "event_series_area_id_idx" ON "event_series" USING btree ("area_id");--> statement-breakpoint
CREATE INDEX "event_series_updated_idx" ON "event_series" USING btree ("updated_at","id");--> statement-breakpoint
CREATE INDEX "events_starts_at_id_idx" ON "events" USING btree ("starts_at","id");--> statement-breakpoint
CREATE INDEX "events_agency_starts_idx" ON "events" USING btree ("agency_id","starts_at","id");--> statement-breakpoint
CREATE INDEX "events_area_id_idx" ON "events" USING btree ("area_id");--> statement-breakpoint
CREATE INDEX "events_series_id_idx" ON "events" USING btree ("series_id","recurrence_id");--> statement-breakpoint
CREATE INDEX "events_updated_idx" ON "events" USING btree ("updated_at","id");--> statement-breakpoint
CREATE INDEX "events_languages_idx" ON "events" USING gin ("languages");--> statement-breakpoint
CREATE INDEX "events_accommodations_idx" ON "events" USING gin ("accommodations");--> statement-breakpoint
CREATE INDEX "events_search_idx" ON "events" USING gin ("search");--> statement-breakpoint
CREATE INDEX "audit_events_agency_at_idx" ON "audit_events" USING btree ("agency_id","at");--> statement-breakpoint
CREATE INDEX "audit_events_entity_idx" ON "audit_events" USING btree ("entity_type","entity_id");--> statement-breakpoint
CREATE INDEX "idempotency_keys_created_idx" ON "idempotency_keys" USING btree ("created_at");