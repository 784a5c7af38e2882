"""What a call teaches the next call to the number, and the recipient check."""

from __future__ import annotations

from faxgw.outcome import Outcome
from faxgw.scheduler.learning import (Pin, call_options, learn, normalise_csi, pin_for,
                                      recipient_check)
from faxgw.session import Coding, EcmCounters, RemoteStation, SessionResult
from faxgw.store import Destination

NOW = 1_700_000_000_000


def result(outcome=Outcome.SUCCESS, **kw) -> SessionResult:
    return SessionResult(direction="send", outcome=outcome, **kw)


def test_training_failed_at_14400_and_the_call_failed_makes_the_next_start_lower():
    r = result(Outcome.FAR_END_HUNG_UP, phase="B", failed_trainings={"V.17 14400": 3})
    d = learn(None, "15550100", r, NOW)
    assert d.start_bit_rate == 12000 and d.tcf_failures == 3 and d.v17_failures == 3
    assert d.last_tcf_failure_ms == NOW and d.calls == 1 and d.successes == 0
    options = call_options(d, None)
    assert options.max_bit_rate == 12000 and options.ecm


def test_a_call_that_failed_training_everywhere_steps_down_one_speed_only():
    r = result(Outcome.TRAINING_FAILED, phase="B",
               failed_trainings={f"V.17 {s}": 3 for s in (14400, 12000, 9600, 7200)})
    assert learn(None, "1", r, NOW).start_bit_rate == 12000


def test_a_call_that_fell_back_and_trained_starts_next_time_where_it_worked():
    r = result(bit_rate=9600, coding=Coding.MR,
               failed_trainings={"V.17 14400": 3, "V.17 12000": 3})
    d = learn(None, "1", r, NOW)
    assert (d.start_bit_rate, d.last_bit_rate, d.last_coding) == (9600, 9600, "MR")


def test_a_clean_call_changes_no_start_speed_and_pins_the_csi_it_met():
    before = Destination(number="1", start_bit_rate=9600)
    d = learn(before, "1", result(bit_rate=9600, remote_ident="+1 555 0100 ",
                                  remote_nsf="b50020"), NOW)
    assert d.start_bit_rate == 9600 and d.pinned_csi == "+1 555 0100"
    assert d.remote_vendor == "Conexant" and d.successes == 1


def test_an_ecm_call_that_failed_in_the_page_phase_makes_the_next_go_without_ecm():
    r = result(Outcome.PROTOCOL_TIMEOUT, phase="D", ecm=True, bit_rate=14400)
    d = learn(None, "1", r, NOW)
    assert not d.ecm and d.ecm_failures == 1 and d.last_ecm_failure_ms == NOW
    assert call_options(d, None).ecm is False
    # An ECM call that gave up frames (EOR) counts too, a non-ECM failure does not.
    assert not learn(None, "1", result(ecm=True, ecm_counters=EcmCounters(eors=1)), NOW).ecm
    assert learn(None, "1", result(Outcome.PROTOCOL_TIMEOUT, phase="D"), NOW).ecm
    # A line that dropped mid page is not ECM's fault, unless frames had to be sent again.
    dropped = dict(phase="C", ecm=True, bit_rate=14400)
    assert learn(None, "1", result(Outcome.FAR_END_HUNG_UP, **dropped), NOW).ecm
    assert not learn(None, "1", result(Outcome.FAR_END_HUNG_UP, ecm_counters=EcmCounters(
        pprs=1), **dropped), NOW).ecm


def test_a_locked_destination_keeps_its_values_but_still_records_what_happened():
    locked = Destination(number="1", start_bit_rate=14400, ecm=True, pinned_csi="A 1",
                         locked=True)
    r = result(Outcome.PROTOCOL_TIMEOUT, phase="D", ecm=True,
               failed_trainings={"V.17 14400": 2}, remote_ident="B 2")
    d = learn(locked, "1", r, NOW)
    assert (d.start_bit_rate, d.ecm, d.pinned_csi) == (14400, True, "A 1")
    assert d.tcf_failures == 2 and d.ecm_failures == 1 and d.remote_csi == "B 2"


def test_csis_compare_by_digits_and_plus_and_the_refusal_names_both():
    assert normalise_csi("  +1 555-0100") == normalise_csi("+15550100")
    assert normalise_csi("ACME  fax") == normalise_csi("acme FAX")
    check = recipient_check(Pin("+1 555 0100", "learned"))
    assert check(RemoteStation("     +1-555-0100")) is None
    refusal = check(RemoteStation("+1 555 0199"))
    assert "'+1 555 0100'" in refusal and "'+1 555 0199'" in refusal
    assert "pinned from an earlier call" in refusal
    assert "no CSI" in check(RemoteStation(None))
    assert "given by the sender" in recipient_check(Pin("1", "sender"))(RemoteStation("2"))


def test_the_pin_is_the_senders_first_then_the_learned_one_and_only_when_asked():
    learned = Destination(number="1", pinned_csi="+1 555 0100")
    assert pin_for({"verify_recipient": 0}, learned) is None
    assert pin_for({"verify_recipient": 1, "expected_csi": None}, learned) == \
        Pin("+1 555 0100", "learned")
    assert pin_for({"verify_recipient": 1, "expected_csi": "+1 2"}, learned) == \
        Pin("+1 2", "sender")
    assert pin_for({"verify_recipient": 1, "expected_csi": None}, None) is None
    assert call_options(learned, Pin("x", "sender")).check_recipient is not None
