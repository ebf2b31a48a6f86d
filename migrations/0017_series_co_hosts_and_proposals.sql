ALTER TYPE "public"."series_status" ADD VALUE 'draft';--> statement-breakpoint
ALTER TABLE "event_series" ADD COLUMN "co_host_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL;