"""What the booking app announces; notify's receivers act on it (booking never imports notify).

`booking_changing` goes out inside the transaction that makes a change, with `booking=`,
`change=` (CONFIRMED, RESCHEDULED or CANCELLED) and, for a reschedule, `previous_start=`. Its
receivers write what the change sets off (outbox messages, calendar copies) in that same
transaction, so those rows exist exactly when the change does, even should the process die
right after the commit; they enqueue their tasks with `transaction.on_commit`. They only write
rows: the booking's locks are held meanwhile (on SQLite, the database's write lock), and an
error among them undoes the change.

The other three are sent once the transaction has committed, so a receiver never sees a
booking that was rolled back; nothing may be written there that must not be lost.
"""

from django.dispatch import Signal

CONFIRMED, RESCHEDULED, CANCELLED = "confirmed", "rescheduled", "cancelled"

booking_changing = Signal()

booking_confirmed = Signal()
booking_rescheduled = Signal()
booking_cancelled = Signal()
