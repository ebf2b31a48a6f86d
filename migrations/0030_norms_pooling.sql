CREATE TABLE "agency_pooling" (
	"agency_id" uuid PRIMARY KEY NOT NULL,
	"enabled" boolean NOT NULL,
	"norm_table_id" uuid,
	"updated_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "norm_tables" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"agency_id" uuid NOT NULL,
	"name" text NOT NULL,
	"source" text NOT NULL,
	"source_url" text,
	"period_from" date NOT NULL,
	"period_to" date NOT NULL,
	"items" jsonb NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "norm_tables_period_order" CHECK ("norm_tables"."period_from" <= "norm_tables"."period_to")
);
--> statement-breakpoint
ALTER TABLE "agency_pooling" ADD CONSTRAINT "agency_pooling_agency_id_agencies_id_fk" FOREIGN KEY ("agency_id") REFERENCES "public"."agencies"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agency_pooling" ADD CONSTRAINT "agency_pooling_norm_table_id_norm_tables_id_fk" FOREIGN KEY ("norm_table_id") REFERENCES "public"."norm_tables"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "norm_tables" ADD CONSTRAINT "norm_tables_agency_id_agencies_id_fk" FOREIGN KEY ("agency_id") REFERENCES "public"."agencies"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "agency_pooling_norm_table_idx" ON "agency_pooling" USING btree ("norm_table_id");--> statement-breakpoint
CREATE INDEX "norm_tables_agency_idx" ON "norm_tables" USING btree ("agency_id","created_at");