"""Exports and erasures in the organizations' audit logs, without the data itself: the address
is written as a keyed hash, so an entry proves an erasure happened without keeping whom it
erased (the same address always gives the same hash on this site, so a later request can be
matched to it)."""

from django.utils.crypto import salted_hmac

from bookwithme.directory.models import AuditEntry, Organization

EXPORT, ERASE, ERASE_BOOKING = "privacy export", "privacy erase", "privacy erase booking"


def address_key(email: str) -> str:
    """The address as the audit log writes it."""
    digest = salted_hmac("bookwithme.privacy.audit", email.strip().lower(), algorithm="sha256")
    return "address #" + digest.hexdigest()[:20]


def record(
    counts: dict[Organization | None, dict[str, int]], *, actor: str, target: str, what: str
) -> list[AuditEntry]:
    """One entry per organization whose data was read or changed, with its own counts only
    (another organization's are none of its business)."""
    return AuditEntry.objects.bulk_create(
        AuditEntry(organization=org, actor=actor, target=target, setting=what, after=counted)
        for org, counted in sorted(
            ((o, c) for o, c in counts.items() if o is not None), key=lambda item: item[0].pk
        )
    )


def tally(counts: dict, organization: Organization | None, name: str, n: int = 1) -> None:
    """Add `n` to `organization`'s count `name`."""
    into = counts.setdefault(organization, {})
    into[name] = into.get(name, 0) + n
