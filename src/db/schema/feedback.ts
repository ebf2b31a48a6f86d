// Closing the loop: what the community said (feedback), what the agency decided, and how it was relayed back.
import { sql, type SQL } from 'drizzle-orm'
import { check, customType, date, index, integer, jsonb, pgEnum, pgTable, primaryKey, smallint, text, unique, uuid } from 'drizzle-orm/pg-core'
import { agencies, areas } from './agencies.ts'
import { id, timestamps, tombstone, tz, versioned } from './columns.ts'
import { events, type Translations } from './events.ts'
import { organizations } from './organizations.ts'
import { textVector, translationsVector } from '../text-search.ts'
import { ageBand, gender, participants, raceEthnicity } from './people.ts'

const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' })

/**
 * The controlled vocabulary of feedback topics. Rows with no agency are the standard vocabulary every
 * agency shares; an agency's admins add their own. `version` is the vocabulary version that added the
 * topic, `retiredInVersion` the one that withdrew it, so old feedback keeps the meaning it was given.
 */
export const feedbackTopics = pgTable(
  'feedback_topics',
  {
    id: id(),
    agencyId: uuid('agency_id').references(() => agencies.id, { onDelete: 'restrict' }),
    code: text('code').notNull(),
    label: jsonb('label').$type<Translations>().notNull(),
    description: jsonb('description').$type<Translations>().notNull().default({}),
    version: integer('version').notNull(),
    retiredInVersion: integer('retired_in_version'),
    createdAt: tz('created_at').notNull().defaultNow(),
  },
  (t) => [unique('feedback_topics_agency_code_key').on(t.agencyId, t.code).nullsNotDistinct()],
)

export const feedbackChannels = ['in_person', 'online_form', 'email', 'phone', 'social_media', 'partner_collected', 'survey'] as const
export const stances = ['supportive', 'neutral', 'critical'] as const
/** private: staff only. pending_moderation: the giver asked for it to be published. published: redacted text is public. withheld: moderation declined to publish. */
export const feedbackVisibilities = ['private', 'pending_moderation', 'published', 'withheld'] as const
export const feedbackStatuses = ['received', 'acknowledged', 'under_review', 'addressed', 'declined', 'referred', 'reported_back'] as const

export const feedbackChannel = pgEnum('feedback_channel', feedbackChannels)
export const stance = pgEnum('stance', stances)
export const feedbackVisibility = pgEnum('feedback_visibility', feedbackVisibilities)
export const feedbackStatus = pgEnum('feedback_status', feedbackStatuses)

export const feedbackItems = pgTable(
  'feedback_items',
  {
    id: id(),
    agencyId: uuid('agency_id')
      .notNull()
      .references(() => agencies.id, { onDelete: 'restrict' }),
    body: text('body').notNull(),
    /** BCP 47 tag of the language the body was written in. */
    bodyLanguage: text('body_language').notNull(),
    /** The moderated public text: emails, phone numbers and street addresses redacted. */
    publishedBody: text('published_body'),
    channel: feedbackChannel('channel').notNull(),
    eventId: uuid('event_id').references(() => events.id, { onDelete: 'restrict' }),
    areaId: uuid('area_id').references(() => areas.id, { onDelete: 'restrict' }),
    topicId: uuid('topic_id')
      .notNull()
      .references(() => feedbackTopics.id, { onDelete: 'restrict' }),
    stance: stance('stance'),
    /** The agency's topic-vocabulary version in force when the item was (last) classified. */
    topicVocabularyVersion: integer('topic_vocabulary_version').notNull().default(1),
    /** Null when anonymous (or after the participant was erased). */
    participantId: uuid('participant_id').references(() => participants.id, { onDelete: 'restrict' }),
    /** The partner organization that collected and submitted it. */
    organizationId: uuid('organization_id').references(() => organizations.id, { onDelete: 'restrict' }),
    visibility: feedbackVisibility('visibility').notNull().default('private'),
    status: feedbackStatus('status').notNull().default('received'),
    statusReason: text('status_reason'),
    /** When the community gave it (a partner may submit later what it collected earlier). */
    receivedAt: tz('received_at').notNull().defaultNow(),
    // First time each lifecycle milestone was reached: closing-the-loop times without replaying history.
    acknowledgedAt: tz('acknowledged_at'),
    decidedAt: tz('decided_at'),
    reportedBackAt: tz('reported_back_at'),
    /** The body as an analyst reads it (contact details removed by redact.ts when written): what analysts search. */
    deidentifiedBody: text('deidentified_body'),
    // Words as written and stemmed in the item's language (src/db/text-search.ts), for each text a caller may search.
    searchPublic: tsvector('search_public').generatedAlwaysAs((): SQL => sql.raw(textVector("coalesce(published_body, '')", 'body_language'))),
    searchPrivate: tsvector('search_private').generatedAlwaysAs((): SQL => sql.raw(textVector('body', 'body_language'))),
    searchDeidentified: tsvector('search_deidentified').generatedAlwaysAs((): SQL => sql.raw(textVector("coalesce(deidentified_body, '')", 'body_language'))),
    ...versioned(),
    ...timestamps(),
    ...tombstone(),
  },
  (t) => [
    index('feedback_items_agency_received_idx').on(t.agencyId, t.receivedAt, t.id),
    index('feedback_items_received_idx').on(t.receivedAt, t.id),
    index('feedback_items_event_idx').on(t.eventId, t.receivedAt),
    index('feedback_items_area_idx').on(t.areaId),
    index('feedback_items_topic_idx').on(t.topicId),
    index('feedback_items_participant_idx').on(t.participantId),
    index('feedback_items_organization_idx').on(t.organizationId),
    index('feedback_items_updated_idx').on(t.updatedAt, t.id),
    // Insights: the newest change per agency is one index probe.
    index('feedback_items_agency_updated_idx').on(t.agencyId, t.updatedAt),
    index('feedback_items_published_idx').on(t.receivedAt, t.id).where(sql`visibility = 'published' AND deleted_at IS NULL`),
    // An event's published feedback (the public loop pages): its count index-only, its first page in order without a sort.
    index('feedback_items_event_published_idx').on(t.eventId, t.receivedAt, t.id).where(sql`visibility = 'published' AND deleted_at IS NULL`),
    index('feedback_items_search_public_idx').using('gin', t.searchPublic),
    index('feedback_items_search_private_idx').using('gin', t.searchPrivate),
    index('feedback_items_search_deidentified_idx').using('gin', t.searchDeidentified),
    index('feedback_items_status_idx').on(t.agencyId, t.status),
  ],
)

/** Every lifecycle transition of a feedback item: who, when, from what to what, and why. */
export const feedbackTransitions = pgTable(
  'feedback_transitions',
  {
    id: id(),
    agencyId: uuid('agency_id')
      .notNull()
      .references(() => agencies.id, { onDelete: 'restrict' }),
    feedbackId: uuid('feedback_id')
      .notNull()
      .references(() => feedbackItems.id, { onDelete: 'cascade' }),
    fromStatus: feedbackStatus('from_status'),
    toStatus: feedbackStatus('to_status').notNull(),
    at: tz('at').notNull().defaultNow(),
    /** Actor kind (public, partner, staff, admin); the subject only for agency staff, never for the public. */
    actorKind: text('actor_kind').notNull(),
    actorSubject: text('actor_subject'),
    note: text('note'),
  },
  (t) => [index('feedback_transitions_feedback_idx').on(t.feedbackId, t.at), index('feedback_transitions_agency_at_idx').on(t.agencyId, t.at)],
)

export const decisionStatuses = ['proposed', 'adopted', 'in_progress', 'implemented', 'rejected', 'deferred'] as const
export const decisionStatus = pgEnum('decision_status', decisionStatuses)
export const publicationStates = ['draft', 'published'] as const
export const publicationState = pgEnum('publication_state', publicationStates)

export const decisions = pgTable(
  'decisions',
  {
    id: id(),
    agencyId: uuid('agency_id')
      .notNull()
      .references(() => agencies.id, { onDelete: 'restrict' }),
    title: jsonb('title').$type<Translations>().notNull(),
    summary: jsonb('summary').$type<Translations>().notNull().default({}),
    rationale: jsonb('rationale').$type<Translations>().notNull().default({}),
    /** Who decided: a role or body (e.g. "Chief of Police", "Community Advisory Board"), not a person's account. */
    decidedBy: text('decided_by'),
    decidedAt: tz('decided_at'),
    status: decisionStatus('status').notNull().default('proposed'),
    publication: publicationState('publication').notNull().default('draft'),
    areaId: uuid('area_id').references(() => areas.id, { onDelete: 'restrict' }),
    topicId: uuid('topic_id').references(() => feedbackTopics.id, { onDelete: 'restrict' }),
    search: tsvector('search').generatedAlwaysAs((): SQL => sql.raw(translationsVector(['title', 'summary', 'rationale']))),
    ...versioned(),
    ...timestamps(),
    ...tombstone(),
  },
  (t) => [
    index('decisions_agency_created_idx').on(t.agencyId, t.createdAt, t.id),
    index('decisions_created_idx').on(t.createdAt, t.id),
    index('decisions_updated_idx').on(t.updatedAt, t.id),
    index('decisions_search_idx').using('gin', t.search),
  ],
)

/** Dated progress on a decision ("in progress since…", "implemented on…"). */
export const decisionUpdates = pgTable(
  'decision_updates',
  {
    id: id(),
    agencyId: uuid('agency_id')
      .notNull()
      .references(() => agencies.id, { onDelete: 'restrict' }),
    decisionId: uuid('decision_id')
      .notNull()
      .references(() => decisions.id, { onDelete: 'cascade' }),
    on: date('on', { mode: 'string' }).notNull(),
    status: decisionStatus('status').notNull(),
    note: jsonb('note').$type<Translations>().notNull().default({}),
    createdAt: tz('created_at').notNull().defaultNow(),
  },
  (t) => [index('decision_updates_decision_idx').on(t.decisionId, t.on)],
)

export const decisionFeedback = pgTable(
  'decision_feedback',
  {
    decisionId: uuid('decision_id')
      .notNull()
      .references(() => decisions.id, { onDelete: 'cascade' }),
    feedbackId: uuid('feedback_id')
      .notNull()
      .references(() => feedbackItems.id, { onDelete: 'cascade' }),
    agencyId: uuid('agency_id')
      .notNull()
      .references(() => agencies.id, { onDelete: 'restrict' }),
  },
  (t) => [
    primaryKey({ name: 'decision_feedback_pkey', columns: [t.decisionId, t.feedbackId] }),
    index('decision_feedback_feedback_idx').on(t.feedbackId, t.decisionId),
  ],
)

export const decisionEvents = pgTable(
  'decision_events',
  {
    decisionId: uuid('decision_id')
      .notNull()
      .references(() => decisions.id, { onDelete: 'cascade' }),
    eventId: uuid('event_id')
      .notNull()
      .references(() => events.id, { onDelete: 'cascade' }),
    agencyId: uuid('agency_id')
      .notNull()
      .references(() => agencies.id, { onDelete: 'restrict' }),
  },
  (t) => [
    primaryKey({ name: 'decision_events_pkey', columns: [t.decisionId, t.eventId] }),
    index('decision_events_event_idx').on(t.eventId, t.decisionId),
  ],
)

export const decisionOrganizations = pgTable(
  'decision_organizations',
  {
    decisionId: uuid('decision_id')
      .notNull()
      .references(() => decisions.id, { onDelete: 'cascade' }),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'restrict' }),
    agencyId: uuid('agency_id')
      .notNull()
      .references(() => agencies.id, { onDelete: 'restrict' }),
  },
  (t) => [
    primaryKey({ name: 'decision_organizations_pkey', columns: [t.decisionId, t.organizationId] }),
    index('decision_organizations_organization_idx').on(t.organizationId),
  ],
)

export const reportBackChannels = ['community_meeting', 'website', 'social_media', 'email', 'sms', 'letter', 'news_media', 'partner_organization', 'other'] as const
export const reportBackAudiences = ['general_public', 'feedback_givers', 'partner_organizations', 'area_residents', 'advisory_board'] as const
export const reportBackChannel = pgEnum('report_back_channel', reportBackChannels)
export const reportBackAudience = pgEnum('report_back_audience', reportBackAudiences)

/** How an outcome was relayed to the community. Recording one marks its feedback as reported back. */
export const reportBacks = pgTable(
  'report_backs',
  {
    id: id(),
    agencyId: uuid('agency_id')
      .notNull()
      .references(() => agencies.id, { onDelete: 'restrict' }),
    decisionId: uuid('decision_id').references(() => decisions.id, { onDelete: 'restrict' }),
    channel: reportBackChannel('channel').notNull(),
    relayedAt: tz('relayed_at').notNull(),
    eventId: uuid('event_id').references(() => events.id, { onDelete: 'restrict' }),
    languages: text('languages').array().notNull().default(sql`'{}'::text[]`),
    audience: reportBackAudience('audience').array().notNull().default(sql`'{}'::report_back_audience[]`),
    summary: jsonb('summary').$type<Translations>().notNull().default({}),
    url: text('url'),
    publication: publicationState('publication').notNull().default('published'),
    ...versioned(),
    ...timestamps(),
    ...tombstone(),
  },
  (t) => [
    index('report_backs_agency_relayed_idx').on(t.agencyId, t.relayedAt, t.id),
    index('report_backs_relayed_idx').on(t.relayedAt, t.id),
    index('report_backs_decision_idx').on(t.decisionId, t.relayedAt),
    index('report_backs_event_idx').on(t.eventId),
    index('report_backs_updated_idx').on(t.updatedAt, t.id),
  ],
)

export const reportBackFeedback = pgTable(
  'report_back_feedback',
  {
    reportBackId: uuid('report_back_id')
      .notNull()
      .references(() => reportBacks.id, { onDelete: 'cascade' }),
    feedbackId: uuid('feedback_id')
      .notNull()
      .references(() => feedbackItems.id, { onDelete: 'cascade' }),
    agencyId: uuid('agency_id')
      .notNull()
      .references(() => agencies.id, { onDelete: 'restrict' }),
  },
  (t) => [
    primaryKey({ name: 'report_back_feedback_pkey', columns: [t.reportBackId, t.feedbackId] }),
    index('report_back_feedback_feedback_idx').on(t.feedbackId),
  ],
)

/** Anonymous post-event survey on the four procedural-justice principles, 1–5 each (null: not answered). */
export const surveyResponses = pgTable(
  'survey_responses',
  {
    id: id(),
    agencyId: uuid('agency_id')
      .notNull()
      .references(() => agencies.id, { onDelete: 'restrict' }),
    /** The event answered about; null for a survey carried by online feedback. */
    eventId: uuid('event_id').references(() => events.id, { onDelete: 'restrict' }),
    /** Online-only responses: the feedback's area and topic (no reference to the feedback or its giver). */
    areaId: uuid('area_id').references(() => areas.id, { onDelete: 'restrict' }),
    topicId: uuid('topic_id').references(() => feedbackTopics.id, { onDelete: 'restrict' }),
    dignity: smallint('dignity'),
    voice: smallint('voice'),
    neutrality: smallint('neutrality'),
    trust: smallint('trust'),
    language: text('language'),
    /** Voluntary demographics (each optional, prefer_not_to_say allowed): they leave the API only as weighted, suppressed aggregates. */
    ageBand: ageBand('age_band'),
    gender: gender('gender'),
    raceEthnicity: raceEthnicity('race_ethnicity'),
    /** A survey after police contact: the contact's kind (its beat is areaId); no reference to the contact. */
    contactKind: text('contact_kind'),
    createdAt: tz('created_at').notNull().defaultNow(),
  },
  (t) => [
    index('survey_responses_event_idx').on(t.eventId),
    index('survey_responses_agency_created_idx').on(t.agencyId, t.createdAt),
    index('survey_responses_area_idx').on(t.areaId),
    index('survey_responses_topic_idx').on(t.topicId),
    check(
      'survey_responses_scores_in_range',
      sql`coalesce(${t.dignity}, 1) BETWEEN 1 AND 5 AND coalesce(${t.voice}, 1) BETWEEN 1 AND 5 AND coalesce(${t.neutrality}, 1) BETWEEN 1 AND 5 AND coalesce(${t.trust}, 1) BETWEEN 1 AND 5`,
    ),
  ],
)
