CREATE TYPE "public"."organization_kind" AS ENUM('neighbourhood_association', 'faith', 'youth', 'advocacy', 'business', 'school', 'service_provider', 'other');--> statement-breakpoint
CREATE TYPE "public"."partnership_status" AS ENUM('prospective', 'active', 'paused', 'ended');--> statement-breakpoint
CREATE TABLE "event_co_hosts" (
	"event_id" uuid NOT NULL,
	"organization_id" uuid NOT NULL,
	"agency_id" uuid NOT NULL,
	CONSTRAINT "event_co_hosts_pkey" PRIMARY KEY("event_id","organization_id")
);
--> statement-breakpoint
CREATE TABLE "organizations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"agency_id" uuid NOT NULL,
	"name" text NOT NULL,
	"kind" "organization_kind" NOT NULL,
	"area_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL,
	"languages" text[] DEFAULT '{}'::text[] NOT NULL,
	"contact" jsonb,
	"partnership_status" "partnership_status" DEFAULT 'active' NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp (3) with time zone
);
--> statement-breakpoint
ALTER TABLE "event_co_hosts" ADD CONSTRAINT "event_co_hosts_event_id_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."events"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "event_co_hosts" ADD CONSTRAINT "event_co_hosts_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "event_co_hosts" ADD CONSTRAINT "event_co_hosts_agency_id_agencies_id_fk" FOREIGN KEY ("agency_id") REFERENCES "public"."agencies"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "organizations" ADD CONSTRAINT "organizations_agency_id_agencies_id_fk" FOREIGN KEY ("agency_id") REFERENCES "public"."agencies"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "event_co_hosts_organization_id_idx" ON "event_co_hosts" USING btree ("organization_id","event_id");--> statement-breakpoint
CREATE INDEX "event_co_hosts_agency_id_idx" ON "event_co_hosts" USING btree ("agency_id");--> statement-breakpoint
CREATE INDEX "organizations_agency_created_idx" ON "organizations" USING btree ("agency_id","created_at","id");--> statement-breakpoint
CREATE INDEX "organizations_created_idx" ON "organizations" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "organizations_area_ids_idx" ON "organizations" USING gin ("area_ids");--> statement-breakpoint
CREATE INDEX "organizations_languages_idx" ON "organizations" USING gin ("languages");