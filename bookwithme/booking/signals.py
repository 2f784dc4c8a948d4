"""What the booking app announces; notify's receivers act on it (booking never imports notify).

`booking_changing` goes out inside the transaction that makes a change, with `booking=`,
`change=` (CONFIRMED, RESCHEDULED, CANCELLED, REQUESTED or DECLINED) and, for a reschedule,
`previous_start=`. The change's locks are held meanwhile (the owner's row, the booking's; on
SQLite, the database's write lock), so a receiver writes only what must commit with the
change, and as little as it can: notify's enqueues one task (a row of the task table), which
fans the change out in a worker. An error in a receiver undoes the change. Receivers answer
nothing.

The other three are sent once the transaction has committed, so a receiver never sees a
booking that was rolled back; nothing may be written there that must not be lost.
"""

from django.dispatch import Signal

CONFIRMED, RESCHEDULED, CANCELLED = "confirmed", "rescheduled", "cancelled"
# A booking of a type that requires approval: made waiting (REQUESTED), then approved
# (CONFIRMED, as any booking made) or declined by its organizer or for want of a decision.
REQUESTED, DECLINED = "requested", "declined"

booking_changing = Signal()

booking_confirmed = Signal()
booking_rescheduled = Signal()
booking_cancelled = Signal()
