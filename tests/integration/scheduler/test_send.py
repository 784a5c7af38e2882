"""A fax through the REST API, the real daemon and hw-sim to efax: every page arrives."""

from __future__ import annotations

import numpy as np
import pytest

from .gateway import make_pdf, received_page, rendered_pages

pytestmark = pytest.mark.interop


async def test_fax_sent_and_every_page_matches(client, fax_machine, bank):
    efax = fax_machine("4001")
    pdf = make_pdf(3, seed=1)
    fax = await client.send("4001", pdf)
    done = await client.wait_status(fax["faxId"], {"FaxSent", "FaxFailed"})
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
    for n, (expected, path) in enumerate(zip(want, call.files), start=1):
        got = received_page(path)
        assert got.shape == expected.shape, f"page {n}: {got.shape} != {expected.shape}"
        assert np.array_equal(got, expected), f"page {n}: {np.sum(got != expected)} pixels differ"
    record = bank.wait_for_call("4001", timeout=10)
    assert record["result"] == "completed"
