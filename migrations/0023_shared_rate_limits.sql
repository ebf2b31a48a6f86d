CREATE TABLE "rate_limit_allowances" (
	"key" text PRIMARY KEY NOT NULL,
	"window_index" bigint NOT NULL,
	"taken" integer NOT NULL,
	"ends_at_ms" bigint NOT NULL
);
--> statement-breakpoint
-- Counts taken on every request's hot path must not be written to the WAL (nor sent to replicas, which never count).
ALTER TABLE "rate_limit_allowances" SET UNLOGGED;
