// Events as iCalendar (RFC 5545, RFC 7986): stable UIDs, SEQUENCE, series as RRULE masters with overrides, VTIMEZONEs.
import ICAL from 'ical.js'
import { tzlib_get_ical_block } from 'timezones-ical-library'
import { toLocal, toOffsetIso } from '../../time.ts'
import { expand } from './recurrence.ts'
import type { AgencyRow } from '../agencies/agencies-repository.ts'
import type { CalendarFeed, FeedSeries } from './event-feeds-service.ts'
import type { EventView } from './event-view.ts'

// RFC 7986 FEATURE is a comma-separated list; ical.js's design set predates it and would quote the list as one value.
ICAL.design.icalendar.param.feature = { multiValue: ',', allowXName: true, allowIanaToken: true }
// NAME (RFC 7986) and X-WR-CALNAME are TEXT: unknown to ical.js, they would be written raw, line breaks and all.
ICAL.design.icalendar.property.name = { defaultType: 'text' }
ICAL.design.icalendar.property['x-wr-calname'] = { defaultType: 'text' }
// ical.js folds at foldLength octets plus the leading space; 74 keeps every line within RFC 5545's 75 octets.
ICAL.foldLength = 74

type Component = InstanceType<typeof ICAL.Component>

const statuses: Record<EventView['status'], string> = {
  draft: 'TENTATIVE',
  scheduled: 'CONFIRMED',
  postponed: 'TENTATIVE',
  cancelled: 'CANCELLED',
  completed: 'CONFIRMED',
}

const accommodationLabels: Record<string, string> = {
  step_free_access: 'step-free access',
  accessible_restroom: 'accessible restroom',
  accessible_parking: 'accessible parking',
  sign_language_interpretation: 'sign language interpretation',
  live_captioning: 'live captioning',
  assistive_listening: 'assistive listening',
  large_print: 'large print',
  braille: 'braille',
  plain_language: 'plain language',
  childcare: 'childcare',
  transit_nearby: 'transit nearby',
  quiet_room: 'quiet room',
  food_provided: 'food provided',
  scent_free: 'scent-free',
}
export const accommodationLabel = (a: string) => accommodationLabels[a] ?? a.replaceAll('_', ' ')

const utc = (d: Date) => ICAL.Time.fromJSDate(d, true)
const durationMs = (e: EventView) => Date.parse(e.endsAt) - Date.parse(e.startsAt)

/** A property whose value is the wall-clock time of an instant in a zone, with TZID (the zone's VTIMEZONE is in the calendar). */
function zoned(name: string, instant: Date, timeZone: string) {
  const p = new ICAL.Property(name)
  p.setValue(ICAL.Time.fromDateTimeString(toOffsetIso(instant, timeZone).slice(0, 19)))
  p.setParameter('tzid', timeZone)
  return p
}

export function addressLine(e: EventView): string | null {
  if (!e.venue) return null
  const a = e.venue.address
  const parts = [e.venue.name, a?.street, a?.locality, [a?.region, a?.postalCode].filter(Boolean).join(' '), a?.country]
  return parts.filter((p) => p && p.trim()).join(', ') || null
}

/** What a calendar shows of an event beyond its times: two occurrences with the same fingerprint need no override. */
const fingerprint = (e: EventView) =>
  JSON.stringify([e.title, e.description, e.status, e.statusReason, e.kind, e.format, e.venue, e.online, e.languages, e.interpretation, e.accommodations, e.topics, e.contentLanguage, e.descriptionLanguage, e.capacity, e.registrationRequired])

/** Language names a person reads ("Somali", not "so"), in English; a tag Intl cannot name stays as it is. */
function languageNames(tags: string[]): string {
  const names = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'code' })
  return tags.map((tag) => {
    try {
      return names.of(tag) ?? tag
    } catch {
      return tag
    }
  }).join(', ')
}

function describe(e: EventView): string {
  const lines = [e.description ?? '']
  if (e.statusReason) lines.push(`${e.status === 'cancelled' ? 'Cancelled' : 'Note'}: ${e.statusReason}`)
  if (e.languages.length) lines.push(`Languages: ${languageNames(e.languages)}`)
  if (e.interpretation.length) lines.push(`Interpretation: ${languageNames(e.interpretation)}`)
  if (e.accommodations.length) lines.push(`Accessibility: ${e.accommodations.map(accommodationLabel).join(', ')}`)
  if (e.online?.dialIn) lines.push(`Dial-in: ${e.online.dialIn.number}${e.online.dialIn.accessCode ? ` (code ${e.online.dialIn.accessCode})` : ''}`)
  return lines.filter(Boolean).join('\n')
}

function conference(uri: string, features: string[], label: string) {
  const p = new ICAL.Property('conference')
  p.resetType('uri') // RFC 7986 §5.11: VALUE=URI is required
  p.setParameter('feature', features as never)
  p.setParameter('label', label)
  p.setValue(uri)
  return p
}

/** The properties a VEVENT takes from an event's content: summary, place, ways in, status. */
function addContent(v: Component, e: EventView) {
  const summary = v.addPropertyWithValue('summary', e.title)
  summary.setParameter('language', e.contentLanguage)
  const description = describe(e)
  // Labelled with the language the description is in (its own fallback may differ from the title's); the notes added
  // to an event with no description are English.
  if (description) v.addPropertyWithValue('description', description).setParameter('language', e.descriptionLanguage ?? 'en')
  v.addPropertyWithValue('status', statuses[e.status])
  v.addPropertyWithValue('class', 'PUBLIC')
  const categories = new ICAL.Property('categories')
  categories.setValues([e.kind, ...e.topics])
  v.addProperty(categories)
  const location = addressLine(e)
  if (location) v.addPropertyWithValue('location', location)
  if (e.venue?.geo) v.addPropertyWithValue('geo', [e.venue.geo.latitude, e.venue.geo.longitude])
  if (e.online?.joinUrl) {
    v.addPropertyWithValue('url', e.online.joinUrl)
    v.addProperty(conference(e.online.joinUrl, ['VIDEO', 'AUDIO'], 'Join online'))
  }
  if (e.online?.dialIn) v.addProperty(conference(`tel:${e.online.dialIn.number.replace(/[^0-9+]/g, '')}`, ['PHONE'], 'Dial in'))
  if (e.online?.captionsUrl) v.addProperty(conference(e.online.captionsUrl, ['FEED'], 'Live captions'))
}

function addStamps(v: Component, e: EventView) {
  v.addPropertyWithValue('dtstamp', utc(new Date(e.updatedAt)))
  v.addPropertyWithValue('created', utc(new Date(e.createdAt)))
  v.addPropertyWithValue('last-modified', utc(new Date(e.updatedAt)))
}

/** A one-off event, or one occurrence (with its series' UID and RECURRENCE-ID when `seriesUid` is given). */
function single(e: EventView, seriesUid?: string): Component {
  const v = new ICAL.Component('vevent')
  v.addPropertyWithValue('uid', seriesUid ?? e.id)
  addStamps(v, e)
  v.addProperty(zoned('dtstart', new Date(e.startsAt), e.timeZone))
  v.addProperty(zoned('dtend', new Date(e.endsAt), e.timeZone))
  if (seriesUid && e.recurrenceId) v.addProperty(zoned('recurrence-id', new Date(e.recurrenceId), e.timeZone))
  v.addPropertyWithValue('sequence', e.sequence)
  addContent(v, e)
  return v
}

/**
 * A series' occurrences in the feed, all under the series' UID, each identified by its RECURRENCE-ID (its original start,
 * kept through edits of the series). The master's instances are exactly the listed RECURRENCE-IDs: its RRULE (bounded by
 * UNTIL, with an EXDATE per rule date not listed) when the current rule gives all of them, otherwise DTSTART plus one
 * RDATE per other occurrence (after the series moved to another time, the old identities no longer fit a rule). An
 * overriding VEVENT follows for each occurrence whose time or content differs from the master's.
 */
function seriesComponents(members: EventView[], fs: FeedSeries): Component[] {
  const withId = members.filter((e) => e.recurrenceId)
  const standalone = members.filter((e) => !e.recurrenceId).map((e) => single(e))
  if (withId.length === 0) return standalone
  withId.sort((a, b) => Date.parse(a.recurrenceId!) - Date.parse(b.recurrenceId!))
  const listed = new Set(withId.map((e) => Date.parse(e.recurrenceId!)))
  const first = Date.parse(withId[0]!.recurrenceId!)
  const last = Date.parse(withId.at(-1)!.recurrenceId!)
  const timeZone = fs.series.timeZone
  // After the series moved to another time of day, its occurrences' identities are the rule's dates at the old time.
  const ruleStartList = identityStarts(fs, toLocal(new Date(first), timeZone).slice(11), new Date(last))
  const ruleStarts = new Set(ruleStartList.map((d) => d.getTime()))
  const byRule = [...listed].every((ms) => ruleStarts.has(ms))

  // The master carries what most occurrences share, so only the odd ones need an override; it is CANCELLED only when
  // every occurrence is (some clients read a cancelled master as the whole series called off).
  const counts = new Map<string, number>()
  const live = withId.filter((e) => e.status !== 'cancelled')
  for (const e of live.length ? live : withId) counts.set(fingerprint(e), (counts.get(fingerprint(e)) ?? 0) + 1)
  const common = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]![0]
  const template = withId.find((e) => fingerprint(e) === common)!
  const duration = durationMs(template)

  const master = new ICAL.Component('vevent')
  master.addPropertyWithValue('uid', fs.series.id)
  addStamps(master, { ...template, createdAt: fs.series.createdAt, updatedAt: maxIso([fs.series.updatedAt, ...withId.map((e) => e.updatedAt)]) })
  master.addProperty(zoned('dtstart', new Date(first), timeZone))
  master.addPropertyWithValue('duration', ICAL.Duration.fromSeconds(duration / 1000))
  if (byRule) {
    const rule = ICAL.Recur.fromString(fs.series.recurrence.rule.replace(/^RRULE:/i, ''))
    rule.count = null
    rule.until = utc(new Date(last))
    master.addPropertyWithValue('rrule', rule)
    for (const start of ruleStartList) {
      const ms = start.getTime()
      if (ms > first && ms < last && !listed.has(ms)) master.addProperty(zoned('exdate', start, timeZone))
    }
  } else for (const ms of [...listed].slice(1)) master.addProperty(zoned('rdate', new Date(ms), timeZone))
  // Every series edit raises the series' version, so the master's SEQUENCE never falls (nor below any occurrence's).
  master.addPropertyWithValue('sequence', Math.max(fs.series.version - 1, ...withId.map((e) => e.sequence)))
  addContent(master, template)

  const overrides = withId
    .filter((e) => fingerprint(e) !== common || Date.parse(e.startsAt) !== Date.parse(e.recurrenceId!) || durationMs(e) !== duration)
    .map((e) => single(e, fs.series.id))
  return [master, ...overrides, ...standalone]
}

/**
 * The starts the master's RRULE can give: the series' rule without its end (the master is bounded by UNTIL instead, so
 * occurrences a shortened rule dropped keep their place), its first date at `time` of day (the identities' time).
 */
function identityStarts(fs: FeedSeries, time: string, last: Date): Date[] {
  const { rule, start } = fs.series.recurrence
  const open = rule.replace(/^RRULE:/i, '').split(';').filter((part) => !/^(COUNT|UNTIL)=/i.test(part)).join(';')
  try {
    return expand(open, `${start.slice(0, 11)}${time}`, fs.series.timeZone, [], last).map((o) => o.start)
  } catch {
    return []
  }
}

const maxIso = (values: string[]) => values.reduce((a, b) => (a > b ? a : b))

function vtimezone(timeZone: string): Component | undefined {
  const block = tzlib_get_ical_block(timeZone)
  const text = Array.isArray(block) ? block[0] : undefined
  return text ? new ICAL.Component(ICAL.parse(text) as unknown as unknown[]) : undefined
}

/**
 * Makes every value and parameter safe to write: line breaks become LF (ical.js writes TEXT's as \n), and no other
 * control character, nor a line break outside TEXT, is left to start a line of its own in a calendar client.
 */
function sanitize(component: Component): Component {
  for (const p of component.getAllProperties()) {
    const values = p.getValues()
    const cleaned = values.map((v) => (typeof v === 'string' ? cleanValue(v, p.type === 'text') : v))
    if (cleaned.some((v, i) => v !== values[i])) {
      if (p.isMultiValue) p.setValues(cleaned as never)
      else p.setValue(cleaned[0] as never)
    }
    for (const name of Object.keys(p.toJSON()[1] as object)) {
      const param = p.getParameter(name)
      if (typeof param === 'string') p.setParameter(name, cleanValue(param, false))
    }
  }
  component.getAllSubcomponents().forEach(sanitize)
  return component
}

const cleanValue = (value: string, text: boolean) =>
  text ? value.replace(/\r\n?|[\u2028\u2029]/g, '\n').replace(/[\0-\x08\x0b-\x1f\x7f]/g, '') : value.replace(/[\0-\x1f\x7f\u2028\u2029]/g, '')

/** The calendar for a feed: name, refresh hint, a VTIMEZONE per zone used, then the events (series folded into RRULEs). */
export function toICalendar(feed: CalendarFeed, { name, defaultAgency }: { name: string; defaultAgency?: AgencyRow }): string {
  const cal = new ICAL.Component('vcalendar')
  cal.addPropertyWithValue('prodid', '-//Community Engagement API//Events//EN')
  cal.addPropertyWithValue('version', '2.0')
  cal.addPropertyWithValue('calscale', 'GREGORIAN')
  cal.addPropertyWithValue('name', name)
  cal.addPropertyWithValue('x-wr-calname', name)
  const agencyZone = defaultAgency?.timeZone ?? feed.agencies.values().next().value?.timeZone
  if (agencyZone) cal.addPropertyWithValue('x-wr-timezone', agencyZone)
  const refresh = new ICAL.Property('refresh-interval')
  refresh.resetType('duration')
  refresh.setValue(ICAL.Duration.fromSeconds(3600))
  cal.addProperty(refresh)
  cal.addPropertyWithValue('x-published-ttl', 'PT1H')

  const zones = new Set([...(agencyZone ? [agencyZone] : []), ...feed.events.map((e) => e.timeZone), ...[...feed.series.values()].map((s) => s.series.timeZone)])
  for (const tz of [...zones].sort()) {
    const component = vtimezone(tz)
    if (component) cal.addSubcomponent(component)
  }

  const bySeries = new Map<string, EventView[]>()
  for (const e of feed.events) {
    if (e.seriesId && feed.series.has(e.seriesId)) bySeries.set(e.seriesId, [...(bySeries.get(e.seriesId) ?? []), e])
    else cal.addSubcomponent(single(e, e.seriesId && e.recurrenceId ? e.seriesId : undefined))
  }
  for (const [id, members] of bySeries) for (const c of seriesComponents(members, feed.series.get(id)!)) cal.addSubcomponent(c)
  return sanitize(cal).toString() + '\r\n'
}
