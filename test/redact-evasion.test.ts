// Contact details hidden with invisible or look-alike characters are redacted like plain ones, on every path that
// shows published feedback, and what is published is the normalized text (no invisible characters left to hide in).
import t from 'tap'
import fc from 'fast-check'
import { bearer } from './helpers/auth.ts'
import { build } from './helpers/build.ts'
import { redact } from '../src/modules/feedback/redact.ts'

/** What a reader sees in a text: invisible characters dropped, compatibility forms folded, look-alike dots read as dots. */
const readable = (s: string) =>
  s
    .replace(/[\p{Cf}\p{Default_Ignorable_Code_Point}]/gu, '')
    .normalize('NFKC')
    .replace(/[。·•∙⋅‧・]/gu, '.')
    .toLowerCase()

// Canary details: each is "recovered" if its key survives in what a reader sees.
const details = {
  email: { text: 'canary.ruiz@example.org', recovered: (s: string) => /canary|example\.org/.test(readable(s)) },
  phone: { text: '555-201-4477', recovered: (s: string) => readable(s).replace(/\D/g, '').includes('5552014477') },
  address: { text: '12 Larkspur St.', recovered: (s: string) => /larkspur/.test(readable(s).replace(/[^\p{L}]/gu, '')) },
}

const between = (c: string) => (s: string) => [...s].join(c)
const middle = (c: string) => (s: string) => s.slice(0, s.length >> 1) + c + s.slice(s.length >> 1)
const fullwidth = (s: string) => s.replace(/[!-~]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0))
const bidi = ['\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069', '\u200e', '\u200f', '\u061c']
const evasions: Record<string, (s: string) => string> = {
  'zero-width space between every character': between('\u200b'),
  'zero-width space once': middle('\u200b'),
  'soft hyphen between every character': between('\u00ad'),
  'soft hyphen once': middle('\u00ad'),
  'word joiner between every character': between('\u2060'),
  'word joiner once': middle('\u2060'),
  'bidi controls between every character': (s) => [...s].map((c, i) => c + bidi[i % bidi.length]).join(''),
  'right-to-left override once': middle('\u202e'),
  'fullwidth forms': fullwidth,
  'one-dot leaders for dots and dashes': (s) => s.replace(/[.-]/g, '\u2024'),
  'all at once': (s) => between('\u200b')(fullwidth(s).replace(/[．－]/g, '\u2024')),
}

const cases = Object.entries(details).flatMap(([kind, d]) => Object.entries(evasions).map(([evasion, hide]) => ({ kind, evasion, hidden: hide(d.text), recovered: d.recovered })))

t.test('when a contact detail is hidden with invisible or look-alike characters, then redaction still removes it', async (t) => {
  for (const c of cases) {
    const out = redact(`Please reach me: ${c.hidden} thanks`)
    t.notOk(c.recovered(out), `${c.kind}, ${c.evasion}: ${JSON.stringify(out)}`)
    t.notMatch(out, /[\p{Cf}\p{Default_Ignorable_Code_Point}]/u, `${c.kind}, ${c.evasion}: nothing invisible is published`)
  }
})

t.test('when text holds emoji sequences, a Catalan middle dot or a Japanese full stop, then publication keeps them', async (t) => {
  for (const text of ['👩🏽‍💻 and 👨‍👩‍👧 at the meeting ❤️', 'La col·lecció del barri', '会議は良かった。ありがとう'])
    t.equal(redact(text), text)
  t.equal(redact('Fullwidth Ｔｅｘｔ and ① stay readable'), 'Fullwidth Text and 1 stay readable', 'compatibility forms are folded (NFKC)')
})

t.test('when any contact detail is sprinkled with any evasion characters (property), then none survives', async (t) => {
  const seed = Number(process.env.FC_SEED ?? 20261204)
  const hiders = fc.constantFrom('\u200b', '\u200c', '\u200d', '\u00ad', '\u2060', '\ufeff', '\u180e', '\u034f', ...bidi)
  const digits = (n: number) => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: n, maxLength: n }).map((d) => d.join(''))
  const word = fc.stringMatching(/^[a-z]{3,8}$/)
  const detail = fc.oneof(
    fc.tuple(word, word, fc.constantFrom('org', 'com', 'net')).map(([user, host, tld]) => ({ text: `${user}@${host}.${tld}`, recovered: (s: string) => readable(s).includes(`@${host}`) || readable(s).includes(`${host}.${tld}`) })),
    fc.tuple(digits(3), digits(3), digits(4), fc.constantFrom('-', ' ', '.', '\u2024', '\u2011')).map(([a, b, c, sep]) => ({ text: `${a}${sep}${b}${sep}${c}`, recovered: (s: string) => readable(s).replace(/\D/g, '').includes(a + b + c) })),
    fc.tuple(fc.integer({ min: 1, max: 9999 }), fc.stringMatching(/^[A-Z][a-z]{4,9}$/), fc.constantFrom('Street', 'St', 'Avenue', 'Road')).map(([n, name, type]) => ({ text: `${n} ${name} ${type}`, recovered: (s: string) => readable(s).includes(name.toLowerCase()) })),
  )
  // Each character of the detail may be made fullwidth and followed by an invisible character.
  const hidden = detail.chain((d) =>
    fc.tuple(fc.array(fc.tuple(fc.boolean(), fc.option(hiders, { nil: '' })), { minLength: d.text.length, maxLength: d.text.length })).map(([marks]) => ({
      ...d,
      hidden: [...d.text].map((c, i) => (marks[i]![0] ? fullwidth(c) : c) + marks[i]![1]).join(''),
    })),
  )
  try {
    fc.assert(
      fc.property(hidden, ({ hidden, recovered }) => !recovered(redact(`Write or call: ${hidden} please`))),
      { seed, numRuns: 300 },
    )
    t.pass(`300 runs with seed ${seed}`)
  } catch (err) {
    t.fail(`property failed with seed ${seed} (rerun with FC_SEED=${seed}): ${(err as Error).message}`)
  }
})

t.test('when evasive contact details are published, then no public path shows a recoverable one', async (t) => {
  const { app } = await build(t)
  const staff = await bearer()
  const analyst = await bearer({ role: 'analyst', sub: 'analyst-1' })
  const inject = (method: 'GET' | 'POST', url: string, payload?: unknown, headers: Record<string, string> = {}) =>
    app.inject({ method, url, headers, ...(payload !== undefined ? { payload: payload as never } : {}) })

  const published: { id: string; c: (typeof cases)[number] }[] = []
  for (const c of cases) {
    const created = await inject('POST', '/v1/feedback', { agency: 'metro', language: 'en', topic: 'other', body: `Please reach me: ${c.hidden} thanks`, publish: true })
    t.equal(created.statusCode, 201, created.body)
    published.push({ id: created.json().id, c })
  }
  // Open311 reports carry the address apart; it joins the text and is published with it.
  for (const c of cases.filter((c) => c.kind === 'address')) {
    const form = new URLSearchParams({ jurisdiction_id: 'metro', service_code: 'other', description: 'Broken streetlight', address_string: c.hidden }).toString()
    const created = await app.inject({ method: 'POST', url: '/open311/v2/requests.json', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form })
    t.equal(created.statusCode, 201, created.body)
    published.push({ id: created.json()[0].service_request_id, c })
  }
  for (const { id } of published) {
    const res = await inject('POST', `/v1/feedback/${id}/moderation`, { action: 'publish' }, { ...staff, 'if-match': '"1"' })
    t.equal(res.statusCode, 200, res.body)
  }

  type Seen = { id: string; text: string }
  const restList = (await inject('GET', '/v1/feedback?limit=100&visibility=published')).json().data as { id: string; body: string; publishedBody: string }[]
  const details = await Promise.all(published.map(async ({ id }) => (await inject('GET', `/v1/feedback/${id}`)).json() as { id: string; body: string; publishedBody: string }))
  const gql = await inject('POST', '/graphql', { query: '{ feedback(first: 100) { nodes { id body publishedBody } } }' })
  const csvRows = (who: Record<string, string>) => async () => (await inject('GET', '/v1/feedback.csv', undefined, who)).body.split('\n').map((line) => ({ id: line.slice(0, 36), text: line }))
  const open311 = (await inject('GET', '/open311/v2/requests.json?jurisdiction_id=metro')).json() as { service_request_id: string; description: string }[]
  const paths: Record<string, Seen[]> = {
    'REST feedback list': restList.map((f) => ({ id: f.id, text: `${f.body} ${f.publishedBody}` })),
    'REST feedback detail': details.map((f) => ({ id: f.id, text: `${f.body} ${f.publishedBody}` })),
    GraphQL: (gql.json().data.feedback.nodes as { id: string; body: string; publishedBody: string }[]).map((f) => ({ id: f.id, text: `${f.body} ${f.publishedBody}` })),
    'CSV export': await csvRows({})(),
    "an analyst's CSV export": await csvRows(analyst)(),
    'Open311 requests': open311.map((r) => ({ id: r.service_request_id, text: r.description })),
  }
  for (const [path, seen] of Object.entries(paths)) {
    for (const { id, c } of published) {
      const shown = seen.find((s) => s.id === id)
      if (!shown) {
        t.fail(`${path} shows ${c.kind}, ${c.evasion}`)
        continue
      }
      t.notOk(c.recovered(shown.text), `${path}, ${c.kind}, ${c.evasion}: ${JSON.stringify(shown.text)}`)
      t.notMatch(shown.text, /[\p{Cf}\p{Default_Ignorable_Code_Point}]/u, `${path}, ${c.kind}, ${c.evasion}: the normalized text is published`)
    }
  }
})
