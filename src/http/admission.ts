// Which entries a cache keeps: only what is asked for a second time. A query written with its ids in the text (not as
// variables) is a new key per id, asked once; kept, each would push a reused entry out and hold memory for nothing.

/**
 * A doorkeeper (TinyLFU's): remembers up to `capacity` keys seen once, oldest forgotten first, and admits a key on its
 * second sighting. A key kept by the cache it guards is not asked about again.
 */
export function secondSighting(capacity: number): (key: string) => boolean {
  const seen = new Set<string>()
  return (key) => {
    if (seen.delete(key)) return true
    if (seen.size >= capacity) seen.delete(seen.values().next().value!)
    seen.add(key)
    return false
  }
}
