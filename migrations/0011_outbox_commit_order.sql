ALTER TABLE "outbox" ADD COLUMN "tx" "xid8" DEFAULT pg_current_xact_id() NOT NULL;--> statement-breakpoint
CREATE INDEX "outbox_commit_order_idx" ON "outbox" USING btree ("tx","id");