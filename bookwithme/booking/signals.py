"""What the booking app announces after a commit; notify's receivers act on it.

Each is sent with `booking=` (and `previous_start=` for a reschedule) once the transaction that
made the change has committed, so a receiver never sees a booking that was rolled back.
"""

from django.dispatch import Signal

booking_confirmed = Signal()
booking_rescheduled = Signal()
booking_cancelled = Signal()
