// Outreach announcements: a multilingual message the agency wants spread, to whom, through which channels, and when;
// the API sends nothing itself: partners and agency systems report back what they sent, per channel.
import { check, index, integer, jsonb, pgEnum, pgTable, text, uuid } from 'drizzle-orm/pg-core'
import { sql } from 'drizzle-orm'
import { agencies } from './agencies.ts'
import { id, timestamps, tz, versioned } from './columns.ts'
import { type Translations } from './events.ts'
import { organizations } from './organizations.ts'

export const announcementKinds = ['upcoming_meeting', 'schedule_change', 'decision', 'report_back', 'safety_notice', 'other'] as const
export const announcementKind = pgEnum('announcement_kind', announcementKinds)
export const announcementChannels = ['web', 'email', 'sms', 'social', 'print', 'radio', 'word_of_mouth'] as const
export const announcementChannel = pgEnum('announcement_channel', announcementChannels)
export const announcementStatuses = ['draft', 'published', 'withdrawn'] as const
export const announcementStatus = pgEnum('announcement_status', announcementStatuses)

export const announcements = pgTable(
  'announcements',
  {
    id: id(),
    agencyId: uuid('agency_id')
      .notNull()
      .references(() => agencies.id, { onDelete: 'restrict' }),
    kind: announcementKind('kind').notNull(),
    title: jsonb('title').$type<Translations>().notNull(),
    body: jsonb('body').$type<Translations>().notNull(),
    /** The languages it should reach people in; those without a translation are listed as missing. */
    languages: text('languages').array().notNull(),
    areaIds: uuid('area_ids').array().notNull().default(sql`'{}'::uuid[]`),
    organizationIds: uuid('organization_ids').array().notNull().default(sql`'{}'::uuid[]`),
    channels: announcementChannel('channels').array().notNull(),
    eventIds: uuid('event_ids').array().notNull().default(sql`'{}'::uuid[]`),
    decisionIds: uuid('decision_ids').array().notNull().default(sql`'{}'::uuid[]`),
    reportBackIds: uuid('report_back_ids').array().notNull().default(sql`'{}'::uuid[]`),
    status: announcementStatus('status').notNull(),
    publishAt: tz('publish_at').notNull(),
    expiresAt: tz('expires_at'),
    withdrawnReason: text('withdrawn_reason'),
    /** Up to when its going live and expiring (time, not a write) are in the outbox: the scheduled-changes sweep moves it on. */
    timesNotedAt: tz('times_noted_at').notNull().defaultNow(),
    ...versioned(),
    ...timestamps(),
  },
  (t) => [
    index('announcements_agency_publish_idx').on(t.agencyId, t.publishAt, t.id),
    // Only announcements with a publish or expiry time still to note: the sweep reads these few.
    index('announcements_times_due_idx')
      .on(t.publishAt)
      .where(sql`status = 'published' AND (publish_at > times_noted_at OR expires_at > times_noted_at)`),
    check('announcements_expiry_check', sql`${t.expiresAt} is null or ${t.expiresAt} > ${t.publishAt}`),
  ],
)

/** What a partner or agency system reports it sent: a count per channel, nothing about who received it. */
export const announcementReach = pgTable(
  'announcement_reach',
  {
    id: id(),
    announcementId: uuid('announcement_id')
      .notNull()
      .references(() => announcements.id, { onDelete: 'cascade' }),
    agencyId: uuid('agency_id')
      .notNull()
      .references(() => agencies.id, { onDelete: 'restrict' }),
    channel: announcementChannel('channel').notNull(),
    count: integer('count').notNull(),
    /** The partner organization that sent it; null when the agency did. */
    organizationId: uuid('organization_id').references(() => organizations.id, { onDelete: 'restrict' }),
    reportedAt: tz('reported_at').notNull(),
  },
  (t) => [index('announcement_reach_announcement_idx').on(t.announcementId), check('announcement_reach_count_check', sql`${t.count} >= 0`)],
)
