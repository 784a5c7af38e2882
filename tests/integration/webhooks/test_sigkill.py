"""The daemon killed with SIGKILL while 1,000 events wait for delivery delivers all of them after restart."""

import asyncio
import json
import sqlite3
import subprocess
from pathlib import Path

import aiohttp
import pytest

from tests.integration.webhooks.daemon_process import (ROOT, environment, faxgw_command, kill, start_daemon,
                                                        write_config)
from tests.integration.webhooks.harness import Api, wait_for
from tests.integration.webhooks.receiver import Receiver

FAXES = 50
CYCLES = 10  # hold + revive ten times: 1 + 2 * 10 = 21 events per fax, 1,050 in all
EVENTS = FAXES * (1 + 2 * CYCLES)


def pending_in(db: Path) -> tuple[int, int]:
    """(events in the outbox, of them not delivered) as the file says after the kill."""
    with sqlite3.connect(db) as conn:
        (events,) = conn.execute("SELECT COUNT(*) FROM outbox").fetchone()
        (delivered,) = conn.execute(
            "SELECT COUNT(*) FROM webhook_deliveries WHERE state = 'delivered'").fetchone()
    return events, events - delivered


async def make_events(api: Api) -> None:
    async def one_fax():
        fax = await api.send_fax()
        for _ in range(CYCLES):
            await api.hold(fax["faxId"])
            await api.revive(fax["faxId"])

    for start in range(0, FAXES, 10):
        await asyncio.gather(*(one_fax() for _ in range(start, min(start + 10, FAXES))))


@pytest.mark.timeout(300)
async def test_sigkill_with_1000_pending_events_loses_none(tmp_path):
    config = write_config(tmp_path)
    created = subprocess.run(faxgw_command("tenant", "create", "clinic", "--config", str(config)),
                             cwd=ROOT, env=environment(), capture_output=True, check=True, timeout=60)
    api_key = json.loads(created.stdout)["apiKey"]
    # Hanging at first: deliveries are in flight or waiting when the daemon is killed.
    receiver = await Receiver(secrets=[], mode="hang").start()
    proc, base = await start_daemon(config)
    try:
        async with aiohttp.ClientSession() as http:
            api = Api(base, api_key, http)
            endpoint = await api.create_endpoint(receiver.url)
            receiver.secrets = [endpoint["secret"]]
            await make_events(api)
        # The receiver hangs: the requests it has seen are in flight when the daemon dies.
        await wait_for(lambda: receiver.requests >= 1, 10, "the worker to reach the receiver")
        await kill(proc)

        events, undelivered = pending_in(tmp_path / "state" / "faxgw.sqlite3")
        assert events == EVENTS and undelivered == EVENTS

        receiver.mode = "ok"
        proc, _ = await start_daemon(config)
        await wait_for(lambda: len(receiver.accepted) >= EVENTS, 90, f"{EVENTS} events after restart")
        assert receiver.rejected == []
        assert len({a.event_id for a in receiver.accepted}) == EVENTS
        for fax_id, sequences in receiver.sequences_by_fax().items():
            assert sequences == list(range(1, 2 + 2 * CYCLES)), fax_id
    finally:
        await kill(proc)
        await receiver.stop()
