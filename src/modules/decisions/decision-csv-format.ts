// Decisions as CSV rows for analysts: one flat row per decision, text in the caller's language, id lists space-separated.
import type { DecisionView } from './decision-view.ts'

const list = (values: string[]) => values.join(' ')

/** Column name → value; the order here is the column order of the export. */
const columns: Record<string, (d: DecisionView) => string | number | null> = {
  id: (d) => d.id,
  agencyId: (d) => d.agencyId,
  title: (d) => d.title,
  contentLanguage: (d) => d.contentLanguage,
  summary: (d) => d.summary,
  rationale: (d) => d.rationale,
  status: (d) => d.status,
  publication: (d) => d.publication,
  decidedBy: (d) => d.decidedBy,
  decidedAt: (d) => d.decidedAt,
  areaId: (d) => d.areaId,
  topic: (d) => d.topic,
  feedbackIds: (d) => list(d.feedbackIds),
  eventIds: (d) => list(d.eventIds),
  organizationIds: (d) => list(d.organizationIds),
  // The latest progress update (updates are kept oldest first).
  lastUpdateOn: (d) => d.updates.at(-1)?.on ?? null,
  lastUpdateStatus: (d) => d.updates.at(-1)?.status ?? null,
  lastUpdateNote: (d) => d.updates.at(-1)?.note ?? null,
  createdAt: (d) => d.createdAt,
  updatedAt: (d) => d.updatedAt,
  deletedAt: (d) => d.deletedAt,
}

export const decisionCsvColumns = Object.keys(columns)

export function decisionCsvRecord(d: DecisionView): (string | number | null)[] {
  return Object.values(columns).map((value) => value(d))
}
