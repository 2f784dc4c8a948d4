"""`bookwithme privacy export EMAIL [--output FILE]` and `privacy erase EMAIL [--yes]`: what the
site holds about an address, handed out as one JSON document or erased (bookwithme/privacy/).

Both are written to the audit log of each organization whose data they read or changed, with
counts and a keyed hash of the address, never the data itself. Erasing asks first unless told
--yes, after saying what it will do.
"""

import json
import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from bookwithme.booking.models import Booking
from bookwithme.directory.models import Person
from bookwithme.management.access_flags import actor
from bookwithme.management.commands.restore import ask, counted
from bookwithme.management.commands.user import clean_email
from bookwithme.privacy.erasure import erase_address
from bookwithme.privacy.export import bookings_as_attendee, bookings_as_guest, export


class Command(BaseCommand):
    help = "What is held about an email address: `privacy export EMAIL`, `privacy erase EMAIL`."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        out = actions.add_parser(
            "export", help="Print (or write) one JSON document of all data about the address."
        )
        out.add_argument("email")
        out.add_argument(
            "--output", metavar="FILE", help="Write the document to FILE (readable by you only)."
        )
        erase = actions.add_parser(
            "erase",
            help="Erase the address's data as attendee and guest; cancel its upcoming bookings.",
        )
        erase.add_argument("email")
        erase.add_argument("--yes", action="store_true", help="Do not ask first.")

    def handle(self, *, action: str, email: str, **options):
        address = clean_email(email)
        if action == "export":
            self.export(address, options.get("output"))
        else:
            self.erase(address, options["yes"])

    def export(self, address: str, output: str | None) -> None:
        document = export(address, actor=actor())
        text = json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2) + "\n"
        if output is None:
            self.stdout.write(text, ending="")
            return
        path = Path(output)
        try:
            # Personal data: created readable by its owner only, never another's file replaced.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise CommandError(f"{path} exists already; name a new file.") from None
        except OSError as e:
            raise CommandError(f"Cannot write {path}: {e.strerror}.") from None
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        held = counted(len(document["as_attendee"]), "booking", "bookings")
        self.stdout.write(f"Wrote the data held about {address} ({held} as attendee) to {path}.")

    def erase(self, address: str, yes: bool) -> None:
        attended = bookings_as_attendee(address)
        upcoming = attended.filter(status__in=Booking.HOLDING, end__gt=timezone.now()).count()
        invited = len(bookings_as_guest(address))
        total = attended.count()
        if not total and not invited:
            self.stdout.write(f"Nothing is held about {address} as an attendee or a guest.")
        else:
            plan = (
                f"Erase {address} from {counted(total, 'booking', 'bookings')} as attendee "
                f"({upcoming} upcoming, to be cancelled with a notice to their organizers) and "
                f"from the guests of {counted(invited, 'booking', 'bookings')}."
            )
            if not yes and not ask(self.stdout, plan):
                raise CommandError("Nothing erased.")
            done = erase_address(address, actor=actor())
            self.stdout.write(
                f"Erased {address}: {counted(done.erased, 'booking', 'bookings')} as attendee "
                f"({len(done.cancelled)} cancelled, their organizers told), "
                f"{counted(done.as_guest, 'booking', 'bookings')} as guest, "
                f"{counted(done.emails, 'email record', 'email records')} scrubbed."
            )
        person = Person.objects.filter(email__iexact=address).first()
        if person is not None:
            self.stdout.write(
                f"{address} is also a person's account ({person}): it is not erased by this. "
                "An administrator deactivates or deletes it in the admin (/admin/) once its "
                "organization no longer needs its records."
            )
