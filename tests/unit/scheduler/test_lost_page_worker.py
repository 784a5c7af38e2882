"""A page coder that dies mid-call is the gateway's fault: the call ends WORKER_LOST, which
the scheduler retries, never DOCUMENT_ERROR, which fails the fax for good."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from faxgw.outcome import Outcome, RetryClass
from faxgw.scheduler.encoding import PageEncoder
from faxgw.session import Coding, PageFormat, PageSourceLost, Resolution


def test_a_killed_page_coder_is_reported_as_lost_not_as_a_bad_page(tmp_path: Path):
    encoder = PageEncoder(workers=1)
    try:
        encoder.warm_up()
        for process in list(encoder._executor._processes.values()):
            os.kill(process.pid, signal.SIGKILL)
            process.join(10)
        with pytest.raises(PageSourceLost):
            encoder.encode(tmp_path / "pages.tif", 0, PageFormat(Coding.MH, Resolution.FINE, 1728, 0, 9600))
    finally:
        encoder.close()


def test_a_lost_worker_is_retried():
    assert Outcome.WORKER_LOST.retry not in (RetryClass.PERMANENT, RetryClass.NONE)
    assert Outcome.DOCUMENT_ERROR.retry is RetryClass.PERMANENT
