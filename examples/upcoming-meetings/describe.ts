// Plain-text description of a meeting for screen readers and terminals: one fact a line, words not symbols.
import type { Event } from '../../clients/typescript/client.ts'
import type { Labels as Words } from './labels.ts'

/** The example's words, and the language the user asked for (which the words may not be in). */
export type Labels = Words & { asked: string }

/** Great-circle distance in km (haversine). */
export function distanceKm([lat1, lon1]: [number, number], [lat2, lon2]: [number, number]): number {
  const rad = (d: number) => (d * Math.PI) / 180
  const a = Math.sin(rad(lat2 - lat1) / 2) ** 2 + Math.cos(rad(lat1)) * Math.cos(rad(lat2)) * Math.sin(rad(lon2 - lon1) / 2) ** 2
  return 6371 * 2 * Math.asin(Math.sqrt(a))
}

/** One meeting, a fact a line, in the words of `labels` (the asked language when the example has it). */
export function describeMeeting(m: Event, n: number, { near, api, labels }: { near?: [number, number]; api: string; labels: Labels }): string[] {
  const names = new Intl.DisplayNames([labels.locale], { type: 'language' })
  const when = new Intl.DateTimeFormat(labels.locale, { dateStyle: 'full', timeStyle: 'short', timeZone: m.timeZone })
  const until = new Intl.DateTimeFormat(labels.locale, { timeStyle: 'short', timeZone: m.timeZone })
  const status = m.status === 'cancelled' ? ` (${labels.cancelled})` : m.status === 'postponed' ? ` (${labels.postponed})` : ''
  const lines = [`${n}. ${m.title}${status}`]
  if (m.contentLanguage !== labels.asked) lines.push(`   ${labels.untranslated(names.of(m.contentLanguage) ?? m.contentLanguage, names.of(labels.asked) ?? labels.asked)}`)
  lines.push(`   ${labels.when}: ${when.format(new Date(m.startsAt))} ${labels.until} ${until.format(new Date(m.endsAt))} (${labels.zone(m.timeZone.replaceAll('_', ' '))})`)
  lines.push(`   ${labels.how}: ${labels.formats[m.format]}`)
  if (m.venue) {
    const a = m.venue.address
    const address = [m.venue.name, a?.street, a?.locality].filter(Boolean).join(', ')
    const distance = near && m.venue.geo ? `, ${labels.away(distanceKm(near, [m.venue.geo.latitude, m.venue.geo.longitude]).toFixed(1))}` : ''
    lines.push(`   ${labels.where}: ${address}${distance}`)
  }
  if (m.online?.joinUrl) lines.push(`   ${labels.joinOnline}: ${m.online.joinUrl}`)
  if (m.online?.dialIn) lines.push(`   ${labels.joinByPhone}: ${m.online.dialIn.number}${m.online.dialIn.accessCode ? `, ${labels.code} ${m.online.dialIn.accessCode}` : ''}`)
  lines.push(`   ${labels.spoken}: ${m.languages.map((l) => names.of(l) ?? l).join(', ') || labels.notStated}`)
  if (m.interpretation.length) lines.push(`   ${labels.interpretation}: ${m.interpretation.map((l) => names.of(l) ?? l).join(', ')}`)
  if (m.accommodations.length) lines.push(`   ${labels.access}: ${m.accommodations.map((a) => a.replaceAll('_', ' ')).join(', ')}`)
  lines.push(`   ${labels.addToCalendar}: ${new URL(`/v1/events/${m.id}.ics?lang=${encodeURIComponent(labels.asked)}`, api).href}`)
  return lines
}
