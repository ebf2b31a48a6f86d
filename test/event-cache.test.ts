// The event cache's own rules, with the signals sent by hand: what a change drops, what a read under way may keep, the
// byte budget. That it is exact with two instances on a real database is test/shared-instances.test.ts's.
import t from 'tap'
import type { Invalidation } from '../src/modules/outbox/cache-invalidation.ts'
import { createEventCache, type EventView } from '../src/modules/reads/event-cache.ts'

function cacheOf(maxBytes: number) {
  let listener: (what: Invalidation) => void = () => {}
  let listening = true
  const cache = createEventCache({
    caches: { on: (l) => ((listener = l), () => {}), heardAll: () => (listening ? Promise.resolve() : Promise.reject(new Error('not listening'))) },
    maxBytes,
  })
  let loads = 0
  const view = (body: string): EventView => ({ body, version: 1, contentLanguage: 'en', descriptionLanguage: 'en' })
  const load = (body: string) => async () => (loads++, view(body))
  return { cache, signal: (what: Invalidation) => listener(what), setListening: (on: boolean) => void (listening = on), load, loads: () => loads }
}

t.test('when an event is read twice, then the second read is kept; a change to it, its agency or a series drops it', async (t) => {
  const { cache, signal, load, loads } = cacheOf(1 << 20)
  await cache.read('e1', 'en', load('one'))
  t.equal((await cache.read('e1', 'en', load('changed')))?.body, 'one', 'kept')
  t.equal((await cache.read('e1', 'vi', load('một')))?.body, 'một', 'another language is another view')
  t.equal(loads(), 2)
  signal({ entityType: 'feedback', entityId: 'e1' })
  signal({ entityType: 'event', entityId: 'e2' })
  t.equal((await cache.read('e1', 'en', load('changed')))?.body, 'one', 'other entities’ changes leave it')
  signal({ entityType: 'event', entityId: 'e1' })
  t.equal((await cache.read('e1', 'en', load('two')))?.body, 'two', 'its change drops it')
  t.equal((await cache.read('e1', 'vi', load('hai')))?.body, 'hai', 'in every language')
  for (const what of [{ entityType: 'agency', entityId: 'a1' }, { entityType: 'series', entityId: 's1' }, 'everything'] as const) {
    const before = loads()
    signal(what)
    await cache.read('e1', 'en', load('again'))
    t.equal(loads(), before + 1, `${typeof what === 'string' ? what : what.entityType}: dropped`)
  }
  t.equal((await cache.read('e1', 'en', load('fresh'), true))?.body, 'fresh', 'fresh always loads')
})

t.test('when a change is heard while a read loads, then what it loaded is answered but not kept', async (t) => {
  const { cache, signal, load, loads } = cacheOf(1 << 20)
  let release = () => {}
  const slow = cache.read('e1', 'en', () => new Promise<EventView>((resolve) => (release = () => resolve({ body: 'old', version: 1, contentLanguage: 'en', descriptionLanguage: null }))))
  signal({ entityType: 'event', entityId: 'e1' })
  release()
  t.equal((await slow)?.body, 'old', 'the read answers what it read')
  t.equal((await cache.read('e1', 'en', load('new')))?.body, 'new', 'the next read loads again')
  t.equal(loads(), 1)
})

t.test('when the listen cannot vouch for the signals, then kept views are not answered', async (t) => {
  const { cache, setListening, load } = cacheOf(1 << 20)
  await cache.read('e1', 'en', load('one'))
  setListening(false)
  t.equal((await cache.read('e1', 'en', load('two')))?.body, 'two', 'read from the database')
  setListening(true)
  t.equal((await cache.read('e1', 'en', load('three')))?.body, 'two', 'kept again once it listens')
})

t.test('when more events are read than the budget holds, then the least recently used go first and the views stay within it', async (t) => {
  const body = 'x'.repeat(800)
  const { cache, load, loads } = cacheOf(10_000)
  for (let i = 0; i < 50; i++) await cache.read(`e${i}`, 'en', load(body))
  t.ok(cache.size() <= 10_000, `${cache.size()} bytes kept`)
  const before = loads()
  await cache.read('e49', 'en', load(body))
  t.equal(loads(), before, 'the last read is kept')
  await cache.read('e0', 'en', load(body))
  t.equal(loads(), before + 1, 'the first went')
  const none = cacheOf(0)
  await none.cache.read('e1', 'en', none.load('one'))
  await none.cache.read('e1', 'en', none.load('one'))
  t.equal(none.loads(), 2, 'EVENT_CACHE_MB=0 keeps nothing')
})
