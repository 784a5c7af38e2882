"""Faults of the line as efax, a program nobody here wrote, reports them."""

from __future__ import annotations

import numpy as np
import pytest

from hwsim import Faults, ModemBank

from .efaxrun import EfaxPair, expected_received, make_pages, read_fax, require_efax

pytestmark = pytest.mark.interop


@pytest.fixture
def setup(tmp_path):
    require_efax()
    efax = EfaxPair(tmp_path)
    with ModemBank(timing="accelerated") as bank:
        a, b = bank.add_modem("1001"), bank.add_modem("1002")
        yield bank, efax, a, b, tmp_path
        efax.close()
        assert not bank.log.errors


def test_busy_number(setup):
    bank, efax, a, b, tmp = setup
    bank.set_faults("1002", Faults(busy=True))
    pages = make_pages(tmp, 1)
    sent = efax.send(a.device, "1002", [pages[0][0]])
    assert sent.returncode == 1  # efax: "number busy or modem in use"
    assert "number is busy" in sent.log
    assert bank.wait_for_call("1002", timeout=5)["result"] == "busy"


def test_no_answer(setup):
    bank, efax, a, b, tmp = setup
    bank.fault_next_call("1002", no_answer=True)
    pages = make_pages(tmp, 1)
    sent = efax.send(a.device, "1002", [pages[0][0]])
    assert sent.returncode == 2
    assert 'response "NO ANSWER"' in sent.log and "dial command failed" in sent.log
    assert bank.wait_for_call("1002", timeout=5)["result"] == "no_answer"


def test_line_dropped_during_page_two(setup):
    bank, efax, a, b, tmp = setup
    bank.fault_next_call("1002", drop_during_page=2)
    pages = make_pages(tmp, 3)
    receiver = efax.start_receiver(b.device)
    sent = efax.send(a.device, "1002", [p for p, _ in pages])
    received = efax.receiver_result(receiver)
    assert sent.returncode != 0 and received.returncode != 0
    # Page 1 was confirmed before the line went; pages 2 and 3 were not.
    assert f"sent -> {pages[0][0]}" in sent.log
    assert f"failed -> {pages[1][0]}" in sent.log
    record = bank.wait_for_call("1002", timeout=5)
    assert record["result"] == "dropped" and record["hangup_by"] == "line"
    assert "line dropped during page 2" in record["notes"]


def test_noisy_fast_carriers_make_efax_fall_back(setup):
    bank, efax, a, b, tmp = setup
    # Heavy noise at 14400 bit/s only: TCF fails there, 12000 is clean. (Not lower: efax
    # 0.9a's next step after 12000 is V.17 9600, which its DCS table encodes as 2400
    # bit/s (efax.c t30tab captodcs has 6 entries for 8 rates), so its receiver listens
    # for V.27ter and rightly gets +FCERROR: a bug of efax, seen through hw-sim.)
    bank.fault_next_call("1002", bit_error_rate=0.01, bit_errors_min_bps=14400)
    pages = make_pages(tmp, 1)
    receiver = efax.start_receiver(b.device)
    sent = efax.send(a.device, "1002", [pages[0][0]])
    assert efax.receiver_result(receiver).returncode == 0
    assert sent.returncode == 0, sent.log[-2000:]
    assert "channel not usable at 14400 bps" in sent.log
    record = bank.wait_for_call("1002", timeout=5)
    page = [c for c in record["carriers"] if c["page"]]
    assert [c["modulation"] for c in page] == ["V.17 12000"]
    trainings = [c for c in record["carriers"] if c["from"] == "1001" and c["code"] != 3
                 and not c["page"]]
    assert [c["modulation"] for c in trainings] == ["V.17 14400", "V.17 12000"]
    assert trainings[0]["bit_errors"] > 0 and trainings[1]["bit_errors"] == 0
    got = read_fax(efax.received_files()[0])
    assert np.array_equal(got, expected_received(pages[0][1], fine=False))


def test_errors_on_a_page_make_efax_resend_it(setup):
    bank, efax, a, b, tmp = setup
    # Noise on the first page carrier only: TCF passes, the page comes back RTN.
    bank.fault_next_call("1002", bit_error_rate=0.002, bit_errors_on="pages",
                         bit_errors_pages=(1,))
    pages = make_pages(tmp, 1, lines=600)
    receiver = efax.start_receiver(b.device)
    sent = efax.send(a.device, "1002", [pages[0][0]])
    received = efax.receiver_result(receiver)
    assert sent.returncode == 0, sent.log[-2000:]
    assert received.returncode == 0
    assert "received RTN - page not OK" in sent.log
    record = bank.wait_for_call("1002", timeout=5)
    page_carriers = [c for c in record["carriers"] if c["page"]]
    assert len(page_carriers) == 2 and page_carriers[0]["bit_errors"] > 0
    assert page_carriers[1]["bit_errors"] == 0
    # The resent page arrived intact (efax keeps the damaged first copy too).
    got = read_fax(efax.received_files()[-1])
    assert np.array_equal(got, expected_received(pages[0][1], fine=False))
