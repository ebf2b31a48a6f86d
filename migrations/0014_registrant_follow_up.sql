CREATE TABLE "registration_codes" (
	"attendance_id" uuid PRIMARY KEY NOT NULL,
	"agency_id" uuid NOT NULL,
	"code_hash" text NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "registration_codes_code_hash_key" UNIQUE("code_hash")
);
--> statement-breakpoint
ALTER TABLE "attendances" ADD COLUMN "requested_accommodations" "accommodation"[] DEFAULT '{}'::accommodation[] NOT NULL;--> statement-breakpoint
ALTER TABLE "attendances" ADD COLUMN "accommodation_note" text;--> statement-breakpoint
ALTER TABLE "registration_codes" ADD CONSTRAINT "registration_codes_attendance_id_attendances_id_fk" FOREIGN KEY ("attendance_id") REFERENCES "public"."attendances"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "registration_codes" ADD CONSTRAINT "registration_codes_agency_id_agencies_id_fk" FOREIGN KEY ("agency_id") REFERENCES "public"."agencies"("id") ON DELETE restrict ON UPDATE no action;