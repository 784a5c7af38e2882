"""A fax through the REST API, the real daemon and hw-sim to efax: every page arrives."""

from __future__ import annotations

import numpy as np
import pytest

import datetime as dt

from .gateway import header_rows, make_pdf, received_page, rendered_pages, sent_header

pytestmark = pytest.mark.interop


async def test_fax_sent_and_every_page_matches(client, fax_machine, bank):
    efax = fax_machine("4001")
    pdf = make_pdf(3, seed=1)
    before = dt.datetime.now().astimezone()
    fax = await client.send("4001", pdf)
    done = await client.wait_status(fax["faxId"], {"FaxSent", "FaxFailed"})
    after = dt.datetime.now().astimezone()
    assert done["faxStatus"] == "FaxSent", done
    assert done["pageCount"] == 3 and done["attemptCount"] == 1 and done["failedReason"] is None

    [attempt] = await client.attempts(fax["faxId"])
    assert attempt["outcome"] == "success" and not attempt["inProgress"]
    assert attempt["pagesConfirmed"] == 3 and attempt["pagesTotal"] == 3
    assert attempt["bitRate"] == 14400 and attempt["resolution"] == "fine"
    assert attempt["modem"] in {"out1", "out2", "out3"}

    [call] = efax.wait_calls(1)
    assert call.returncode == 0, call.log[-2000:]
    want = rendered_pages(pdf)
    assert len(call.files) == 3
    rows = header_rows()
    for n, (expected, path) in enumerate(zip(want, call.files), start=1):
        got = received_page(path)
        assert got.shape == expected.shape, f"page {n}: {got.shape} != {expected.shape}"
        body, want_body = got[rows:], expected[rows:]
        assert np.array_equal(body, want_body), f"page {n}: {np.sum(body != want_body)} pixels differ"
        # Date and time of sending, [sender] name and number, "Page n of 3" (47 CFR 64.1604).
        assert sent_header(got, n, 3, "4001", before, after), f"page {n}: not the header line"
    record = bank.wait_for_call("4001", timeout=10)
    assert record["result"] == "completed"
