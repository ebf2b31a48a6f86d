// Giving feedback anonymously has its own, smaller allowance per client address; signed-in callers keep theirs.
import t from 'tap'
import { bearer } from './helpers/auth.ts'
import { build } from './helpers/build.ts'

t.test('when an anonymous address submits more than a sixth of its allowance in a minute, then it gets 429 with Retry-After', async (t) => {
  const { app } = await build(t, { env: { RATE_LIMIT_ANONYMOUS_PER_MINUTE: '12' } })
  const submit = (headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url: '/v1/feedback', headers, payload: { agency: 'metro', body: 'Hello', language: 'en', topic: 'other' } })
  t.equal((await submit()).statusCode, 201)
  t.equal((await submit()).statusCode, 201)
  const refused = await submit()
  t.equal(refused.statusCode, 429)
  t.equal(refused.json().code, 'RATE_LIMITED')
  t.ok(refused.headers['retry-after'])
  t.equal((await submit(await bearer())).statusCode, 201, 'staff are not held to the anonymous allowance')
  t.equal((await app.inject({ method: 'GET', url: '/v1/feedback' })).statusCode, 200, 'reading is not held to the submission allowance')
})
