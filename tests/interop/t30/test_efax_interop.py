"""faxgw and efax through hw-sim: efax (Debian package efax) is the independent judge.

faxgw sends to ``efax -r`` and the pages efax wrote are compared pixel for pixel with what
faxgw encoded; efax sends to faxgw and faxgw's pages are compared with what efax put on
the line. efax knows no superfine: that resolution is checked faxgw to faxgw.
"""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from faxgw.outcome import Outcome
from faxgw.session import Resolution
from hwsim import ModemBank
from tests.hwsim.efaxrun import (EfaxPair, expected_received, make_pages, read_fax,
                                 require_efax)
from tests.interop.t30.faxgw_dte import faxgw_receive, faxgw_send, ink_of, sent_ink

pytestmark = pytest.mark.interop


@pytest.fixture
def efax(tmp_path):
    require_efax()
    pair = EfaxPair(tmp_path)
    yield pair
    pair.close()


def inks(tmp_path, count: int, lines: int, fine: bool) -> list[np.ndarray]:
    return [ink for _, ink in make_pages(tmp_path, count, lines=lines, fine=fine)]


async def send_to_efax(timing, efax, tmp_path, count, lines, resolution, local=None):
    pages = inks(tmp_path, count, lines, resolution is Resolution.FINE)
    with ModemBank(timing=timing, log_path=tmp_path / "calls.jsonl") as bank:
        a, b = bank.add_modem("1001"), bank.add_modem("1002")
        receiver = efax.start_receiver(b.device)
        confirmed: list = []
        result = await faxgw_send(a.device, "1002", pages, resolution, confirmed=confirmed,
                                  local=local)
        received = await asyncio.to_thread(efax.receiver_result, receiver)
        record = await bank.wait_for_call_async("1002", timeout=30)
    assert result.outcome is Outcome.SUCCESS, result.to_json(indent=1)[-4000:]
    assert received.returncode == 0, received.log[-3000:]
    assert [p.index for p in confirmed] == list(range(count))
    assert result.resolution is resolution
    files = efax.received_files()
    assert len(files) == count
    for ink, path in zip(pages, files):
        want, got = sent_ink(ink, resolution, result), read_fax(path)
        assert got.shape == want.shape
        assert np.array_equal(got, want), f"{path.name}: {np.sum(got != want)} pixels differ"
    assert record["result"] == "completed"
    return result


@pytest.mark.parametrize("count,resolution", [(1, Resolution.STANDARD), (1, Resolution.FINE),
                                              (10, Resolution.STANDARD), (10, Resolution.FINE)])
async def test_faxgw_sends_to_efax_accelerated(efax, tmp_path, count, resolution):
    result = await send_to_efax("accelerated", efax, tmp_path, count, 200, resolution)
    assert result.pages_confirmed == count and result.remote_ident == "1002"


@pytest.mark.realtime
async def test_faxgw_sends_to_efax_in_real_time(efax, tmp_path):
    result = await send_to_efax("realtime", efax, tmp_path, 1, 200, Resolution.FINE)
    assert result.bit_rate == 14400


async def receive_from_efax(timing, efax, tmp_path, count, lines, fine, local=None):
    made = make_pages(tmp_path, count, lines=lines, fine=fine)
    with ModemBank(timing=timing, log_path=tmp_path / "calls.jsonl") as bank:
        a, b = bank.add_modem("1001"), bank.add_modem("1002")
        receiving = asyncio.ensure_future(faxgw_receive(b.device, local=local))
        await asyncio.sleep(1.0)  # let faxgw set the modem up and listen for RING
        sent = await asyncio.to_thread(efax.send, a.device, "1002", [p for p, _ in made])
        result, pages = await receiving
    assert sent.returncode == 0, sent.log[-3000:]
    assert result.outcome is Outcome.SUCCESS, result.to_json(indent=1)[-4000:]
    assert len(pages) == count and result.remote_ident == "1001"
    assert result.resolution is (Resolution.FINE if fine else Resolution.STANDARD)
    for (_, ink), page in zip(made, pages):
        want, got = expected_received(ink, fine), ink_of(page)
        assert got.shape == want.shape
        assert np.array_equal(got, want), f"page {page.index}: {np.sum(got != want)} differ"
    return result


@pytest.mark.parametrize("count,fine", [(1, False), (3, True)])
async def test_faxgw_receives_from_efax_accelerated(efax, tmp_path, count, fine):
    await receive_from_efax("accelerated", efax, tmp_path, count, 200, fine)


@pytest.mark.realtime
async def test_faxgw_receives_from_efax_in_real_time(efax, tmp_path):
    await receive_from_efax("realtime", efax, tmp_path, 1, 200, False)
