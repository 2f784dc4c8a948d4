"""The `bookwithme` command: Django's management commands with the project's settings.

Every verb of the command line (serve, worker, demo, org, user, token, ...) is a management
command, so `bookwithme help` lists them all and tests can drive them with `call_command`.
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bookwithme.settings")
    from django.core.management import execute_from_command_line
    from django.core.management.base import CommandParser

    def one_line_error(self: CommandParser, message: str) -> None:
        # A refused command says so in one line on stderr (argparse would add its usage).
        if getattr(self, "called_from_command_line", False):
            self.exit(2, f"{self.prog}: {message} (see --help)\n")
        original_error(self, message)

    original_error = CommandParser.error
    # Patching the method is the point: mypy refuses any assignment to a method.
    CommandParser.error = one_line_error  # type: ignore[method-assign]
    execute_from_command_line(["bookwithme", *sys.argv[1:]])


if __name__ == "__main__":
    main()
