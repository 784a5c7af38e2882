"""REST to paper with ECM and MMR over Class 1 modems whose +FTH=?/+FRH=? answer 3 alone
(hw-sim's stock modem, like spandsp's and most hardware): the sending daemon frames ECM's
HDLC itself and carries it as image data, the answering daemon deframes it, and the pages
it keeps are the document's, pixel for pixel."""

from __future__ import annotations

import asyncio
import datetime as dt

import aiohttp
import numpy as np
from PIL import Image

from faxgw.store import Store

from .gateway import Client, Daemon, header_rows, make_pdf, rendered_pages, sent_header


async def test_ecm_mmr_fax_through_modems_without_hdlc_at_speed(bank, tmp_path):
    # A sender of its own with one stock Class 1 modem: the shared pool also holds a
    # Class 2.0 modem, whose firmware would run T.30 instead of faxgw.
    sender = Daemon(tmp_path / "tx", [bank.add_modem("3500", name="ecm1")]).start()
    try:
        receiver = Daemon(tmp_path / "rx", [], answering=[bank.add_modem("4500", name="in4500")])
        receiver.start()
        try:
            attempt, done, before, after = await _send(sender)
            [record] = await _received(receiver)
        finally:
            receiver.stop()
    finally:
        sender.stop()
    assert done["faxStatus"] == "FaxSent", (done, attempt)
    assert attempt["modem"] == "ecm1"
    details = attempt["details"]
    assert details["ecm"] is True and details["coding"] == "MMR", details
    assert details["frames_retransmitted"] == 0 and details["pprs"] == 0
    assert details["ecm_frames"] >= 2

    call = next(c for c in bank.calls() if c["dialed"] == "4500")
    pages = [c for c in call["carriers"] if c["page"] is not None]
    assert pages and {c["hdlc_framed_by"] for c in pages} == {"dte"}, call["carriers"]

    assert (record["pages"], record["complete"]) == (2, True)
    rows = header_rows()
    for number, expected in enumerate(rendered_pages(PDF), start=1):
        path = receiver.state_dir / "received" / record["receivedId"] / f"page-{number:04d}.png"
        page = ~np.array(Image.open(path))
        body, want_body = page[rows:], expected[rows:]
        assert np.array_equal(body, want_body), f"page {number}: {np.sum(body != want_body)} differ"
        assert sent_header(page, number, 2, "4500", before, after), f"page {number}: not its header"


PDF = make_pdf(2, seed=5)


async def _received(receiver: Daemon, timeout_s: float = 15.0) -> list[dict]:
    """The receiver writes its record after the hang-up: wait for it, bounded."""
    for _ in range(int(timeout_s / 0.1)):
        records = receiver.received()
        if records:
            return records
        await asyncio.sleep(0.1)
    return receiver.received()


async def _send(sender: Daemon):
    store = await Store.open(sender.state_dir)
    try:
        _, key = await store.create_tenant("ecm-test")
    finally:
        await store.close()
    async with aiohttp.ClientSession() as http:
        client = Client(http, sender.url, key)
        before = dt.datetime.now().astimezone()
        fax = await client.send("4500", PDF)
        done = await client.wait_status(fax["faxId"], {"FaxSent", "FaxFailed"}, timeout=90)
        after = dt.datetime.now().astimezone()
        [attempt] = await client.attempts(fax["faxId"])
    return attempt, done, before, after
