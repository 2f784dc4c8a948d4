"""Queries are calls, events are signals: no code of the project reads what a signal's
receivers return. A signal sent for its answers hides a dependency the import graph does not
show (calendars asking booking, say); such a question is a call registered from above
(`calendars.sync.configure`)."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "bookwithme"

# Every signal the project sends; the scan must find each of them sent.
KNOWN_SENT = {
    "booking_changing",
    "booking_confirmed",
    "booking_rescheduled",
    "booking_cancelled",
    "write_to_chosen",
    "sync_asked",
}


def _name(node: ast.AST) -> str:
    """The last name of `a.b.c` (`c`), of `c` itself, else ''."""
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return ""


def signal_names(trees: list[ast.AST]) -> set[str]:
    """The names of the project's signals (`x = Signal()`) and of those it imports from a
    `signals` module (Django's, say)."""
    names = set()
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
                if _name(node.value.func) == "Signal":
                    names.update(_name(t) for t in node.targets)
            elif isinstance(node, ast.ImportFrom) and (node.module or "").endswith("signals"):
                names.update(alias.asname or alias.name for alias in node.names)
    return names - {""}


def sends(tree: ast.AST, signals: set[str]):
    """(signal name, line, whether its answer is thrown away) for each `.send(`/`.send_robust(`
    of one of `signals`. Thrown away: the call is a statement of its own, or the whole body of
    a lambda handed to `on_commit` (which ignores what the lambda returns)."""
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    for node in ast.walk(tree):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in {"send", "send_robust"}
            and _name(node.func.value) in signals
        ):
            continue
        parent = parents.get(node)
        ignored = isinstance(parent, ast.Expr) or (
            isinstance(parent, ast.Lambda)
            and isinstance(parents.get(parent), ast.Call)
            and _name(parents[parent].func) == "on_commit"
        )
        yield _name(node.func.value), node.lineno, ignored


def _package_trees() -> dict[Path, ast.AST]:
    return {p: ast.parse(p.read_text(), str(p)) for p in sorted(PACKAGE.rglob("*.py"))}


def test_no_code_reads_what_a_signals_receivers_return():
    trees = _package_trees()
    signals = signal_names(list(trees.values()))
    sent, read = set(), []
    for path, tree in trees.items():
        for name, line, ignored in sends(tree, signals):
            sent.add(name)
            if not ignored:
                read.append(f"{path.relative_to(PACKAGE)}:{line} reads what {name} returns")
    assert not read, "a question belongs in a call, not a signal:\n" + "\n".join(read)
    # The scan sees the project's sends (it would pass on nothing otherwise).
    assert sent >= KNOWN_SENT, KNOWN_SENT - sent


QUESTIONS = [
    "answers = [d for _r, d in horizon_needed.send(sender=None, owner_id=1)]",
    "for _r, answer in own_bookings.send(sender=None, uids=()):\n    pass",
    "results = sync.sync_asked.send_robust(None)",
    "on_commit(lambda: print(write_to_chosen.send(None)))",
    "other(lambda: write_to_chosen.send(None))",
    "return_value = post_save.send(None)",
]


@pytest.mark.parametrize("source", QUESTIONS)
def test_the_scan_catches_a_signal_used_as_a_question(source):
    preamble = "from django.db.models.signals import post_save\n"
    preamble += "horizon_needed = own_bookings = sync_asked = write_to_chosen = Signal()\n"
    tree = ast.parse(preamble + source)
    found = list(sends(tree, signal_names([tree])))
    assert found and not any(ignored for _name, _line, ignored in found)


@pytest.mark.parametrize(
    "source",
    [
        "sync_asked.send(None, connection=c)",
        "transaction.on_commit(lambda: signals.sync_asked.send(sender=None))",
    ],
)
def test_the_scan_lets_an_event_pass(source):
    tree = ast.parse("sync_asked = Signal()\n" + source)
    assert [ignored for _name, _line, ignored in sends(tree, signal_names([tree]))] == [True]
