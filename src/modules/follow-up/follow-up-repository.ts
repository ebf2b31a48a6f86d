// SQL for follow-up: a tracking code's hash written with its feedback item, and what the giver may see of that item.
import { and, asc, eq, isNull } from 'drizzle-orm'
import type { Queryable } from '../../db/client.ts'
import { plannedInsert, type PlannedInsert } from '../../db/unit-of-work.ts'
import { feedbackItems, feedbackTopics, feedbackTracking, feedbackTransitions, priorityFeedback, reportBackFeedback } from '../../db/schema/index.ts'

export type TrackedItem = Awaited<ReturnType<ReturnType<typeof createFollowUpRepository>['itemOf']>>

export function createFollowUpRepository(db: Queryable) {
  return {
    /** The code's hash, written in the feedback item's unit of work. */
    planCode(values: { feedbackId: string; agencyId: string; codeHash: string; createdAt: Date }): PlannedInsert {
      return plannedInsert(feedbackTracking, values)
    },

    /** The live item a code's hash names: its progress only, never its text, its giver or who handled it. */
    async itemOf(codeHash: string) {
      const [row] = await db
        .select({
          id: feedbackItems.id,
          agencyId: feedbackItems.agencyId,
          language: feedbackItems.bodyLanguage,
          topic: feedbackTopics.code,
          status: feedbackItems.status,
          statusReason: feedbackItems.statusReason,
          receivedAt: feedbackItems.receivedAt,
          acknowledgedAt: feedbackItems.acknowledgedAt,
          decidedAt: feedbackItems.decidedAt,
          reportedBackAt: feedbackItems.reportedBackAt,
        })
        .from(feedbackTracking)
        .innerJoin(feedbackItems, eq(feedbackItems.id, feedbackTracking.feedbackId))
        .innerJoin(feedbackTopics, eq(feedbackTopics.id, feedbackItems.topicId))
        .where(and(eq(feedbackTracking.codeHash, codeHash), isNull(feedbackItems.deletedAt)))
        .limit(1)
      return row
    },

    /** The item's lifecycle steps: statuses and times only (staff notes stay with staff). */
    steps(feedbackId: string): Promise<{ status: string; at: Date }[]> {
      return db
        .select({ status: feedbackTransitions.toStatus, at: feedbackTransitions.at })
        .from(feedbackTransitions)
        .where(eq(feedbackTransitions.feedbackId, feedbackId))
        .orderBy(asc(feedbackTransitions.at), asc(feedbackTransitions.id))
    },

    /** Report-backs that relayed the item's outcome, and shared priorities it supports (ids; visibility is the caller's to apply). */
    async linksOf(feedbackId: string): Promise<{ reportBackIds: string[]; priorityIds: string[] }> {
      const [reportBacks, priorities] = await Promise.all([
        db.select({ id: reportBackFeedback.reportBackId }).from(reportBackFeedback).where(eq(reportBackFeedback.feedbackId, feedbackId)),
        db.select({ id: priorityFeedback.priorityId }).from(priorityFeedback).where(eq(priorityFeedback.targetId, feedbackId)),
      ])
      return { reportBackIds: reportBacks.map((r) => r.id), priorityIds: priorities.map((p) => p.id) }
    },
  }
}
