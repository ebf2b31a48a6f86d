// The shape of a registration (an attendance record). Names appear only in the staff's attendee lists.
import type { AttendanceRow } from './attendance-repository.ts'

export type RegistrationView = ReturnType<typeof registrationView>

const iso = (d: Date | null) => (d ? d.toISOString() : null)

/** `displayName`: the participant's name, for staff; `waitlistPosition`: 1 is next in line. */
export function registrationView(a: AttendanceRow, displayName: string | null, waitlistPosition: number | null) {
  return {
    id: a.id,
    eventId: a.eventId,
    participantId: a.participantId,
    displayName,
    role: a.role,
    status: a.status,
    waitlistPosition: a.status === 'waitlisted' ? waitlistPosition : null,
    registeredAt: iso(a.registeredAt),
    checkedInAt: iso(a.checkedInAt),
    cancelledAt: iso(a.cancelledAt),
    accommodations: a.requestedAccommodations,
    version: a.version,
    createdAt: a.createdAt.toISOString(),
    updatedAt: a.updatedAt.toISOString(),
  }
}

export type HeadCountView = { id: string; eventId: string; count: number; countedAt: string; note: string | null; createdAt: string }
