// "Upcoming meetings in my language near me": a command-line client built only on the public REST API (typed client).
//   npm run example:upcoming -- --language so --near 40.82,-91.12 --accommodation step_free_access
import { parseArgs } from 'node:util'
import { createEngagementClient, type Accommodation, type Event } from '../../clients/typescript/client.ts'
import { describeMeeting, distanceKm } from './describe.ts'
import { labelsFor } from './labels.ts'

const usage = `Usage: upcoming [--api URL] [--language TAG] [--near LAT,LON] [--within-km N] [--accommodation NAME]... [--days N] [--limit N]

Lists upcoming community meetings held in (or interpreted into) your language, nearest first in time,
with the accommodations you need. Online meetings are always included when --near is given; cancelled
meetings are not upcoming and are left out. Labels are in your language where the example has them
(English, Spanish), else English; titles come in your language where the agency wrote one.

  --api URL             the API's address (default http://127.0.0.1:3000)
  --language TAG        a BCP 47 language tag, e.g. so, es, vi (default en)
  --near LAT,LON        only in-person meetings within --within-km of this point
  --within-km N         the distance for --near (default 10)
  --accommodation NAME  an accommodation you need, e.g. step_free_access (repeat for several)
  --days N              how far ahead to look (default 60)
  --limit N             at most this many meetings (default 5)`

type Options = { api: string; language: string; near?: [number, number]; withinKm: number; accommodations: Accommodation[]; days: number; limit: number }

class UsageError extends Error {}

function options(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      api: { type: 'string', default: 'http://127.0.0.1:3000' },
      language: { type: 'string', default: 'en' },
      near: { type: 'string' },
      'within-km': { type: 'string', default: '10' },
      accommodation: { type: 'string', multiple: true, default: [] },
      days: { type: 'string', default: '60' },
      limit: { type: 'string', default: '5' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  })
  if (values.help) throw new UsageError('')
  const number = (name: string, raw: string, min: number, max: number) => {
    const n = Number(raw)
    if (!Number.isFinite(n) || n < min || n > max) throw new UsageError(`--${name} must be a number from ${min} to ${max}`)
    return n
  }
  let near: [number, number] | undefined
  if (values.near) {
    const [lat, lon] = values.near.split(',').map((s) => s.trim())
    near = [number('near latitude', lat ?? '', -90, 90), number('near longitude', lon ?? '', -180, 180)]
  }
  return {
    api: values.api,
    language: values.language,
    near,
    withinKm: number('within-km', values['within-km'], 0, 20_000),
    accommodations: values.accommodation as Accommodation[],
    days: number('days', values.days, 1, 400),
    limit: Math.trunc(number('limit', values.limit, 1, 100)),
  }
}

/** Pages through the API until `limit` meetings pass the distance check (online meetings always do). */
async function upcoming(o: Options): Promise<Event[]> {
  const api = createEngagementClient(o.api)
  const now = new Date()
  const found: Event[] = []
  let cursor: string | undefined
  do {
    const { data, error } = await api.GET('/v1/events', {
      params: {
        query: {
          language: [o.language],
          accommodation: o.accommodations.length ? o.accommodations : undefined,
          // A cancelled meeting is not upcoming; a postponed one is shown, marked as such.
          status: ['scheduled', 'postponed'],
          from: now.toISOString(),
          to: new Date(now.getTime() + o.days * 86_400_000).toISOString(),
          limit: 50,
          cursor,
          lang: o.language,
        },
      },
    })
    if (error) throw new Error(`The API refused the request: ${error.detail} (${error.code})`)
    for (const event of data.data) {
      const distance = o.near && event.venue?.geo ? distanceKm(o.near, [event.venue.geo.latitude, event.venue.geo.longitude]) : undefined
      const reachable = !o.near || event.format !== 'in_person' || (distance !== undefined && distance <= o.withinKm)
      if (reachable) found.push(event)
      if (found.length >= o.limit) return found
    }
    cursor = data.nextCursor ?? undefined
  } while (cursor)
  return found
}

async function main(argv: string[]): Promise<number> {
  let o: Options
  try {
    o = options(argv)
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err)
    process.stderr.write(`${message ? `${message}\n\n` : ''}${usage}\n`)
    return message ? 2 : 0
  }
  try {
    const meetings = await upcoming(o)
    const labels = { ...labelsFor(o.language), asked: o.language }
    const language = new Intl.DisplayNames([labels.locale], { type: 'language' }).of(o.language) ?? o.language
    const where = o.near ? labels.within(o.withinKm, o.near.join(', ')) : ''
    const needs = o.accommodations.length ? labels.needs(o.accommodations.map((a) => a.replaceAll('_', ' ')).join(labels.and)) : ''
    const lines = [labels.heading(meetings.length, language, where, needs), '']
    meetings.forEach((m, i) => lines.push(...describeMeeting(m, i + 1, { near: o.near, api: o.api, labels }), ''))
    process.stdout.write(lines.join('\n'))
    return 0
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`)
    return 1
  }
}

process.exitCode = await main(process.argv.slice(2))
