"""Faults of the exchange, the line and the modem, as a DTE sees them on the pty."""

from __future__ import annotations

import json
import os
import time

import pytest
import serial

from .dte import Dte
from .test_modem import DIS, connect, frame_data


@pytest.fixture
def dtes(pair):
    with Dte(pair[0].device) as a, Dte(pair[1].device) as b:
        a.at("E0+FCLASS=1")
        b.at("E0+FCLASS=1")
        yield a, b


def test_no_dialtone_unless_dialing_blind(dtes, bank):
    a, b = dtes
    bank.set_faults("1001", no_dialtone=True)
    assert a.at("D1002") == b"\r\nNO DIALTONE\r\n"
    assert bank.wait_for_call("1001", 5)["result"] == "no_dialtone"
    a.at("X3")  # X3: dial without waiting for dial tone
    a.send(b"ATD1002\r")
    assert b"RING" in b.read_until(b"RING\r\n")
    a.send(b"\r")  # a character aborts the dialing (V.250 6.3.1)
    assert a.read_until(b"NO CARRIER\r\n") == b"\r\nNO CARRIER\r\n"
    assert bank.wait_for_call("1001", 5)["result"] == "aborted"


def test_busy_in_numeric_form_and_when_the_callee_is_off_hook(dtes, bank):
    a, b = dtes
    bank.fault_next_call("1002", busy=True)
    a.send(b"ATV0D1002\r")
    assert a.read_until(b"7\r") == b"7\r"
    a.at("V1")
    b.at("H1")  # off hook: a real busy line
    assert a.at("D1002") == b"\r\nBUSY\r\n"
    assert [c["result"] for c in bank.calls()] == ["busy", "busy"]


def test_voice_answer_and_unassigned_number(dtes, bank):
    a, _ = dtes
    bank.fault_next_call("1002", voice_answer=True)
    assert a.at("D1002", timeout=10) == b"\r\nNO CARRIER\r\n"
    assert a.at("D9999", timeout=10) == b"\r\nNO CARRIER\r\n"
    assert [c["result"] for c in bank.calls()] == ["voice", "no_carrier"]


def test_drop_after_seconds(dtes, bank):
    a, b = dtes
    bank.fault_next_call("1002", drop_after_s=20)  # 0.4 s in accelerated time
    connect(a, b)
    a.send(b"AT+FRH=3\r")
    assert a.read_until(b"NO CARRIER\r\n", timeout=5) == b"\r\nNO CARRIER\r\n"
    record = bank.wait_for_call("1002", 5)
    assert record["result"] == "dropped" and record["hangup_by"] == "line"
    assert 20 <= record["line_duration_s"] < 40
    assert a.at("+FTH=3") == b"\r\nNO CARRIER\r\n"  # the line is dead until ATH
    assert a.at("H") == b"\r\nOK\r\n"
    assert a.at("+FTH=3") == b"\r\nERROR\r\n"


def test_drop_the_line_at_run_time(dtes, bank):
    a, b = dtes
    connect(a, b)
    b.send(b"AT+FRM=96\r")
    time.sleep(0.1)
    assert bank.drop_call("1002")
    assert b.read_until(b"NO CARRIER\r\n") == b"\r\nNO CARRIER\r\n"
    assert bank.wait_for_call("1002", 5)["notes"] == ["line dropped on request"]


def test_a_frozen_modem_answers_nothing_until_thawed(dtes, bank):
    a, _ = dtes
    bank.freeze("1001")
    a.send(b"AT\r")
    assert a.quiet_for(0.3) == b""
    bank.freeze("1001", False)
    assert a.at("") == b"\r\nOK\r\n"


def test_a_vanished_modem_is_gone_for_the_dte_and_the_far_end(pair, bank):
    a_info = pair[0]
    with Dte(a_info.device) as a, Dte(pair[1].device) as b:
        a.at("E0+FCLASS=1")
        b.at("E0+FCLASS=1")
        connect(a, b)
        b.send(b"AT+FRH=3\r")
        time.sleep(0.05)
        bank.vanish("1001")
        assert b.read_until(b"NO CARRIER\r\n") == b"\r\nNO CARRIER\r\n"
        assert not os.path.lexists(a_info.device)
        with pytest.raises((serial.SerialException, OSError)):
            a.send(b"AT\r")
            a.port.read(10)
            a.port.read(10)
    record = bank.wait_for_call("1002", 5)
    assert record["result"] == "modem_gone" and record["hangup_by"] == "1001"


def test_garbled_result_lines(dtes, bank):
    a, _ = dtes
    bank.garble_results("1001", 1.0)
    a.send(b"AT\r")
    got = a.quiet_for(0.3)
    assert got and got != b"\r\nOK\r\n"
    bank.garble_results("1001", 0.0)
    assert a.at("") == b"\r\nOK\r\n"


def test_silence_commands(dtes, bank):
    a, b = dtes
    connect(a, b)
    start = time.monotonic()
    assert a.at("+FTS=50") == b"\r\nOK\r\n"  # 500 ms line = 10 ms here
    assert a.at("+FRS=50") == b"\r\nOK\r\n"
    assert time.monotonic() - start < 2
    b.send(b"AT+FTH=3\r")
    b.read_until(b"CONNECT\r\n")
    a.send(b"AT+FRS=5\r")  # waits while b's flags are on the line
    assert a.quiet_for(0.05) == b""
    b.send(frame_data(DIS))
    assert a.read_until(b"OK\r\n") == b"\r\nOK\r\n"


def test_dte_inactivity_timer_hangs_up(dtes, bank):
    a, b = dtes
    connect(a, b)
    assert a.at("+FIT=1,0") == b"\r\nOK\r\n"
    time.sleep(1.5)
    record = bank.wait_for_call("1002", 5)
    assert record["result"] == "dte_inactive"
    assert a.at("+FCLASS?") == b"\r\n0\r\n\r\nOK\r\n"  # action 0 also resets the class


def test_call_log_file_has_one_json_object_per_call(dtes, bank, tmp_path):
    a, b = dtes
    connect(a, b)
    a.at("H")
    bank.wait_for_call("1002", 5)
    lines = (tmp_path / "calls.jsonl").read_text().splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert record["caller"] == "1001" and record["dialed"] == "1002"
    assert record["frames"][0]["hex"] == DIS.hex()
    assert record["bytes"] == sum(c["bytes"] for c in record["carriers"])
    assert {"duration_s", "line_duration_s", "carriers", "frame_count"} <= record.keys()


def test_split_writes_deliver_results_one_byte_at_a_time(dtes, bank):
    a, _ = dtes
    bank.split_writes("1001", 0.01)
    start = time.monotonic()
    a.send(b"ATI3\r")
    got = a.read_until(b"OK\r\n")
    assert got == b"\r\nfaxgw hw-sim SimFax C1 1.0\r\n\r\nOK\r\n"
    assert time.monotonic() - start >= (len(got) - 1) * 0.01  # one byte per 10 ms
    bank.split_writes("1001", None)
    assert a.at("") == b"\r\nOK\r\n"
