"""Migration 0006 moves photos from files in the data dir into the database, so every app
machine serves them; a person whose file is missing goes back to initials.

Run in a fresh data dir by a subprocess: it migrates the database back and forth, which the
test database shared by the other tests must not see.
"""

import json
from pathlib import Path

from liveserver import cli, run_python, scratch_database, server_env

STORED_AS_FILES = """
import json
from django.core.management import call_command
from makers import make_person
from bookwithme.directory.models import Person

kept, lost = make_person(), make_person()
call_command("migrate", "directory", "0005", verbosity=0)
Person.objects.filter(pk=kept.pk).update(photo="AAAAAAAAAAAAAAAAAAAAAA.webp")
Person.objects.filter(pk=lost.pk).update(photo="BBBBBBBBBBBBBBBBBBBBBB.webp")
print(json.dumps([kept.pk, lost.pk]))
"""

READ_BACK = """
import json
from bookwithme.directory import photos
from bookwithme.directory.models import Person
kept, lost = ARGS
print(json.dumps({
    "kept": Person.objects.get(pk=kept).photo,
    "lost": Person.objects.get(pk=lost).photo,
    "data": photos.data_of("AAAAAAAAAAAAAAAAAAAAAA.webp").hex(),
}))
"""


def test_photos_on_disk_move_into_the_database(tmp_path):
    with scratch_database(tmp_path) as url:
        env = server_env(tmp_path, url)
        assert cli(env, "migrate", "--no-input").returncode == 0
        kept, lost = json.loads(run_python(env, STORED_AS_FILES))
        folder = Path(env["BOOKWITHME_DATA_DIR"]) / "photos"
        folder.mkdir()
        (folder / "AAAAAAAAAAAAAAAAAAAAAA.webp").write_bytes(b"RIFF-a-picture")
        assert cli(env, "migrate", "--no-input").returncode == 0
        found = json.loads(run_python(env, f"ARGS = {[kept, lost]!r}\n" + READ_BACK))
    assert found["kept"] == "AAAAAAAAAAAAAAAAAAAAAA.webp"
    assert bytes.fromhex(found["data"]) == b"RIFF-a-picture"
    assert found["lost"] == ""  # its file was gone: initials again
