// Plain-text description of a meeting for screen readers and terminals: one fact a line, words not symbols.
import type { Event } from '../../clients/typescript/client.ts'

/** Great-circle distance in km (haversine). */
export function distanceKm([lat1, lon1]: [number, number], [lat2, lon2]: [number, number]): number {
  const rad = (d: number) => (d * Math.PI) / 180
  const a = Math.sin(rad(lat2 - lat1) / 2) ** 2 + Math.cos(rad(lat1)) * Math.cos(rad(lat2)) * Math.sin(rad(lon2 - lon1) / 2) ** 2
  return 6371 * 2 * Math.asin(Math.sqrt(a))
}

const formats = { in_person: 'In person', virtual: 'Online', hybrid: 'In person and online' } as const

export function describeMeeting(m: Event, n: number, { near, api, language }: { near?: [number, number]; api: string; language: string }): string[] {
  const names = new Intl.DisplayNames(['en'], { type: 'language' })
  const when = new Intl.DateTimeFormat('en', { dateStyle: 'full', timeStyle: 'short', timeZone: m.timeZone })
  const until = new Intl.DateTimeFormat('en', { timeStyle: 'short', timeZone: m.timeZone })
  const lines = [`${n}. ${m.title}${m.status === 'cancelled' ? ' (CANCELLED)' : m.status === 'postponed' ? ' (POSTPONED)' : ''}`]
  if (m.contentLanguage !== language) lines.push(`   Title in ${names.of(m.contentLanguage) ?? m.contentLanguage}: no translation in ${names.of(language) ?? language} yet.`)
  lines.push(`   When: ${when.format(new Date(m.startsAt))} until ${until.format(new Date(m.endsAt))} (${m.timeZone.replaceAll('_', ' ')} time)`)
  lines.push(`   How: ${formats[m.format]}`)
  if (m.venue) {
    const a = m.venue.address
    const address = [m.venue.name, a?.street, a?.locality].filter(Boolean).join(', ')
    const distance = near && m.venue.geo ? `, about ${distanceKm(near, [m.venue.geo.latitude, m.venue.geo.longitude]).toFixed(1)} km away` : ''
    lines.push(`   Where: ${address}${distance}`)
  }
  if (m.online?.joinUrl) lines.push(`   Join online: ${m.online.joinUrl}`)
  if (m.online?.dialIn) lines.push(`   Join by phone: ${m.online.dialIn.number}${m.online.dialIn.accessCode ? `, code ${m.online.dialIn.accessCode}` : ''}`)
  lines.push(`   Spoken: ${m.languages.map((l) => names.of(l) ?? l).join(', ') || 'not stated'}`)
  if (m.interpretation.length) lines.push(`   Interpretation: ${m.interpretation.map((l) => names.of(l) ?? l).join(', ')}`)
  if (m.accommodations.length) lines.push(`   Access: ${m.accommodations.map((a) => a.replaceAll('_', ' ')).join(', ')}`)
  lines.push(`   Add to calendar: ${new URL(`/v1/events/${m.id}.ics`, api).href}`)
  return lines
}
