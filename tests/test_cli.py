import subprocess
import sys


def test_bookwithme_lists_its_own_verbs():
    out = subprocess.run(
        [sys.executable, "-m", "bookwithme", "help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for verb in ("serve", "worker", "migrate"):
        assert verb in out
