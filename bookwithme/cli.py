"""The `bookwithme` command: Django's management commands with the project's settings.

Every verb of the command line (serve, worker, demo, org, user, token, ...) is a management
command, so `bookwithme help` lists them all and tests can drive them with `call_command`.
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bookwithme.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["bookwithme", *sys.argv[1:]])


if __name__ == "__main__":
    main()
