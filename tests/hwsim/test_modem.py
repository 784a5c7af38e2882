"""The simulated modem as a DTE sees it through its pty: Hayes basics and T.31 Class 1."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hwsim import ModemBank, Timing
from hwsim.hdlc import fcs_good, with_fcs

from .dte import Dte

CSI = bytes.fromhex("ff0302") + b"1002".rjust(20)  # non-final frame
DIS = bytes.fromhex("ff1380") + bytes.fromhex("00ce00")  # final frame


@pytest.fixture
def dtes(pair):
    with Dte(pair[0].device) as a, Dte(pair[1].device) as b:
        yield a, b


def connect(a: Dte, b: Dte, first_frame: bool = True) -> None:
    """Class 1 call from a to b answered with ATA; b sends DIS, a receives it (the
    caller's ATD acts as +FRH=3). Both end in command state, on line."""
    a.at("E0+FCLASS=1")
    b.at("E0+FCLASS=1")
    a.send(b"ATD1002\r")
    b.read_until(b"RING\r\n")
    assert b.at("A").endswith(b"CONNECT\r\n")
    if first_frame:
        b.send(frame_data(DIS))
        assert b.read_until(b"OK\r\n") == b"\r\nOK\r\n"
        assert a.read_until(b"OK\r\n").endswith(b"\x10\x03\r\nOK\r\n")


def frame_data(frame: bytes) -> bytes:
    return frame.replace(b"\x10", b"\x10\x10") + b"\x10\x03"


def frh(dte: Dte) -> bytes:
    dte.send(b"AT+FRH=3\r")
    return dte.read_until(b"\r\nOK\r\n", b"\r\nERROR\r\n", b"NO CARRIER\r\n",
                          b"+FCERROR\r\n")


# -- Hayes basics ----------------------------------------------------------------------
def test_echo_verbose_numeric_quiet(dtes):
    a, _ = dtes
    assert a.at("") == b"AT\r\r\nOK\r\n"  # echo on after power-up
    assert a.at("E0") == b"ATE0\r\r\nOK\r\n"
    assert a.at("") == b"\r\nOK\r\n"
    a.send(b"ATV0\r")
    assert a.read_until(b"0\r") == b"0\r"
    a.send(b"ATX9\r")
    assert a.read_until(b"4\r") == b"4\r"  # ERROR in numeric form
    a.send(b"ATV1Q1\r")
    assert a.quiet_for(0.3) == b""
    assert a.at("Q0") == b"\r\nOK\r\n"


def test_s_registers_identity_and_errors(dtes, bank):
    a, _ = dtes
    a.at("E0")
    assert a.at("S7=30") == b"\r\nOK\r\n"
    assert a.at("S7?") == b"\r\n030\r\n\r\nOK\r\n"
    assert a.at("S1=3").endswith(b"ERROR\r\n")
    assert a.at("I") == b"\r\nSimFax C1 1.0\r\n\r\nOK\r\n"
    assert a.at("I3") == b"\r\nfaxgw hw-sim SimFax C1 1.0\r\n\r\nOK\r\n"
    assert a.at("+FMI?;+FMM?") == b"\r\nfaxgw hw-sim\r\n\r\nSimFax C1\r\n\r\nOK\r\n"
    assert a.at("+FCLASS=?") == b"\r\n0,1,1.0\r\n\r\nOK\r\n"
    assert a.at("+FTM=?").endswith(b"ERROR\r\n")  # only in a fax class
    assert a.at("+FCLASS=1;+FTM=?") == \
        b"\r\n24,48,72,73,74,96,97,98,121,122,145,146\r\n\r\nOK\r\n"
    assert a.at("+FCLASS?") == b"\r\n1\r\n\r\nOK\r\n"
    assert a.at("+FCLASS=2").endswith(b"ERROR\r\n")
    assert a.at("Z") == b"\r\nOK\r\n"
    a.at("E0")
    assert a.at("+FCLASS?") == b"\r\n0\r\n\r\nOK\r\n"
    assert a.at("+FRH=3").endswith(b"ERROR\r\n")  # not in Class 1 after ATZ


def test_profile_sets_identity_and_capabilities(bank, tmp_path):
    path = tmp_path / "other.toml"
    path.write_text('[identity]\nmanufacturer = "ACME"\nmodel = "Fax 9600"\nrevision = "2"\n'
                    'ati = ["ACME 9600"]\n[capabilities]\nfclass = "0,1"\n'
                    'ftm = [24, 48, 72, 96]\nfrm = [24, 48, 72, 96]\nfth = [3]\nfrh = [3]\n'
                    '[modem]\ninit = "ignored by hw-sim"\n')
    info = bank.add_modem("2001", profile=path)
    with Dte(info.device) as d:
        d.at("E0+FCLASS=1")
        assert d.at("I3") == b"\r\nACME Fax 9600 2\r\n\r\nOK\r\n"
        assert d.at("+FCLASS=?") == b"\r\n0,1\r\n\r\nOK\r\n"
        assert d.at("+FRM=?") == b"\r\n24,48,72,96\r\n\r\nOK\r\n"
        assert d.at("+FCLASS=1.0").endswith(b"ERROR\r\n")


# -- calls -----------------------------------------------------------------------------
def test_auto_answer_after_two_rings_and_hdlc_both_ways(dtes, bank):
    a, b = dtes
    a.at("E0+FCLASS=1")
    b.at("E0+FCLASS=1;S0=2")
    a.send(b"ATDT 1002\r")
    got = b.read_until(b"CONNECT\r\n", timeout=5)
    assert got.count(b"RING") == 2
    b.send(frame_data(CSI))
    assert b.read_until(b"CONNECT\r\n") == b"\r\nCONNECT\r\n"  # not final: more frames
    b.send(frame_data(DIS))
    assert b.read_until(b"OK\r\n") == b"\r\nOK\r\n"  # final: carrier off
    # The caller's ATD behaves as +FRH=3: CONNECT on flags, frame with FCS, DLE ETX, OK.
    first = a.read_until(b"OK\r\n")
    assert first.startswith(b"\r\nCONNECT\r\n")
    assert first.endswith(b"\x10\x03\r\nOK\r\n")
    body = first[len(b"\r\nCONNECT\r\n"):-len(b"\x10\x03\r\nOK\r\n")]
    assert body == with_fcs(CSI).replace(b"\x10", b"\x10\x10") and fcs_good(with_fcs(CSI))
    # The second frame of the same carrier is still there for the next +FRH=3.
    assert frh(a) == b"\r\nCONNECT\r\n" + frame_data(with_fcs(DIS)) + b"\r\nOK\r\n"
    a.at("H")
    record = bank.wait_for_call("1002", timeout=5)
    assert record["result"] == "completed" and record["hangup_by"] == "1001"
    assert [f["hex"] for f in record["frames"]] == [CSI.hex(), DIS.hex()]
    assert [c["modulation"] for c in record["carriers"]] == ["CED 0", "V.21 300"]


def test_image_data_paced_with_dle_and_carrier_loss(dtes, bank):
    a, b = dtes
    connect(a, b)
    page = bytes(range(256)) * 8  # contains DLE, XON and XOFF bytes
    a.send(b"AT+FTM=96\r")
    assert a.read_until(b"CONNECT\r\n") == b"\r\nCONNECT\r\n"
    b.send(b"AT+FRM=96\r")
    start = time.monotonic()
    a.send(page.replace(b"\x10", b"\x10\x10") + b"\x10\x03")
    assert a.read_until(b"OK\r\n", timeout=10).endswith(b"\r\nOK\r\n")
    got = b.read_until(b"\x10\x03\r\nNO CARRIER\r\n", timeout=10)
    elapsed = time.monotonic() - start
    assert got.startswith(b"\r\nCONNECT\r\n")
    data = got[len(b"\r\nCONNECT\r\n"):-len(b"\x10\x03\r\nNO CARRIER\r\n")]
    unstuffed = data.replace(b"\x10\x10", b"\x10")
    assert unstuffed.startswith(page) and not any(unstuffed[len(page):])  # + turn-off fill
    # Accelerated pacing: 2048 bytes at 9600 bit/s is 1.7 line seconds.
    assert elapsed >= bank.timing.wall(len(page) * 8 / 9600)


def test_wrong_carrier_gives_fcerror_and_the_frame_is_not_lost(dtes):
    a, b = dtes
    connect(a, b)
    a.send(b"AT+FRM=96\r")  # a listens for image data; b sends V.21
    time.sleep(0.05)
    b.send(b"AT+FTH=3\r")
    b.read_until(b"CONNECT\r\n")
    b.send(frame_data(DIS))
    assert a.read_until(b"+FCERROR\r\n") == b"\r\n+FCERROR\r\n"
    assert frh(a) == b"\r\nCONNECT\r\n" + frame_data(with_fcs(DIS)) + b"\r\nOK\r\n"


def test_adaptive_reception_switches_to_hdlc(dtes):
    a, b = dtes
    connect(a, b)
    a.at("+FAR=1")
    a.send(b"AT+FRM=96\r")
    time.sleep(0.05)
    b.send(b"AT+FTH=3\r")
    b.read_until(b"CONNECT\r\n")
    b.send(frame_data(DIS))
    got = a.read_until(b"OK\r\n")
    assert got == b"\r\n+FRH:3\r\n\r\nCONNECT\r\n" + frame_data(with_fcs(DIS)) + b"\r\nOK\r\n"


def test_noisy_v21_makes_the_fcs_check_fail(dtes, bank):
    bank.fault_next_call("1002", bit_error_rate=0.05)
    a, b = dtes
    connect(a, b, first_frame=False)
    b.send(frame_data(DIS))
    assert a.read_until(b"ERROR\r\n", b"OK\r\n").endswith(b"\x10\x03\r\nERROR\r\n")


def test_a_late_listener_misses_what_was_already_sent(tmp_path):
    with ModemBank(timing=Timing(0.1, 0.0, "x0.1"), seed=3) as bank:
        bank.add_modem("1001")
        bank.add_modem("1002")
        with Dte(bank.modems()[0].device) as a, Dte(bank.modems()[1].device) as b:
            connect(a, b)
            page = bytes([0x55]) * 600 + bytes([0xAA]) * 600  # 1 s at 9600 bit/s
            a.send(b"AT+FTM=96\r")
            a.read_until(b"CONNECT\r\n")
            a.send(page + b"\x10\x03")
            time.sleep(0.025 + 0.06)  # training (25 ms) plus about half the data
            b.send(b"AT+FRM=96\r")
            got = b.read_until(b"\x10\x03\r\nNO CARRIER\r\n", timeout=5)
            data = got[len(b"\r\nCONNECT\r\n"):-len(b"\x10\x03\r\nNO CARRIER\r\n")]
            data = data.rstrip(b"\x00")
            assert 0 < len(data) < len(page)
            assert page.endswith(data)  # the end arrived, the beginning was missed


def test_xoff_when_the_transmit_buffer_fills(tmp_path):
    with ModemBank(timing=Timing(0.2, 0.0, "x0.2"), tx_buffer_bytes=1024) as bank:
        bank.add_modem("1001")
        bank.add_modem("1002")
        devices = [m.device for m in bank.modems()]
        with Dte(devices[0]) as a, Dte(devices[1]) as b:
            connect(a, b)
            a.at("+FTM=24")
            b.send(b"AT+FRM=24\r")
            page = bytes(range(32, 96)) * 60  # 3840 bytes: 12.8 line s at 2400 bit/s
            # Written at the pace of a 19200 baud serial line (1920 bytes/s), faster than
            # the 1500 bytes/s the line takes here: the buffer must fill and XOFF. The DTE
            # obeys XON/XOFF in software so the test sees them.
            seen, stopped = bytearray(), False
            for i in range(0, len(page), 64):
                deadline = time.monotonic() + 10
                while True:
                    seen += a.port.read(a.port.in_waiting)
                    stopped = seen.rfind(b"\x13") > seen.rfind(b"\x11")
                    if not stopped or time.monotonic() > deadline:
                        break
                    time.sleep(0.005)
                a.send(page[i:i + 64])
                time.sleep(64 / 1920)
            a.send(b"\x10\x03")
            seen += a.read_until(b"OK\r\n", timeout=20)
            assert seen.startswith(b"\x13") and seen.count(b"\x13") == seen.count(b"\x11")
            assert seen.endswith(b"\r\nOK\r\n")
            got = b.read_until(b"NO CARRIER\r\n", timeout=20)
            assert page in got  # nothing lost
            a.at("H")


def test_a_dte_that_outruns_the_line_loses_nothing_and_gains_no_speed():
    # Regression (found by bench_hwsim): efax writes a whole page into the pty before
    # its tty processes our XOFF; the modem used to drop what did not fit, and the page
    # went faster than the line. Now the pty holds the bytes as a serial driver would.
    with ModemBank(timing=Timing(0.05, 0.0, "x0.05"), tx_buffer_bytes=2048) as bank:
        bank.add_modem("1001")
        bank.add_modem("1002")
        devices = [m.device for m in bank.modems()]
        with Dte(devices[0]) as a, Dte(devices[1]) as b:
            connect(a, b)
            a.at("+FTM=146")
            b.send(b"AT+FRM=146\r")
            page = bytes((i * 7 + 1) % 256 for i in range(40000)).replace(b"\x10", b"\x11")
            a.send(page + b"\x10\x03")  # all at once, XOFF or not
            seen = a.read_until(b"OK\r\n", timeout=20)
            assert seen.endswith(b"\r\nOK\r\n")
            got = b.read_until(b"\x10\x03\r\nNO CARRIER\r\n", timeout=20)
            assert got[len(b"\r\nCONNECT\r\n"):].startswith(page)
            a.at("H")
        record = bank.wait_for_call("1002", 10)
    page_carrier = next(c for c in record["carriers"] if c["page"])
    assert page_carrier["duration_s"] >= 0.05 * len(page) * 8 / 14400


def test_quirk_hdlc_dle_undoubled(bank, tmp_path):
    profile = tmp_path / "quirky.toml"
    profile.write_text((Path(__file__).resolve().parents[2] / "drivers" /
                        "hwsim-class1.toml").read_text()
                       .replace("hdlc_dle_undoubled = false", "hdlc_dle_undoubled = true"))
    bank.add_modem("1001", profile=profile)
    bank.add_modem("1002")
    devices = [m.device for m in bank.modems()]
    frame = bytes.fromhex("ff1380") + b"\x10\x10\x01"
    with Dte(devices[0]) as a, Dte(devices[1]) as b:
        a.at("E0+FCLASS=1")
        b.at("E0+FCLASS=1")
        a.send(b"ATD1002\r")
        b.read_until(b"RING\r\n")
        b.at("A")
        b.send(frame_data(frame))
        got = a.read_until(b"\r\nOK\r\n")
    # The quirky modem passes DLE through undoubled inside +FRH data (see the profile).
    assert got == b"\r\nCONNECT\r\n" + with_fcs(frame) + b"\x10\x03\r\nOK\r\n"


def test_typed_ahead_lines_run_in_order_and_echo_once(dtes):
    a, _ = dtes
    a.send(b"ATS7=40\rATS7?\rATE0\r")
    got = a.read_until(b"OK\r\nATE0\r\r\nOK\r\n")
    assert got == b"ATS7=40\r\r\nOK\r\nATS7?\r\r\n040\r\n\r\nOK\r\nATE0\r\r\nOK\r\n"
    a.send(b"A/")  # repeats the last line (ATE0) without a CR
    assert a.read_until(b"OK\r\n") == b"\r\nOK\r\n"
