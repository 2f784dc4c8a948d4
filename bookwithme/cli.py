"""The `bookwithme` command: Django's management commands with the project's settings.

Every verb of the command line (serve, worker, demo, org, user, token, ...) is a management
command, so tests can drive them with `call_command`. `bookwithme help` lists the product's own
verbs first, one line each, then Django's stock commands under a heading of their own; the
destructive ones among those (`flush`, ...) still run but are not advertised.
"""

import os
import sys

# The verbs a newcomer needs, in the order they meet them; the product's others follow.
FIRST_VERBS = ("serve", "worker", "demo", "org", "user", "token", "backup", "restore")
# Django's commands that empty or rewrite a database or its history: callable, not listed.
UNLISTED = frozenset(
    {
        "flush",
        "sqlflush",
        "sqlsequencereset",
        "squashmigrations",
        "optimizemigration",
        "remove_stale_contenttypes",
    }
)
OWN_APP = "bookwithme"
ASKS_FOR_HELP: tuple[list[str], ...] = ([], ["help"], ["--help"], ["-h"])


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
    if sys.argv[1:] in ASKS_FOR_HELP:
        sys.stdout.write(help_text())
        return
    execute_from_command_line(["bookwithme", *sys.argv[1:]])


def help_text() -> str:
    """The product's verbs with what each does, then Django's commands by name."""
    import django
    from django.core.management import get_commands, load_command_class

    django.setup()
    commands = get_commands()
    own = sorted(
        (name for name, app in commands.items() if app == OWN_APP),
        key=lambda name: (
            FIRST_VERBS.index(name) if name in FIRST_VERBS else len(FIRST_VERBS),
            name,
        ),
    )
    width = max(map(len, own), default=0)
    lines = [
        "Usage: bookwithme VERB [options]   (bookwithme VERB --help for a verb's own options)",
        "",
        "bookwithme's verbs:",
    ]
    for name in own:
        summary = (load_command_class(OWN_APP, name).help or "").strip().splitlines()
        lines.append(f"  {name.ljust(width)}  {summary[0] if summary else ''}".rstrip())
    stock = sorted(
        name for name, app in commands.items() if app != OWN_APP and name not in UNLISTED
    )
    lines += ["", "Django's own commands (for maintenance and development):"]
    lines += [f"  {', '.join(stock[i : i + 6])}" for i in range(0, len(stock), 6)]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
