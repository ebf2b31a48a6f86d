-- Distributes the schema on Citus (docs/SCALE.md, "A deployment, step by step"): run on the coordinator after the
-- migrations and docs/citus/keys.sql. Not run here (Citus cannot be installed on these machines); test/distribution.test.ts
-- checks that it names exactly the tables src/db/distribution.ts classifies, each after the tables its foreign keys reach.
-- Tables not named stay local to the coordinator (rate_limit_allowances, shared_secrets, webhook_dispatch_position,
-- idempotency_keys; the drizzle migration journal; pg-boss's queue schema).

-- Reference tables: copied to every node.
SELECT create_reference_table('agencies');
SELECT create_reference_table('feedback_topics');

-- Distributed tables: hashed on agency_id, all in one co-location group, so one agency's rows of every table share a
-- node and every join within an agency runs on that node. Each table comes after the tables it references.
SELECT create_distributed_table('announcements', 'agency_id');
SELECT create_distributed_table('organizations', 'agency_id', colocate_with => 'announcements');
SELECT create_distributed_table('liaisons', 'agency_id', colocate_with => 'announcements');
SELECT create_distributed_table('announcement_liaisons', 'agency_id', colocate_with => 'announcements');
SELECT create_distributed_table('announcement_reach', 'agency_id', colocate_with => 'announcements');
SELECT create_distributed_table('api_clients', 'agency_id', colocate_with => 'announcements');
SELECT create_distributed_table('areas', 'agency_id', colocate_with => 'announcements');
SELECT create_distributed_table('event_series', 'agency_id', colocate_with => 'announcements');
SELECT create_distributed_table('events', 'agency_id', colocate_with => 'announcements');
SELECT create_distributed_table('participants', 'agency_id', colocate_with => 'announcements');
SELECT create_distributed_table('attendances', 'agency_id', colocate_with => 'announcements');
SELECT create_distributed_table('audit_events', 'agency_id', colocate_with => 'announcements');
SELECT create_distributed_table('contact_events', 'agency_id', colocate_with => 'announcements');
SELECT create_distributed_table('contact_invitations', 'agency_id', colocate_with => 'announcements');
SELECT create_distributed_table('contact_opt_outs', 'agency_id', colocate_with => 'announcements');
SELECT create_distributed_table('contact_person_invitations', 'agency_id', colocate_with => 'announcements');
SELECT create_distributed_table('contact_survey_rules', 'agency_id', colocate_with => 'announcements');
SELECT create_distributed_table('contact_survey_tokens', 'agency_id', colocate_with => 'announcements');
SELECT create_distributed_table('decisions', 'agency_id', colocate_with => 'announcements');
SELECT create_distributed_table('decision_events', 'agency_id', colocate_with => 'announcements');
SELECT create_distributed_table('feedback_items', 'agency_id', colocate_with => 'announcements');
SELECT create_distributed_table('decision_feedback', 'agency_id', colocate_with => 'announcements');
SELECT create_distributed_table('decision_organizations', 'agency_id', colocate_with => 'announcements');
SELECT create_distributed_table('decision_updates', 'agency_id', colocate_with => 'announcements');
SELECT create_distributed_table('event_co_hosts', 'agency_id', colocate_with => 'announcements');
SELECT create_distributed_table('event_head_counts', 'agency_id', colocate_with => 'announcements');
SELECT create_distributed_table('event_liaisons', 'agency_id', colocate_with => 'announcements');
SELECT create_distributed_table('feedback_tracking', 'agency_id', colocate_with => 'announcements');
SELECT create_distributed_table('feedback_transitions', 'agency_id', colocate_with => 'announcements');
SELECT create_distributed_table('outbox', 'agency_id', colocate_with => 'announcements');
SELECT create_distributed_table('participant_demographics', 'agency_id', colocate_with => 'announcements');
SELECT create_distributed_table('priorities', 'agency_id', colocate_with => 'announcements');
SELECT create_distributed_table('priority_decisions', 'agency_id', colocate_with => 'announcements');
SELECT create_distributed_table('priority_endorsements', 'agency_id', colocate_with => 'announcements');
SELECT create_distributed_table('priority_feedback', 'agency_id', colocate_with => 'announcements');
SELECT create_distributed_table('report_backs', 'agency_id', colocate_with => 'announcements');
SELECT create_distributed_table('priority_report_backs', 'agency_id', colocate_with => 'announcements');
SELECT create_distributed_table('registration_codes', 'agency_id', colocate_with => 'announcements');
SELECT create_distributed_table('report_back_feedback', 'agency_id', colocate_with => 'announcements');
SELECT create_distributed_table('survey_invitations', 'agency_id', colocate_with => 'announcements');
SELECT create_distributed_table('survey_responses', 'agency_id', colocate_with => 'announcements');
SELECT create_distributed_table('survey_tokens', 'agency_id', colocate_with => 'announcements');
SELECT create_distributed_table('webhook_subscriptions', 'agency_id', colocate_with => 'announcements');
SELECT create_distributed_table('webhook_deliveries', 'agency_id', colocate_with => 'announcements');
SELECT create_distributed_table('norm_tables', 'agency_id', colocate_with => 'announcements');
SELECT create_distributed_table('agency_pooling', 'agency_id', colocate_with => 'announcements');
SELECT create_distributed_table('insight_periods', 'agency_id', colocate_with => 'announcements');
SELECT create_distributed_table('insight_snapshots', 'agency_id', colocate_with => 'announcements');
SELECT create_distributed_table('insight_sources', 'agency_id', colocate_with => 'announcements');
