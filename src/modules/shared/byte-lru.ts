/** A least-recently-used map bounded by the bytes its entries are said to weigh: what an instance keeps stays small. */
export type ByteLru<T> = ReturnType<typeof createByteLru<T>>

export function createByteLru<T>(maxBytes: number) {
  const entries = new Map<string, { value: T; bytes: number }>()
  let total = 0
  const drop = (key: string) => {
    const e = entries.get(key)
    if (!e) return
    entries.delete(key)
    total -= e.bytes
  }
  return {
    get(key: string): T | undefined {
      const e = entries.get(key)
      if (!e) return undefined
      // Map keeps insertion order: moving a hit to the end makes the first entry the least recently used.
      entries.delete(key)
      entries.set(key, e)
      return e.value
    },
    set(key: string, value: T, bytes: number): void {
      drop(key)
      if (bytes > maxBytes) return
      entries.set(key, { value, bytes })
      total += bytes
      for (const oldest of entries.keys()) {
        if (total <= maxBytes) break
        drop(oldest)
      }
    },
    delete: drop,
    clear(): void {
      entries.clear()
      total = 0
    },
    get bytes(): number {
      return total
    },
    get size(): number {
      return entries.size
    },
  }
}
