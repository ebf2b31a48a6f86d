CREATE TABLE "insight_periods" (
	"agency_id" uuid NOT NULL,
	"limits" text NOT NULL,
	"unit" text NOT NULL,
	"period" text NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"marks" integer DEFAULT 0 NOT NULL,
	"built_marks" integer DEFAULT 0 NOT NULL,
	"inputs" text NOT NULL,
	"events" uuid[] DEFAULT '{}'::uuid[] NOT NULL,
	"build_id" uuid,
	"built_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "insight_periods_agency_id_limits_unit_period_pk" PRIMARY KEY("agency_id","limits","unit","period"),
	CONSTRAINT "insight_periods_unit" CHECK ("insight_periods"."unit" in ('month', 'quarter'))
);
--> statement-breakpoint
CREATE TABLE "insight_snapshots" (
	"agency_id" uuid NOT NULL,
	"limits" text NOT NULL,
	"unit" text NOT NULL,
	"period" text NOT NULL,
	"insight" text NOT NULL,
	"build_id" uuid NOT NULL,
	"rows" text NOT NULL,
	CONSTRAINT "insight_snapshots_agency_id_limits_unit_insight_period_pk" PRIMARY KEY("agency_id","limits","unit","insight","period")
);
--> statement-breakpoint
CREATE TABLE "insight_sources" (
	"agency_id" uuid NOT NULL,
	"limits" text NOT NULL,
	"watermark" jsonb NOT NULL,
	"checked_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "insight_sources_agency_id_limits_pk" PRIMARY KEY("agency_id","limits")
);
--> statement-breakpoint
ALTER TABLE "insight_periods" ADD CONSTRAINT "insight_periods_agency_id_agencies_id_fk" FOREIGN KEY ("agency_id") REFERENCES "public"."agencies"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "insight_snapshots" ADD CONSTRAINT "insight_snapshots_agency_id_agencies_id_fk" FOREIGN KEY ("agency_id") REFERENCES "public"."agencies"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "insight_sources" ADD CONSTRAINT "insight_sources_agency_id_agencies_id_fk" FOREIGN KEY ("agency_id") REFERENCES "public"."agencies"("id") ON DELETE cascade ON UPDATE no action;