ALTER TABLE "agencies" ADD COLUMN "reliability_tiers" jsonb DEFAULT '{"withheldBelow":30,"flaggedBelow":50}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "survey_responses" ADD COLUMN "age_band" "age_band";--> statement-breakpoint
ALTER TABLE "survey_responses" ADD COLUMN "gender" "gender";--> statement-breakpoint
ALTER TABLE "survey_responses" ADD COLUMN "race_ethnicity" "race_ethnicity";