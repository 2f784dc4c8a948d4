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


def test_a_usage_error_is_one_line_on_stderr():
    done = subprocess.run(
        [sys.executable, "-m", "bookwithme", "licence"], capture_output=True, text=True
    )
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "ACTION" in lines[0] and "--help" in lines[0]
