"""efax sends faxes through hw-sim to efax: the independent check of the simulation."""

from __future__ import annotations

import numpy as np
import pytest

from hwsim import ModemBank

from .efaxrun import EfaxPair, expected_received, make_pages, read_fax, require_efax

pytestmark = pytest.mark.interop


@pytest.fixture
def efax(tmp_path):
    require_efax()
    pair = EfaxPair(tmp_path)
    yield pair
    pair.close()


def _send_and_compare(bank, efax, tmp_path, count, lines, fine):
    a, b = bank.add_modem("1001"), bank.add_modem("1002")
    pages = make_pages(tmp_path, count, lines=lines, fine=fine)
    receiver = efax.start_receiver(b.device)
    sent = efax.send(a.device, "1002", [p for p, _ in pages])
    received = efax.receiver_result(receiver)
    assert sent.returncode == 0, sent.log[-3000:]
    assert received.returncode == 0, received.log[-3000:]
    files = efax.received_files()
    assert len(files) == count
    for (_, ink), path in zip(pages, files):
        got = read_fax(path)
        want = expected_received(ink, fine)
        assert got.shape == want.shape
        assert np.array_equal(got, want), f"{path.name}: {np.sum(got != want)} pixels differ"
    record = bank.wait_for_call("1002", timeout=10)
    assert record["result"] == "completed"
    assert sum(1 for c in record["carriers"] if c["page"]) == count
    return record


def test_multi_page_fax_accelerated(efax, tmp_path):
    with ModemBank(timing="accelerated", log_path=tmp_path / "calls.jsonl") as bank:
        record = _send_and_compare(bank, efax, tmp_path, count=3, lines=300, fine=False)
    # The page carriers went at the fastest speed both ends offer: V.17 14400.
    assert {c["modulation"] for c in record["carriers"] if c["page"]} == {"V.17 14400"}
    assert (tmp_path / "calls.jsonl").read_text().count("\n") == 1


def test_fine_resolution_fax_accelerated(efax, tmp_path):
    with ModemBank(timing="accelerated") as bank:
        _send_and_compare(bank, efax, tmp_path, count=2, lines=400, fine=True)


@pytest.mark.realtime
def test_one_page_fax_in_real_time(efax, tmp_path):
    with ModemBank(timing="realtime") as bank:
        record = _send_and_compare(bank, efax, tmp_path, count=1, lines=300, fine=False)
    page = next(c for c in record["carriers"] if c["page"])
    # Real time: the page carrier lasted at least its training plus its bytes at 14400.
    assert page["duration_s"] >= 0.142 + page["bytes"] * 8 / 14400
    # Every V.21 carrier: 1 s of flags (T.30 5.3.1), then its frames and closing flags
    # at 300 bit/s.
    for carrier in record["carriers"]:
        if carrier["code"] == 3:
            frames_s = (carrier["bytes"] + carrier["segments"]) * 8 / 300
            assert carrier["duration_s"] >= 1.0 + frames_s - 0.001
    assert record["max_lag_ms"] < 100  # a shared, loaded machine: scheduling noise
