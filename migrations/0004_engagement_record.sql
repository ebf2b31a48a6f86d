CREATE TYPE "public"."age_band" AS ENUM('under_18', 'age_18_24', 'age_25_34', 'age_35_44', 'age_45_54', 'age_55_64', 'age_65_plus', 'prefer_not_to_say');--> statement-breakpoint
CREATE TYPE "public"."attendance_role" AS ENUM('attendee', 'speaker', 'facilitator', 'staff', 'officer');--> statement-breakpoint
CREATE TYPE "public"."attendance_status" AS ENUM('registered', 'waitlisted', 'cancelled', 'attended');--> statement-breakpoint
CREATE TYPE "public"."disability_status" AS ENUM('has_disability', 'no_disability', 'prefer_not_to_say');--> statement-breakpoint
CREATE TYPE "public"."faith" AS ENUM('none', 'buddhist', 'christian', 'hindu', 'jewish', 'muslim', 'sikh', 'another_faith', 'prefer_not_to_say');--> statement-breakpoint
CREATE TYPE "public"."gender" AS ENUM('woman', 'man', 'non_binary', 'another_gender', 'prefer_not_to_say');--> statement-breakpoint
CREATE TYPE "public"."income_band" AS ENUM('under_25k', 'from_25k_to_50k', 'from_50k_to_100k', 'over_100k', 'prefer_not_to_say');--> statement-breakpoint
CREATE TYPE "public"."occupation" AS ENUM('employed', 'self_employed', 'unemployed', 'student', 'retired', 'homemaker', 'another_occupation', 'prefer_not_to_say');--> statement-breakpoint
CREATE TYPE "public"."race_ethnicity" AS ENUM('american_indian_or_alaska_native', 'asian', 'black_or_african_american', 'hispanic_or_latino', 'middle_eastern_or_north_african', 'native_hawaiian_or_pacific_islander', 'white', 'another_race_or_ethnicity', 'prefer_not_to_say');--> statement-breakpoint
CREATE TYPE "public"."sexual_orientation" AS ENUM('heterosexual', 'gay_or_lesbian', 'bisexual', 'another_orientation', 'prefer_not_to_say');--> statement-breakpoint
CREATE TYPE "public"."decision_status" AS ENUM('proposed', 'adopted', 'in_progress', 'implemented', 'rejected', 'deferred');--> statement-breakpoint
CREATE TYPE "public"."feedback_channel" AS ENUM('in_person', 'online_form', 'email', 'phone', 'social_media', 'partner_collected', 'survey');--> statement-breakpoint
CREATE TYPE "public"."feedback_status" AS ENUM('received', 'acknowledged', 'under_review', 'addressed', 'declined', 'referred', 'reported_back');--> statement-breakpoint
CREATE TYPE "public"."feedback_visibility" AS ENUM('private', 'pending_moderation', 'published', 'withheld');--> statement-breakpoint
CREATE TYPE "public"."publication_state" AS ENUM('draft', 'published');--> statement-breakpoint
CREATE TYPE "public"."report_back_audience" AS ENUM('general_public', 'feedback_givers', 'partner_organizations', 'area_residents', 'advisory_board');--> statement-breakpoint
CREATE TYPE "public"."report_back_channel" AS ENUM('community_meeting', 'website', 'social_media', 'email', 'sms', 'letter', 'news_media', 'partner_organization', 'other');--> statement-breakpoint
CREATE TYPE "public"."stance" AS ENUM('supportive', 'neutral', 'critical');--> statement-breakpoint
CREATE TABLE "attendances" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"agency_id" uuid NOT NULL,
	"event_id" uuid NOT NULL,
	"participant_id" uuid NOT NULL,
	"role" "attendance_role" DEFAULT 'attendee' NOT NULL,
	"status" "attendance_status" NOT NULL,
	"registered_at" timestamp (3) with time zone,
	"checked_in_at" timestamp (3) with time zone,
	"cancelled_at" timestamp (3) with time zone,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp (3) with time zone,
	CONSTRAINT "attendances_event_participant_key" UNIQUE("event_id","participant_id")
);
--> statement-breakpoint
CREATE TABLE "event_head_counts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"agency_id" uuid NOT NULL,
	"event_id" uuid NOT NULL,
	"count" integer NOT NULL,
	"counted_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"note" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp (3) with time zone,
	CONSTRAINT "event_head_counts_count_nonnegative" CHECK ("event_head_counts"."count" >= 0)
);
--> statement-breakpoint
CREATE TABLE "participant_demographics" (
	"participant_id" uuid PRIMARY KEY NOT NULL,
	"agency_id" uuid NOT NULL,
	"age_band" "age_band",
	"gender" "gender",
	"race_ethnicity" "race_ethnicity"[],
	"sexual_orientation" "sexual_orientation",
	"faith" "faith",
	"disability" "disability_status",
	"income_band" "income_band",
	"occupation" "occupation",
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "participants" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"agency_id" uuid NOT NULL,
	"display_name" text,
	"contact" jsonb,
	"preferred_language" text,
	"contact_consent_at" timestamp (3) with time zone,
	"contact_consent_withdrawn_at" timestamp (3) with time zone,
	"data_use_consent_at" timestamp (3) with time zone,
	"data_use_consent_withdrawn_at" timestamp (3) with time zone,
	"area_id" uuid,
	"affiliation" text,
	"organization_id" uuid,
	"erased_at" timestamp (3) with time zone,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp (3) with time zone
);
--> statement-breakpoint
CREATE TABLE "decision_events" (
	"decision_id" uuid NOT NULL,
	"event_id" uuid NOT NULL,
	"agency_id" uuid NOT NULL,
	CONSTRAINT "decision_events_pkey" PRIMARY KEY("decision_id","event_id")
);
--> statement-breakpoint
CREATE TABLE "decision_feedback" (
	"decision_id" uuid NOT NULL,
	"feedback_id" uuid NOT NULL,
	"agency_id" uuid NOT NULL,
	CONSTRAINT "decision_feedback_pkey" PRIMARY KEY("decision_id","feedback_id")
);
--> statement-breakpoint
CREATE TABLE "decision_organizations" (
	"decision_id" uuid NOT NULL,
	"organization_id" uuid NOT NULL,
	"agency_id" uuid NOT NULL,
	CONSTRAINT "decision_organizations_pkey" PRIMARY KEY("decision_id","organization_id")
);
--> statement-breakpoint
CREATE TABLE "decision_updates" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"agency_id" uuid NOT NULL,
	"decision_id" uuid NOT NULL,
	"on" date NOT NULL,
	"status" "decision_status" NOT NULL,
	"note" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "decisions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"agency_id" uuid NOT NULL,
	"title" jsonb NOT NULL,
	"summary" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"rationale" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"decided_by" text,
	"decided_at" timestamp (3) with time zone,
	"status" "decision_status" DEFAULT 'proposed' NOT NULL,
	"publication" "publication_state" DEFAULT 'draft' NOT NULL,
	"area_id" uuid,
	"topic_id" uuid,
	"search" "tsvector" GENERATED ALWAYS AS (jsonb_to_tsvector('simple'::regconfig, title, '["string"]'::jsonb) || jsonb_to_tsvector('simple'::regconfig, summary, '["string"]'::jsonb) || jsonb_to_tsvector('simple'::regconfig, rationale, '["string"]'::jsonb)) STORED,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp (3) with time zone
);
--> statement-breakpoint
CREATE TABLE "feedback_items" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"agency_id" uuid NOT NULL,
	"body" text NOT NULL,
	"body_language" text NOT NULL,
	"published_body" text,
	"channel" "feedback_channel" NOT NULL,
	"event_id" uuid,
	"area_id" uuid,
	"topic_id" uuid NOT NULL,
	"stance" "stance",
	"participant_id" uuid,
	"organization_id" uuid,
	"visibility" "feedback_visibility" DEFAULT 'private' NOT NULL,
	"status" "feedback_status" DEFAULT 'received' NOT NULL,
	"status_reason" text,
	"received_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"acknowledged_at" timestamp (3) with time zone,
	"decided_at" timestamp (3) with time zone,
	"reported_back_at" timestamp (3) with time zone,
	"search_public" "tsvector" GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, coalesce(published_body, ''))) STORED,
	"search_private" "tsvector" GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, body)) STORED,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp (3) with time zone
);
--> statement-breakpoint
CREATE TABLE "feedback_topics" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"agency_id" uuid,
	"code" text NOT NULL,
	"label" jsonb NOT NULL,
	"description" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"version" integer NOT NULL,
	"retired_in_version" integer,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "feedback_topics_agency_code_key" UNIQUE NULLS NOT DISTINCT("agency_id","code")
);
--> statement-breakpoint
CREATE TABLE "feedback_transitions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"agency_id" uuid NOT NULL,
	"feedback_id" uuid NOT NULL,
	"from_status" "feedback_status",
	"to_status" "feedback_status" NOT NULL,
	"at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"actor_kind" text NOT NULL,
	"actor_subject" text,
	"note" text
);
--> statement-breakpoint
CREATE TABLE "report_back_feedback" (
	"report_back_id" uuid NOT NULL,
	"feedback_id" uuid NOT NULL,
	"agency_id" uuid NOT NULL,
	CONSTRAINT "report_back_feedback_pkey" PRIMARY KEY("report_back_id","feedback_id")
);
--> statement-breakpoint
CREATE TABLE "report_backs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"agency_id" uuid NOT NULL,
	"decision_id" uuid,
	"channel" "report_back_channel" NOT NULL,
	"relayed_at" timestamp (3) with time zone NOT NULL,
	"event_id" uuid,
	"languages" text[] DEFAULT '{}'::text[] NOT NULL,
	"audience" "report_back_audience"[] DEFAULT '{}'::report_back_audience[] NOT NULL,
	"summary" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"url" text,
	"publication" "publication_state" DEFAULT 'published' NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp (3) with time zone
);
--> statement-breakpoint
CREATE TABLE "survey_responses" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"agency_id" uuid NOT NULL,
	"event_id" uuid NOT NULL,
	"dignity" smallint,
	"voice" smallint,
	"neutrality" smallint,
	"trust" smallint,
	"language" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "survey_responses_scores_in_range" CHECK (coalesce("survey_responses"."dignity", 1) BETWEEN 1 AND 5 AND coalesce("survey_responses"."voice", 1) BETWEEN 1 AND 5 AND coalesce("survey_responses"."neutrality", 1) BETWEEN 1 AND 5 AND coalesce("survey_responses"."trust", 1) BETWEEN 1 AND 5)
);
--> statement-breakpoint
ALTER TABLE "attendances" ADD CONSTRAINT "attendances_agency_id_agencies_id_fk" FOREIGN KEY ("agency_id") REFERENCES "public"."agencies"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "attendances" ADD CONSTRAINT "attendances_event_id_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."events"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "attendances" ADD CONSTRAINT "attendances_participant_id_participants_id_fk" FOREIGN KEY ("participant_id") REFERENCES "public"."participants"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "event_head_counts" ADD CONSTRAINT "event_head_counts_agency_id_agencies_id_fk" FOREIGN KEY ("agency_id") REFERENCES "public"."agencies"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "event_head_counts" ADD CONSTRAINT "event_head_counts_event_id_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."events"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "participant_demographics" ADD CONSTRAINT "participant_demographics_participant_id_participants_id_fk" FOREIGN KEY ("participant_id") REFERENCES "public"."participants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "participant_demographics" ADD CONSTRAINT "participant_demographics_agency_id_agencies_id_fk" FOREIGN KEY ("agency_id") REFERENCES "public"."agencies"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "participants" ADD CONSTRAINT "participants_agency_id_agencies_id_fk" FOREIGN KEY ("agency_id") REFERENCES "public"."agencies"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "participants" ADD CONSTRAINT "participants_area_id_areas_id_fk" FOREIGN KEY ("area_id") REFERENCES "public"."areas"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "participants" ADD CONSTRAINT "participants_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "decision_events" ADD CONSTRAINT "decision_events_decision_id_decisions_id_fk" FOREIGN KEY ("decision_id") REFERENCES "public"."decisions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "decision_events" ADD CONSTRAINT "decision_events_event_id_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."events"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "decision_events" ADD CONSTRAINT "decision_events_agency_id_agencies_id_fk" FOREIGN KEY ("agency_id") REFERENCES "public"."agencies"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "decision_feedback" ADD CONSTRAINT "decision_feedback_decision_id_decisions_id_fk" FOREIGN KEY ("decision_id") REFERENCES "public"."decisions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "decision_feedback" ADD CONSTRAINT "decision_feedback_feedback_id_feedback_items_id_fk" FOREIGN KEY ("feedback_id") REFERENCES "public"."feedback_items"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "decision_feedback" ADD CONSTRAINT "decision_feedback_agency_id_agencies_id_fk" FOREIGN KEY ("agency_id") REFERENCES "public"."agencies"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "decision_organizations" ADD CONSTRAINT "decision_organizations_decision_id_decisions_id_fk" FOREIGN KEY ("decision_id") REFERENCES "public"."decisions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "decision_organizations" ADD CONSTRAINT "decision_organizations_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "decision_organizations" ADD CONSTRAINT "decision_organizations_agency_id_agencies_id_fk" FOREIGN KEY ("agency_id") REFERENCES "public"."agencies"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "decision_updates" ADD CONSTRAINT "decision_updates_agency_id_agencies_id_fk" FOREIGN KEY ("agency_id") REFERENCES "public"."agencies"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "decision_updates" ADD CONSTRAINT "decision_updates_decision_id_decisions_id_fk" FOREIGN KEY ("decision_id") REFERENCES "public"."decisions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "decisions" ADD CONSTRAINT "decisions_agency_id_agencies_id_fk" FOREIGN KEY ("agency_id") REFERENCES "public"."agencies"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "decisions" ADD CONSTRAINT "decisions_area_id_areas_id_fk" FOREIGN KEY ("area_id") REFERENCES "public"."areas"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "decisions" ADD CONSTRAINT "decisions_topic_id_feedback_topics_id_fk" FOREIGN KEY ("topic_id") REFERENCES "public"."feedback_topics"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "feedback_items" ADD CONSTRAINT "feedback_items_agency_id_agencies_id_fk" FOREIGN KEY ("agency_id") REFERENCES "public"."agencies"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "feedback_items" ADD CONSTRAINT "feedback_items_event_id_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."events"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "feedback_items" ADD CONSTRAINT "feedback_items_area_id_areas_id_fk" FOREIGN KEY ("area_id") REFERENCES "public"."areas"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "feedback_items" ADD CONSTRAINT "feedback_items_topic_id_feedback_topics_id_fk" FOREIGN KEY ("topic_id") REFERENCES "public"."feedback_topics"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "feedback_items" ADD CONSTRAINT "feedback_items_participant_id_participants_id_fk" FOREIGN KEY ("participant_id") REFERENCES "public"."participants"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "feedback_items" ADD CONSTRAINT "feedback_items_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "feedback_topics" ADD CONSTRAINT "feedback_topics_agency_id_agencies_id_fk" FOREIGN KEY ("agency_id") REFERENCES "public"."agencies"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "feedback_transitions" ADD CONSTRAINT "feedback_transitions_agency_id_agencies_id_fk" FOREIGN KEY ("agency_id") REFERENCES "public"."agencies"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "feedback_transitions" ADD CONSTRAINT "feedback_transitions_feedback_id_feedback_items_id_fk" FOREIGN KEY ("feedback_id") REFERENCES "public"."feedback_items"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "report_back_feedback" ADD CONSTRAINT "report_back_feedback_report_back_id_report_backs_id_fk" FOREIGN KEY ("report_back_id") REFERENCES "public"."report_backs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "report_back_feedback" ADD CONSTRAINT "report_back_feedback_feedback_id_feedback_items_id_fk" FOREIGN KEY ("feedback_id") REFERENCES "public"."feedback_items"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "report_back_feedback" ADD CONSTRAINT "report_back_feedback_agency_id_agencies_id_fk" FOREIGN KEY ("agency_id") REFERENCES "public"."agencies"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "report_backs" ADD CONSTRAINT "report_backs_agency_id_agencies_id_fk" FOREIGN KEY ("agency_id") REFERENCES "public"."agencies"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "report_backs" ADD CONSTRAINT "report_backs_decision_id_decisions_id_fk" FOREIGN KEY ("decision_id") REFERENCES "public"."decisions"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "report_backs" ADD CONSTRAINT "report_backs_event_id_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."events"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "survey_responses" ADD CONSTRAINT "survey_responses_agency_id_agencies_id_fk" FOREIGN KEY ("agency_id") REFERENCES "public"."agencies"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "survey_responses" ADD CONSTRAINT "survey_responses_event_id_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."events"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "attendances_event_status_idx" ON "attendances" USING btree ("event_id","status","created_at");--> statement-breakpoint
CREATE INDEX "attendances_participant_idx" ON "attendances" USING btree ("participant_id");--> statement-breakpoint
CREATE INDEX "attendances_updated_idx" ON "attendances" USING btree ("updated_at","id");--> statement-breakpoint
CREATE INDEX "event_head_counts_event_idx" ON "event_head_counts" USING btree ("event_id","counted_at");--> statement-breakpoint
CREATE INDEX "participant_demographics_agency_idx" ON "participant_demographics" USING btree ("agency_id");--> statement-breakpoint
CREATE INDEX "participants_agency_created_idx" ON "participants" USING btree ("agency_id","created_at","id");--> statement-breakpoint
CREATE INDEX "participants_area_id_idx" ON "participants" USING btree ("area_id");--> statement-breakpoint
CREATE INDEX "participants_updated_idx" ON "participants" USING btree ("updated_at","id");--> statement-breakpoint
CREATE INDEX "decision_events_event_idx" ON "decision_events" USING btree ("event_id","decision_id");--> statement-breakpoint
CREATE INDEX "decision_feedback_feedback_idx" ON "decision_feedback" USING btree ("feedback_id","decision_id");--> statement-breakpoint
CREATE INDEX "decision_organizations_organization_idx" ON "decision_organizations" USING btree ("organization_id");--> statement-breakpoint
CREATE INDEX "decision_updates_decision_idx" ON "decision_updates" USING btree ("decision_id","on");--> statement-breakpoint
CREATE INDEX "decisions_agency_created_idx" ON "decisions" USING btree ("agency_id","created_at","id");--> statement-breakpoint
CREATE INDEX "decisions_created_idx" ON "decisions" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "decisions_updated_idx" ON "decisions" USING btree ("updated_at","id");--> statement-breakpoint
CREATE INDEX "decisions_search_idx" ON "decisions" USING gin ("search");--> statement-breakpoint
CREATE INDEX "feedback_items_agency_received_idx" ON "feedback_items" USING btree ("agency_id","received_at","id");--> statement-breakpoint
CREATE INDEX "feedback_items_received_idx" ON "feedback_items" USING btree ("received_at","id");--> statement-breakpoint
CREATE INDEX "feedback_items_event_idx" ON "feedback_items" USING btree ("event_id","received_at");--> statement-breakpoint
CREATE INDEX "feedback_items_area_idx" ON "feedback_items" USING btree ("area_id");--> statement-breakpoint
CREATE INDEX "feedback_items_topic_idx" ON "feedback_items" USING btree ("topic_id");--> statement-breakpoint
CREATE INDEX "feedback_items_participant_idx" ON "feedback_items" USING btree ("participant_id");--> statement-breakpoint
CREATE INDEX "feedback_items_organization_idx" ON "feedback_items" USING btree ("organization_id");--> statement-breakpoint
CREATE INDEX "feedback_items_updated_idx" ON "feedback_items" USING btree ("updated_at","id");--> statement-breakpoint
CREATE INDEX "feedback_items_published_idx" ON "feedback_items" USING btree ("received_at","id") WHERE visibility = 'published' AND deleted_at IS NULL;--> statement-breakpoint
CREATE INDEX "feedback_items_search_public_idx" ON "feedback_items" USING gin ("search_public");--> statement-breakpoint
CREATE INDEX "feedback_items_search_private_idx" ON "feedback_items" USING gin ("search_private");--> statement-breakpoint
CREATE INDEX "feedback_transitions_feedback_idx" ON "feedback_transitions" USING btree ("feedback_id","at");--> statement-breakpoint
CREATE INDEX "report_back_feedback_feedback_idx" ON "report_back_feedback" USING btree ("feedback_id");--> statement-breakpoint
CREATE INDEX "report_backs_agency_relayed_idx" ON "report_backs" USING btree ("agency_id","relayed_at","id");--> statement-breakpoint
CREATE INDEX "report_backs_relayed_idx" ON "report_backs" USING btree ("relayed_at","id");--> statement-breakpoint
CREATE INDEX "report_backs_decision_idx" ON "report_backs" USING btree ("decision_id","relayed_at");--> statement-breakpoint
CREATE INDEX "report_backs_event_idx" ON "report_backs" USING btree ("event_id");--> statement-breakpoint
CREATE INDEX "report_backs_updated_idx" ON "report_backs" USING btree ("updated_at","id");--> statement-breakpoint
CREATE INDEX "survey_responses_event_idx" ON "survey_responses" USING btree ("event_id");--> statement-breakpoint
CREATE INDEX "survey_responses_agency_created_idx" ON "survey_responses" USING btree ("agency_id","created_at");