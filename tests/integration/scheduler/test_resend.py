"""A line dropped during page 3 of 5: the retry sends pages 3, 4 and 5 only.

The fax machine is a second faxgw daemon answering on its own simulated modem, which keeps
every page it accepted: the pages of both calls together must be the fax, once each."""

from __future__ import annotations

import asyncio
import datetime as dt

import numpy as np
from PIL import Image

from .gateway import Daemon, header_rows, make_pdf, rendered_pages, sent_header


async def test_retry_after_drop_at_page_3_resends_pages_3_onwards(client, bank, tmp_path):
    answering = bank.add_modem("4400", name="in4400")
    receiver = Daemon(tmp_path / "rx", [], answering=[answering]).start()
    try:
        # 500 bytes in: with ECM and MMR (both daemons offer them) a page is under 2 KB
        bank.fault_next_call("4400", drop_during_page=3, drop_after_page_bytes=500)
        pdf = make_pdf(5, seed=3)
        before = dt.datetime.now().astimezone()
        fax = await client.send("4400", pdf)
        done = await client.wait_status(fax["faxId"], {"FaxSent", "FaxFailed"}, timeout=90)
        after = dt.datetime.now().astimezone()
        assert done["faxStatus"] == "FaxSent", done
        first, second = await client.attempts(fax["faxId"])
        await asyncio.sleep(0.5)  # the receiver writes its record after the hang-up
        records = receiver.received()
    finally:
        receiver.stop()
    assert first["outcome"] == "far_end_hung_up" and first["pagesConfirmed"] == 2
    assert first["failedReason"] == "The far end hung up before the fax was complete."
    assert first["details"]["pagesAttempted"] == [1, 2, 3, 4, 5]
    assert second["outcome"] == "success" and second["pagesConfirmed"] == 3
    assert second["details"]["pagesAttempted"] == [3, 4, 5]

    line_calls = [c for c in bank.calls() if c["dialed"] == "4400"]
    assert [c["result"] for c in line_calls] == ["dropped", "completed"]
    assert [sum(1 for k in c["carriers"] if k["page"]) for c in line_calls] == [3, 3]

    broken, whole = records
    assert (broken["pages"], broken["complete"]) == (2, False)
    assert (whole["pages"], whole["complete"]) == (3, True)
    want = rendered_pages(pdf)
    got = [_ink(receiver, broken, n) for n in (1, 2)] + [_ink(receiver, whole, n) for n in (1, 2, 3)]
    rows = header_rows()
    for number, (expected, page) in enumerate(zip(want, got), start=1):
        body, want_body = page[rows:], expected[rows:]
        assert np.array_equal(body, want_body), f"page {number}: {np.sum(body != want_body)} differ"
        # The resent pages keep their place in the fax: "Page 3 of 5", not "Page 1 of 3".
        assert sent_header(page, number, 5, "4400", before, after), f"page {number}: not its header"


def _ink(receiver: Daemon, record: dict, n: int) -> np.ndarray:
    path = receiver.state_dir / "received" / record["receivedId"] / f"page-{n:04d}.png"
    return ~np.array(Image.open(path))
