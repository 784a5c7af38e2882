"""ECM and MMR faxgw to faxgw through hw-sim: on a clean line and with bit errors on the
ECM frames. Pages arrive pixel-exact on the receiving faxgw (the receive side of ECM),
and the sender's result counts the frames the receiver asked for again."""

from __future__ import annotations

import asyncio
import json

import numpy as np
import pytest

from faxgw import g3
from faxgw.session import Coding, PageOutcome, Resolution
from faxgw.t30.negotiate import LocalCapabilities
from hwsim import Faults, ModemBank
from tests.interop.t30.faxgw_dte import faxgw_receive, faxgw_send, ink_of, sent_ink


def busy_pages(count: int, lines: int = 600) -> list[np.ndarray]:
    """Pages of many small marks: about 5 KB of MMR each, so 20-odd 256-octet frames."""
    rng = np.random.default_rng(11)
    out = []
    for _ in range(count):
        ink = np.zeros((lines, 1728), bool)
        for _ in range(1500):
            y, x = int(rng.integers(0, lines - 10)), int(rng.integers(0, 1700))
            ink[y:y + int(rng.integers(1, 8)), x:x + int(rng.integers(1, 20))] = True
        out.append(ink)
    return out


@pytest.fixture
def bank(tmp_path):
    with ModemBank(timing="accelerated", log_path=tmp_path / "calls.jsonl") as b:
        yield b


async def ecm_call(bank, inks, frame_size=256, faults=None):
    # As the daemon does at start-up: here sender and receiver share one process, and a
    # cold codec compiling for both at once can hold the first page past the receiver's T2.
    await asyncio.to_thread(g3.warm_up)
    a, b = bank.add_modem("1001"), bank.add_modem("1002")
    if faults is not None:
        bank.fault_next_call("1002", faults)
    receiving = asyncio.ensure_future(faxgw_receive(
        b.device, ring_timeout_s=30, local=LocalCapabilities(ident="1002", ecm=True)))
    await asyncio.sleep(0.5)
    sender = LocalCapabilities(ident="1001", ecm=True, ecm_frame_size=frame_size)
    sent = await faxgw_send(a.device, "1002", inks,
                            Resolution.FINE, local=sender)
    got, received = await receiving
    assert sent.success and got.success, sent.to_json(indent=1)[-3000:]
    assert sent.ecm and got.ecm and sent.coding is Coding.MMR and got.coding is Coding.MMR
    assert len(received) == len(inks)
    for ink, page in zip(inks, received):
        want, have = sent_ink(ink, Resolution.FINE, sent), ink_of(page)
        assert np.array_equal(have, want), f"page {page.index}: {np.sum(have != want)} differ"
    return sent, got


async def test_ecm_mmr_64_octet_frames_on_a_clean_line(bank):
    sent, got = await ecm_call(bank, busy_pages(2), frame_size=64)
    assert sent.ecm_frame_size == 64 and got.ecm_frame_size == 64
    tx, rx = sent.ecm_counters, got.ecm_counters
    assert tx.frames_retransmitted == 0 and tx.pprs == 0 and rx.pprs == 0
    assert tx.ecm_frames == rx.ecm_frames > 2 * 40  # ~5 KB a page in 64-octet frames
    assert [p.outcome for p in sent.pages] == [PageOutcome.CONFIRMED] * 2


async def test_bit_errors_on_ecm_frames_cost_resent_frames_not_pixels(bank):
    faults = Faults(bit_error_rate=1e-4, bit_errors_on="ecm_frames")
    sent, got = await ecm_call(bank, busy_pages(2), faults=faults)
    # At 1e-4 a 256-octet frame (2100 bits) is hit with a probability of about 0.19.
    tx, rx = sent.ecm_counters, got.ecm_counters
    assert tx.pprs >= 1 and tx.frames_retransmitted >= 2
    assert rx.pprs == tx.pprs  # every PPR the receiver sent was acted on
    assert tx.frames_retransmitted < tx.ecm_frames  # exactly the bad ones, not all
    record = json.loads(sent.to_json())  # what the scheduler stores in the attempt
    assert record["ecm"] is True and record["coding"] == "MMR"
    assert record["frames_retransmitted"] == sent.ecm_counters.frames_retransmitted
    assert record["pprs"] == sent.ecm_counters.pprs


async def test_a_speed_that_keeps_failing_is_left_by_ctc_after_four_pprs(bank):
    # Nearly every frame at 14400 is hit, none below: four PPRs, CTC to 12000, then exact.
    faults = Faults(bit_error_rate=2e-3, bit_errors_on="ecm_frames", bit_errors_min_bps=14400)
    sent, got = await ecm_call(bank, busy_pages(1, lines=200), faults=faults)
    assert sent.ecm_counters.ctcs == got.ecm_counters.ctcs == 1 and sent.ecm_counters.pprs == 4
    assert sent.bit_rate == got.bit_rate == 12000 and sent.ecm_counters.eors == 0
