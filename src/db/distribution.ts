// Where each table lives on a distributed PostgreSQL (Citus): the single source of truth docs/SCALE.md explains and
// test/distribution.test.ts holds the migrated schema to. A new table without an entry here fails that test.

/**
 * `distributed`: sharded by `agency_id`, co-located with every other tenant table (one agency's rows on one shard group).
 * `reference`: small global lookup, copied to every node so any shard joins it locally.
 * `local`: platform state with no agency, kept on the coordinator only.
 */
export type Placement =
  | { kind: 'distributed'; exception?: string }
  | { kind: 'reference'; reason: string }
  | { kind: 'local'; reason: string }

const distributed: Placement = { kind: 'distributed' }

/** The distribution column of every distributed table. */
export const distributionColumn = 'agency_id'

export const distribution: Record<string, Placement> = {
  // Reference tables: read by every shard, written rarely.
  agencies: { kind: 'reference', reason: 'the tenants themselves: every tenant row references one, and public lists spanning agencies join them' },
  feedback_topics: { kind: 'reference', reason: 'the topic vocabulary: standard topics have no agency (agency_id null), agency topics are few; feedback, decisions and surveys join it' },

  // Local tables: no agency, coordinator only.
  rate_limit_allowances: { kind: 'local', reason: 'keyed by caller (address or credential), not agency; short-lived slices on the coordinator every instance reaches' },
  shared_secrets: { kind: 'local', reason: 'secrets shared by every instance of the deployment, not by an agency' },
  webhook_dispatch_position: { kind: 'local', reason: "the one dispatcher's position in the outbox across all agencies" },
  idempotency_keys: {
    kind: 'local',
    reason: 'keyed by principal, which names no agency column; planned: add agency_id from the principal and distribute it (docs/SCALE.md, "Not done")',
  },

  // Tenant tables: distributed by agency_id.
  announcement_liaisons: distributed,
  announcement_reach: distributed,
  announcements: distributed,
  api_clients: distributed,
  areas: distributed,
  attendances: distributed,
  audit_events: { kind: 'distributed', exception: 'agency_id is nullable (no writer passes null today); planned: SET NOT NULL once AuditEntry.agencyId is typed non-null' },
  contact_events: distributed,
  contact_invitations: distributed,
  contact_opt_outs: distributed,
  contact_person_invitations: distributed,
  contact_survey_rules: distributed,
  contact_survey_tokens: distributed,
  decision_events: distributed,
  decision_feedback: distributed,
  decision_organizations: distributed,
  decision_updates: distributed,
  decisions: distributed,
  event_co_hosts: distributed,
  event_head_counts: distributed,
  event_liaisons: distributed,
  event_series: distributed,
  events: distributed,
  feedback_items: distributed,
  feedback_tracking: distributed,
  feedback_transitions: distributed,
  liaisons: distributed,
  organizations: distributed,
  outbox: { kind: 'distributed', exception: 'agency_id is nullable (no writer passes null today); planned: SET NOT NULL once OutboxEntry.agencyId is typed non-null' },
  participant_demographics: distributed,
  participants: distributed,
  priorities: distributed,
  priority_decisions: distributed,
  priority_endorsements: distributed,
  priority_feedback: distributed,
  priority_report_backs: distributed,
  registration_codes: distributed,
  report_back_feedback: distributed,
  report_backs: distributed,
  survey_invitations: distributed,
  survey_responses: distributed,
  survey_tokens: distributed,
  norm_tables: distributed,
  agency_pooling: distributed,
  insight_periods: distributed,
  insight_snapshots: distributed,
  insight_sources: distributed,
  webhook_deliveries: distributed,
  webhook_subscriptions: distributed,
}

export const tablesOf = (kind: Placement['kind']): string[] =>
  Object.entries(distribution)
    .filter(([, p]) => p.kind === kind)
    .map(([name]) => name)
    .sort()

/**
 * Hand-written triggers on distributed tables and what Citus asks of each (docs/SCALE.md, "What changes in the code"):
 * a trigger fires on the worker holding the shard, so each is reviewed; a new one fails the test until it is listed.
 */
export const triggers: Record<string, string> = {
  'audit_events.audit_events_append_only': 'refuses UPDATE and DELETE of its own row: safe on a shard',
  'outbox.outbox_notify': "NOTIFY from a worker misses the coordinator's listeners: the unit of work sends pg_notify itself",
  'areas.areas_set_lineage': "reads the parent area (same agency, same shard): to verify under citus.enable_unsafe_triggers, or move into the repository's statement",
  'areas.areas_move_descendants': "updates descendant areas (same agency, same shard): to verify under citus.enable_unsafe_triggers, or move into the repository's statement",
}
