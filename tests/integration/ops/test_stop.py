"""SIGTERM during a call (hw-sim): the daemon stops claiming, lets the call end by itself,
records the attempt, and exits 0. (When the grace runs out mid-call: test_reload_webhooks.)"""

from __future__ import annotations

import signal

import aiohttp
import pytest
from hwsim import ModemBank

from faxgw.store import Store

from .test_daemon_ops import send_and_wait_for_the_call, start, tenant_key, write_config
from .test_reload import modem_table


def pdf(pages: int) -> bytes:
    """Blank Letter pages; each still costs a page of T.30 on the line."""
    kids = " ".join(f"{3 + i} 0 R" for i in range(pages))
    objs = [b"1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n",
            f"2 0 obj<</Type/Pages/Kids[{kids}]/Count {pages}>>endobj\n".encode()]
    objs += [f"{3 + i} 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\n".encode()
             for i in range(pages)]
    return b"%PDF-1.1\n" + b"".join(objs) + b"trailer<</Root 1 0 R>>\n%%EOF\n"


@pytest.mark.timeout(240)
async def test_sigterm_during_a_call_lets_it_finish_and_records_it(tmp_path):
    with ModemBank(timing="accelerated") as bank:
        out1, in1 = bank.add_modem("3401", name="out1"), bank.add_modem("4800", name="in1")
        config = write_config(tmp_path, modem_table(in1, send=False) + modem_table(out1, send=True))
        key = tenant_key(config)
        proc, url = start(config)
        try:
            async with aiohttp.ClientSession() as http:
                fax_id = await send_and_wait_for_the_call(http, url, key, "4800", pdf(6))
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(120) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    log = (tmp_path / "daemon.stderr").read_text()
    # The signal came while the call was running (else this test would prove nothing).
    assert "stopping: waiting up to 90 s for 1 call(s) in progress" in log, log[-3000:]
    store = await Store.open(tmp_path / "state")
    try:
        fax = await store.fax_row(fax_id)
        attempts = await store.attempts(fax_id)
    finally:
        await store.close()
    assert fax["status"] == "FaxSent", dict(fax)
    assert [(a["outcome"], a["ended_ms"] is not None) for a in attempts] == [("success", True)]

