// The pure rules of surveys after police contact: who may be asked, when, and the keyed hashes that decide it without
// keeping the person. No I/O here, so the month-long simulation and the service decide alike.
import { createHmac } from 'node:crypto'
import { contactFlags } from '../../db/schema/index.ts'
import { localToInstant, toLocal } from '../../time.ts'

export type ContactRules = {
  excludedFlags: string[]
  delayMinutes: number
  quietStartMinute: number
  quietEndMinute: number
  oncePerDays: number
  maxAgeHours: number
  windowDays: number
  samplingRates: Partial<Record<string, number>>
  defaultRate: number
  version: number
}

/** Every exclusion on, a two-hour delay, quiet from 21:00 to 08:00, one invitation per person per 90 days, everyone sampled. */
export const defaultContactRules: ContactRules = {
  excludedFlags: [...contactFlags],
  delayMinutes: 120,
  quietStartMinute: 21 * 60,
  quietEndMinute: 8 * 60,
  oncePerDays: 90,
  maxAgeHours: 72,
  windowDays: 7,
  samplingRates: {},
  defaultRate: 1,
  version: 0,
}

const MINUTE = 60_000
const HOUR = 3_600_000
const DAY = 86_400_000

/** A phone as E.164 (+ and 8–15 digits) after dropping spaces, dots, dashes and brackets; undefined when it is not one. */
export function normalizePhone(raw: string): string | undefined {
  const compact = raw.replace(/[\s().-]/g, '')
  return /^\+[1-9]\d{7,14}$/.test(compact) ? compact : undefined
}

/** An email trimmed and lower-cased (the whole address: providers differ on local-part rules); undefined when malformed. */
export function normalizeEmail(raw: string): string | undefined {
  const email = raw.trim().toLowerCase()
  return email.length <= 254 && /^[^\s@"<>()[\],;:\\]{1,64}@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/.test(email) ? email : undefined
}

/** Keyed hashes (HMAC-SHA256 with this database's secret): without the key a hash cannot be tested against guessed numbers. */
export function contactHasher(key: string) {
  const mac = (text: string) => createHmac('sha256', key).update(text).digest()
  return {
    /** The person, by normalized phone or email, within one agency. */
    person: (agencyId: string, channel: 'sms' | 'email', address: string) => mac(`person\0${agencyId}\0${channel}\0${address}`).toString('base64url'),
    /** The agency's incident or contact id: a re-sent event finds its key. */
    event: (agencyId: string, externalId: string) => mac(`event\0${agencyId}\0${externalId}`).toString('base64url'),
    /** A number in [0, 1) fixed by the event, so a re-sent event is sampled alike. */
    draw: (agencyId: string, externalId: string) => mac(`sample\0${agencyId}\0${externalId}`).readUInt32BE(0) / 2 ** 32,
  }
}
export type ContactHasher = ReturnType<typeof contactHasher>

const minuteOfDay = (local: string) => Number(local.slice(11, 13)) * 60 + Number(local.slice(14, 16))
const inQuiet = (minute: number, start: number, end: number) => (start === end ? false : start < end ? minute >= start && minute < end : minute >= start || minute < end)
const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`

/** The earliest time at or after `at` outside the agency's quiet hours (local wall-clock time in `timeZone`). */
export function outsideQuietHours(at: Date, rules: Pick<ContactRules, 'quietStartMinute' | 'quietEndMinute'>, timeZone: string): Date {
  const { quietStartMinute: start, quietEndMinute: end } = rules
  const local = toLocal(at, timeZone)
  const minute = minuteOfDay(local)
  if (!inQuiet(minute, start, end)) return at
  // Quiet hours that wrap midnight end on the next local day when they began before it.
  const nextDay = start > end && minute >= start
  const day = nextDay ? new Date(Date.parse(`${local.slice(0, 10)}T00:00:00Z`) + DAY).toISOString().slice(0, 10) : local.slice(0, 10)
  return localToInstant(`${day}T${hhmm(end)}`, timeZone)
}

/** When the agency's system may send the invitation: the delay after the contact (or now, if later), out of quiet hours. */
export function sendAfterOf(occurredAt: Date, now: Date, rules: ContactRules, timeZone: string): Date {
  const earliest = Math.max(occurredAt.getTime() + rules.delayMinutes * MINUTE, now.getTime())
  return outsideQuietHours(new Date(earliest), rules, timeZone)
}

export type Exclusion = 'flag' | 'opted_out' | 'not_sampled' | 'too_old' | 'recently_invited'

/** Why a contact is not invited by the rules that need no stored state (flags, age, sampling), or undefined. */
export function statelessExclusion(item: { flags: string[]; occurredAt: Date; kind: string; draw: number }, now: Date, rules: ContactRules): { reason: Exclusion; flag?: string } | undefined {
  const flag = item.flags.find((f) => rules.excludedFlags.includes(f))
  if (flag) return { reason: 'flag', flag }
  if (now.getTime() - item.occurredAt.getTime() > rules.maxAgeHours * HOUR) return { reason: 'too_old' }
  const rate = rules.samplingRates[item.kind] ?? rules.defaultRate
  if (item.draw >= rate) return { reason: 'not_sampled' }
  return undefined
}

/** The start of the UTC week (Monday) of an instant: how precisely an answer is dated. */
export function weekOf(at: Date): Date {
  const day = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate())
  return new Date(day - ((new Date(day).getUTCDay() + 6) % 7) * DAY)
}
