// Inputs the announcements service accepts; every object is strict so unknown and read-only fields are refused.
import { z } from 'zod'
import { announcementChannels, announcementKinds } from '../../db/schema/index.ts'
import { instant, languageTag, translations, uuid } from '../shared/validation.ts'
import { countFlag } from '../shared/pagination.ts'

const ids = (max: number, what: string) =>
  z
    .array(uuid)
    .max(max)
    .refine((list) => new Set(list).size === list.length, `names a ${what} twice`)
const unique = <T extends z.ZodType>(item: T, max: number) =>
  z
    .array(item)
    .min(1)
    .max(max)
    .refine((list) => new Set(list as unknown[]).size === list.length, 'names one twice')

const content = {
  kind: z.enum(announcementKinds),
  title: translations(200),
  body: translations(5000),
  /** Every language it should reach people in; those without a translation are listed as missing. */
  languages: unique(languageTag, 20),
  channels: unique(z.enum(announcementChannels), announcementChannels.length),
  areaIds: ids(50, 'area'),
  organizationIds: ids(50, 'organization'),
  eventIds: ids(20, 'event'),
  decisionIds: ids(20, 'decision'),
  reportBackIds: ids(20, 'report-back'),
}

export const createAnnouncementInput = z
  .strictObject({
    kind: content.kind,
    title: content.title,
    body: content.body,
    languages: content.languages,
    channels: content.channels,
    areaIds: content.areaIds.optional(),
    organizationIds: content.organizationIds.optional(),
    eventIds: content.eventIds.optional(),
    decisionIds: content.decisionIds.optional(),
    reportBackIds: content.reportBackIds.optional(),
    /** Publish now (the default) or at a set time; a draft is kept for staff. */
    publish: z.boolean().default(true),
    publishAt: instant.optional(),
    expiresAt: instant.optional(),
  })
  .superRefine((v, ctx) => {
    if (v.expiresAt && v.publishAt && v.expiresAt.getTime() <= v.publishAt.getTime()) ctx.addIssue({ code: 'custom', path: ['expiresAt'], message: 'must be after publishAt' })
  })

/** An edit: fields left out stay as they are; null clears the expiry. Its status changes only by publish and withdraw. */
export const updateAnnouncementInput = z
  .strictObject({
    kind: content.kind.optional(),
    title: content.title.optional(),
    body: content.body.optional(),
    languages: content.languages.optional(),
    channels: content.channels.optional(),
    areaIds: content.areaIds.optional(),
    organizationIds: content.organizationIds.optional(),
    eventIds: content.eventIds.optional(),
    decisionIds: content.decisionIds.optional(),
    reportBackIds: content.reportBackIds.optional(),
    publishAt: instant.optional(),
    expiresAt: instant.nullable().optional(),
  })
  .refine((v) => Object.keys(v).length > 0, 'must change at least one field')

export const withdrawAnnouncementInput = z.strictObject({ reason: z.string().trim().min(1).max(500) })

export const reachReportInput = z.strictObject({
  channel: z.enum(announcementChannels),
  /** How many people or copies it went to through this channel (a count only). */
  count: z.int().min(0).max(10_000_000),
})

export const announcementListQuery = z.strictObject({
  agency: z.string().regex(/^[a-z0-9-]{1,63}$/).optional(),
  kind: z.array(z.enum(announcementKinds)).max(announcementKinds.length).optional(),
  areaId: z.array(uuid).max(50).optional(),
  channel: z.array(z.enum(announcementChannels)).max(announcementChannels.length).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  count: countFlag,
  cursor: z.string().max(500).optional(),
})
