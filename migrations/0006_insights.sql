CREATE INDEX "events_agency_updated_idx" ON "events" USING btree ("agency_id","updated_at");--> statement-breakpoint
CREATE INDEX "attendances_agency_updated_idx" ON "attendances" USING btree ("agency_id","updated_at");--> statement-breakpoint
CREATE INDEX "event_head_counts_agency_updated_idx" ON "event_head_counts" USING btree ("agency_id","updated_at");--> statement-breakpoint
CREATE INDEX "participant_demographics_agency_updated_idx" ON "participant_demographics" USING btree ("agency_id","updated_at");--> statement-breakpoint
CREATE INDEX "feedback_items_agency_updated_idx" ON "feedback_items" USING btree ("agency_id","updated_at");--> statement-breakpoint
CREATE INDEX "feedback_transitions_agency_at_idx" ON "feedback_transitions" USING btree ("agency_id","at");