"""Work kept in rows and done by tasks: the one way the outbox and the calendar write-back run.

A row says what is to be done and how far it got; its task only says "look at row N now". So a
task may be lost, repeated or late without harm:

- claim: a conditional UPDATE takes a lease (`leased_until`) on a row that is due, or on one
  whose lease ran out because its worker died mid-attempt; a second run finds it taken and
  ends. The attempt is counted at the claim, so an attempt that never came back counts too.
- retry: a failed attempt puts the row back to pending, next tried 1 minute later, doubling, at
  most an hour apart, its task enqueued in the same transaction, until RETRY_FOR has passed
  since the work was asked for; then the row is failed, with the last error on it.
- resume: a sweep, at a worker's start and then every minute, enqueues the task of each row a
  worker should take up: one due whose task was lost (claimed by a worker that was killed, or
  its task row deleted; rows and their tasks are written in one transaction) and one whose
  lease ran out.

This is at least once: a worker killed after the SMTP server or the calendar took the work, but
before the row said so, does it again once the lease has run out. The outbox keeps each
message's Message-ID for that, so a rare duplicate is recognisable; the write-back writes at
the same address, which replaces.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.db import models, transaction
from django.db.models import F, Q
from django.tasks import Task
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

RETRY_FOR = timedelta(hours=24)
FIRST_RETRY = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=1)

PENDING, FAILED = "pending", "failed"
# A row's primary key: a number, or a UUID (webhook deliveries), given to a task as text.
RowId = int | str | UUID


class Leased(models.Model):
    """What every row of work carries besides its own state (which has `pending` and `failed`)."""

    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    # When a pending row is due: when it was asked for, a reminder's time, or a retry's.
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    # Held while a worker is at it; once it has run out, another worker takes the row back.
    leased_until = models.DateTimeField(
        _("attempt in progress until"), null=True, blank=True, editable=False
    )

    class Meta:
        abstract = True


def backoff(attempts: int) -> timedelta:
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_WAIT)


def next_attempt(attempts: int, *, since: datetime, now: datetime) -> datetime | None:
    """When to try again after `attempts` attempts of work asked for at `since`; None to give
    up, RETRY_FOR after `since`."""
    if now - since >= RETRY_FOR:
        return None
    return now + backoff(attempts)


@dataclass(frozen=True)
class Work:
    """One kind of row (a `Leased` model) and the task that does it, given the row's id.

    `working` is the state of a row while a worker holds it: `sending` for the outbox, where the
    admin shows it; the write-back keeps `pending`, the lease alone saying it is being written.
    """

    model: type[Leased]
    task: Task
    lease: timedelta
    working: str = PENDING

    @property
    def _rows(self) -> models.QuerySet[Any]:
        """The model's rows, typed loosely: `state`, which the lookups here use, is each
        concrete model's own field (with its own choices), not one of `Leased`."""
        return self.model._default_manager.all()

    def claim(self, pk: RowId, now: datetime) -> datetime | None:
        """Take the row for one attempt; the lease's end, or None when it is not ours to do
        (done, failed, not due yet, or held by a live worker)."""
        lease = now + self.lease
        free = Q(leased_until__isnull=True) | Q(leased_until__lt=now)
        # A duplicate run before a retry's time ends too: the retry's own task comes then.
        due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
        ready = Q(state=PENDING) & due
        if self.working != PENDING:
            ready |= Q(state=self.working)  # its worker died: the lease ran out
        taken = self._rows.filter(ready, free, pk=pk).update(
            state=self.working, leased_until=lease, attempts=F("attempts") + 1
        )
        return lease if taken else None

    def release(self, pk: RowId, lease: datetime) -> None:
        """Let go of the row, unless another worker took it meanwhile."""
        self._rows.filter(pk=pk, leased_until=lease).update(leased_until=None)

    def settle(self, pk: RowId, state: str, *, where: Q | None = None, **fields) -> bool:
        """The row's work is over (done, failed, no longer needed): no lease, no next attempt.
        `where` makes it conditional, in the same UPDATE; False when it did not hold."""
        rows = self._rows.filter(where or Q(), pk=pk)
        return bool(rows.update(state=state, leased_until=None, next_attempt_at=None, **fields))

    def retry(self, pk: RowId, lease: datetime, *, at: datetime, reason: str) -> bool:
        """Back to pending until `at`, with the task for then written in the same transaction;
        False when another worker took the row meanwhile (it goes on from there)."""
        with transaction.atomic():
            again = self._rows.filter(pk=pk, leased_until=lease).update(
                state=PENDING, leased_until=None, next_attempt_at=at, last_error=reason
            )
            if again:
                self.enqueue(pk, at)
        return bool(again)

    def enqueue(self, pk: RowId, when: datetime | None = None) -> None:
        """Run the row's task at `when` (else as soon as a worker of its queue is free)."""
        job = self.task.using(run_after=when) if when and when > timezone.now() else self.task
        job.enqueue(pk)

    def resume(self, *, only_overdue: bool = False) -> int:
        """Enqueue the task of every row a worker should take up, at its time: pending rows
        when due, rows held by a worker when the lease runs out. How many.

        `only_overdue` (the periodic sweep) leaves out the rows due less than a lease ago,
        whose task most likely still waits in its queue; a duplicate would end at once anyway.
        """
        now = timezone.now()
        rows = self._rows.filter(state__in={PENDING, self.working}).values_list(
            "pk", "next_attempt_at", "leased_until"
        )
        count = 0
        for pk, due, leased_until in rows.iterator():
            when = max((t for t in (due, leased_until) if t is not None), default=now)
            if only_overdue and when > now - self.lease:
                continue
            self.enqueue(pk, when)
            count += 1
        return count
