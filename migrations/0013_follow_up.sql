CREATE TABLE "feedback_tracking" (
	"feedback_id" uuid PRIMARY KEY NOT NULL,
	"agency_id" uuid NOT NULL,
	"code_hash" text NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "feedback_tracking_code_hash_key" UNIQUE("code_hash")
);
--> statement-breakpoint
ALTER TABLE "feedback_tracking" ADD CONSTRAINT "feedback_tracking_feedback_id_feedback_items_id_fk" FOREIGN KEY ("feedback_id") REFERENCES "public"."feedback_items"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "feedback_tracking" ADD CONSTRAINT "feedback_tracking_agency_id_agencies_id_fk" FOREIGN KEY ("agency_id") REFERENCES "public"."agencies"("id") ON DELETE restrict ON UPDATE no action;