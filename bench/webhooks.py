"""Benchmark: webhook deliveries per second through one worker (`bookwithme worker --queue
webhooks`, a process of its own) to a receiver on loopback, on SQLite then PostgreSQL.

The worker is started first and left to settle; then the deliveries are made in one
transaction (each with its task, as a booking's fan-out makes them); the figure is their
number over the time from the receiver's first request to its last. Every delivery must
arrive, signed, once; then a table of the targets (bench/common.py).

    .venv/bin/python bench/webhooks.py [--quick] [--sqlite-only]
"""

import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from common import ENGINE_NAMES, Bench, database, each_engine, engine_names, parser  # noqa: E402
from liveserver import cli, poll, run_python, server_env  # noqa: E402
from webhook_receiver import Receiver, hmac_verify  # noqa: E402

DELIVERIES, QUICK_DELIVERIES = 1000, 200
TARGET_PER_SECOND = 25.0

MAKE = """
import json
from django.db import transaction
from makers import make_person
from bookwithme.notify import webhooks

owner = make_person(time_zone="Europe/Paris")
subscription, secret = webhooks.create(owner, url={url!r})
with transaction.atomic():
    for n in range({count}):
        webhooks._new_delivery(subscription, "ping", {{"n": n}})
print(json.dumps({{"secret": secret}}))
"""

STATES = """
import json
from django.db.models import Count
from bookwithme.notify.models import WebhookDelivery
print(json.dumps(dict(WebhookDelivery.objects.values_list("state").annotate(Count("pk")))))
"""

MEASURE = "Webhook deliveries through one worker, {engine}"


def run(bench: Bench, engine: str, count: int) -> None:
    with database(engine) as (tmp, database_url), Receiver() as receiver:
        env = server_env(tmp, database_url)  # private addresses allowed: the receiver's
        migrated = cli(env, "migrate", "--verbosity", "0")
        assert migrated.returncode == 0, migrated.stderr
        times: list[float] = []
        receiver.on_request = lambda: times.append(time.perf_counter())
        worker = subprocess.Popen(
            [sys.executable, "-m", "bookwithme", "worker", "--queue", "webhooks"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            time.sleep(3)  # started, swept, polling
            made = json.loads(run_python(env, MAKE.format(url=receiver.url, count=count)))
            poll(lambda: len(times) >= count, f"{count} deliveries", deadlines=5)
            time.sleep(0.5)  # the last one's row settled
        finally:
            worker.terminate()
            worker.wait(timeout=30)
        states = json.loads(run_python(env, STATES))
        ids = receiver.ids()
        assert states == {"delivered": count}, states
        assert len(ids) == len(set(ids)) == count, f"{len(ids)} requests, {len(set(ids))} ids"
        assert all(hmac_verify(made["secret"], h, b) for h, b in receiver.received)
    name = ENGINE_NAMES[engine]
    span = times[-1] - times[0]
    rate = (count - 1) / span
    print(f"\n{name}: {count:,} deliveries, one webhooks worker, receiver on loopback")
    bench.check(
        MEASURE.format(engine=name),
        f"{rate:,.0f} deliveries/s ({count:,} in {span:.2f} s)",
        round(rate, 1),
        ">=",
        TARGET_PER_SECOND,
        "deliveries/s",
    )


def main() -> int:
    args = parser(__doc__).parse_args()
    count = QUICK_DELIVERIES if args.quick else DELIVERIES
    bench = Bench("webhooks")
    measures = [(MEASURE, ">=", TARGET_PER_SECOND, "deliveries/s")]
    each_engine(bench, engine_names(args), lambda engine: run(bench, engine, count), measures)
    return bench.finish()


if __name__ == "__main__":
    sys.exit(main())
