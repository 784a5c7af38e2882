"""efax on spandsp's T.31 modem, with spandsp's fax terminal at the far end: two programs
nobody here wrote, so a failure here is the far end's (or the test's), never faxgw's."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import numpy as np
import pytest

from tests.hwsim.efaxrun import expected_received, make_pages, read_fax
from tests.interop.spandsp.farend import (assert_same_pages, assert_success, far_end,
                                          tiff_pages)

pytestmark = pytest.mark.interop


# Whole A4 pages: efax dies of SIGFPE when a page goes out in under a second of wall time
# (see TIME_FACTOR), so it only sends fine ones.
A4_LINES = {False: 1143, True: 2286}


def a4_page(directory: Path, fine: bool, seed: int = 1) -> tuple[Path, np.ndarray]:
    directory.mkdir(exist_ok=True)
    (page, ink), = make_pages(directory, 1, lines=A4_LINES[fine], fine=fine, seed=seed)
    return page, ink


async def efax_sends(efax, tmp_path, fine: bool, **line):
    page, ink = a4_page(tmp_path, fine)
    _, decoy = a4_page(tmp_path / "decoy", fine, seed=2)
    async with far_end(tmp_path, "answer", tmp_path / "received.tif", ident="1002",
                       **line) as far:
        started = time.monotonic()
        sent = await asyncio.to_thread(efax.send, far.device, "1002", [page])
        result = await far.result(timeout=60)
        wall = time.monotonic() - started
    assert sent.returncode == 0, sent.log[-3000:] + far.log()[-3000:]
    assert_success(result, far, pages=1)
    assert result.remote_ident == "1001"
    assert_same_pages(tiff_pages(tmp_path / "received.tif"), [expected_received(ink, fine)],
                      decoy=expected_received(decoy, fine))
    return result, wall


async def test_efax_sends_to_spandsp(efax, tmp_path):
    result, _ = await efax_sends(efax, tmp_path, fine=True)
    # efax codes MH only and knows no ECM: what the far end reports is what was on the line.
    assert (result.bit_rate, result.compression, result.ecm) == (14400, "MH", False)


@pytest.mark.parametrize("fine,max_rate", [(True, 14400), (False, 7200)])
async def test_efax_receives_from_spandsp(efax, tmp_path, fine, max_rate):
    page, ink = a4_page(tmp_path, fine)
    async with far_end(tmp_path, "originate", page, ident="1001", max_rate=max_rate) as far:
        receiver = efax.start_receiver(far.device)
        received = await asyncio.to_thread(efax.receiver_result, receiver)
        result = await far.result(timeout=60)
    assert received.returncode == 0, received.log[-3000:] + far.log()[-3000:]
    assert_success(result, far, pages=1)
    assert result.remote_ident == "1002" and result.bit_rate == max_rate
    files = efax.received_files()
    assert_same_pages([read_fax(path) for path in files], [ink])


@pytest.mark.realtime
async def test_efax_sends_a_fine_page_in_real_time(efax, tmp_path):
    """The far end at factor 1, as a modem on a phone line would run."""
    result, wall = await efax_sends(efax, tmp_path, fine=True, time_factor=1)
    assert result.bit_rate == 14400
    print(f"efax -> spandsp, 1 fine page, real time: {wall:.1f} s wall, "
          f"{result.line_seconds:.1f} s of line")
