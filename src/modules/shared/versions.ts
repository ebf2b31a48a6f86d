// Optimistic locking: which versions of a resource a write may apply to (from If-Match or a GraphQL argument).

/** One version, any of several, or any current version ("*"). */
export type VersionCondition = number | number[] | 'any'

export function versionMatches(condition: VersionCondition, current: number): boolean {
  if (condition === 'any') return true
  return Array.isArray(condition) ? condition.includes(current) : condition === current
}
