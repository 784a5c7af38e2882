"""A line dropped during page 3 of 5: the retry sends pages 3, 4 and 5 only."""

from __future__ import annotations

import numpy as np
import pytest

from .gateway import make_pdf, received_page, rendered_pages

pytestmark = pytest.mark.interop


async def test_retry_after_drop_at_page_3_resends_pages_3_onwards(client, bank, fax_machine):
    efax = fax_machine("4400")
    bank.fault_next_call("4400", drop_during_page=3)
    pdf = make_pdf(5, seed=3)
    fax = await client.send("4400", pdf)
    done = await client.wait_status(fax["faxId"], {"FaxSent", "FaxFailed"}, timeout=90)
    assert done["faxStatus"] == "FaxSent", done
    first, second = await client.attempts(fax["faxId"])
    assert first["outcome"] != "success" and first["pagesConfirmed"] == 2
    assert first["failedReason"]
    assert first["details"]["pagesAttempted"] == [1, 2, 3, 4, 5]
    assert second["outcome"] == "success" and second["pagesConfirmed"] == 3
    assert second["details"]["pagesAttempted"] == [3, 4, 5]

    calls = efax.wait_calls(2)
    want = rendered_pages(pdf)
    assert len(calls[1].files) == 3
    for expected, path in zip(want[2:], calls[1].files):
        assert np.array_equal(received_page(path), expected), path
    line_calls = [c for c in bank.calls() if c["dialed"] == "4400"]
    assert [sum(1 for k in c["carriers"] if k["page"]) for c in line_calls] == [3, 3]
