// Which entries the plan and document caches keep: what is asked for a second time (a query written with its ids in
// the text is a new key per id, asked once).
import t from 'tap'
import { secondSighting } from '../src/http/admission.ts'
import { planCache } from '../src/http/plan-cache.ts'

t.test('when a key is seen once, then it is not admitted; seen again, it is', async (t) => {
  const admit = secondSighting(2)
  t.equal(admit('a'), false)
  t.equal(admit('a'), true, 'the second sighting is admitted')
  t.equal(admit('a'), false, 'and forgotten by the doorkeeper: the cache keeps it from now on')
  admit('b')
  admit('c')
  admit('d')
  t.equal(admit('b'), false, 'over capacity, the oldest key seen once is forgotten first')
  t.equal(admit('d'), true)
})

t.test('when a plan is set once, then the cache does not keep it; set again after a miss, it does', async (t) => {
  const plans = planCache<number>()
  plans.set('query?id=1', 1)
  t.equal(plans.get('query?id=1'), undefined, 'a one-off request is not kept')
  plans.set('query?id=1', 1)
  t.equal(plans.get('query?id=1'), 1, 'asked again: kept')
  plans.set('query?id=1', 2)
  t.equal(plans.get('query?id=1'), 2, 'a kept key is replaced without a second sighting')
})
