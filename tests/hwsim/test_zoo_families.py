"""hw-sim plays each ``drivers/`` family: it answers with the family's identity and does
what each of its quirks says, seen by a plain DTE that shares no code with faxgw."""

from __future__ import annotations

import time

import pytest

import faxgw_drivers
from hwsim.hdlc import with_fcs
from hwsim.profile import load_profile

from .dte import Dte
from .test_modem import DIS, frame_data, frh

DRIVERS = faxgw_drivers.directory()
FAMILIES = sorted(p.stem for p in DRIVERS.glob("*.toml")
                  if not p.stem.startswith(("generic-", "hwsim-")))


@pytest.mark.parametrize("family", FAMILIES)
def test_identity_and_capabilities_come_from_the_family_profile(bank, family):
    played = load_profile(DRIVERS / f"{family}.toml")
    modem = bank.add_modem("1001", profile=DRIVERS / f"{family}.toml")
    with Dte(modem.device) as dte:
        dte.at("E0")
        assert played.ati[0].encode() in dte.at("I")
        ati3 = played.ati3 or f"{played.manufacturer} {played.model} {played.revision}"
        assert ati3.encode() in dte.at("I3")
        assert played.fclass.encode() in dte.at("+FCLASS=?")
        assert played.manufacturer.encode() in dte.at("+FMI?")


def call_between(bank, family: str) -> tuple[Dte, Dte]:
    """Dial from 1001 to 1002 (both ``family``), answered; both DTEs in command state
    after the answerer's DIS reached the caller."""
    path = DRIVERS / f"{family}.toml"
    a_m, b_m = bank.add_modem("1001", profile=path), bank.add_modem("1002", profile=path)
    a, b = Dte(a_m.device), Dte(b_m.device)
    a.at("E0+FCLASS=1")
    b.at("E0+FCLASS=1")
    a.send(b"ATD1002\r")
    b.read_until(b"RING\r\n")
    assert b.at("A").endswith(b"CONNECT\r\n")
    b.send(frame_data(DIS))
    b.read_until(b"OK\r\n")
    return a, b


def test_paradyne_passes_frames_without_fcs(bank):
    a, b = call_between(bank, "paradyne-dataport")
    with a, b:
        got = a.read_until(b"OK\r\n")
        assert got.endswith(frame_data(DIS) + b"\r\nOK\r\n")
        assert with_fcs(DIS).replace(b"\x10", b"\x10\x10") not in got


def test_topic_cirrus_refuses_fts(bank):
    a, b = call_between(bank, "topic-cirrus")
    with a, b:
        a.read_until(b"OK\r\n")
        assert a.at("+FTS=8").endswith(b"ERROR\r\n")


def test_usr_resets_on_frs_and_drops_the_call(bank):
    a, b = call_between(bank, "usr-courier")
    with a, b:
        a.read_until(b"OK\r\n")
        assert a.at("+FRS=8").endswith(b"OK\r\n")
        record = bank.wait_for_call("1002", timeout=5)
        assert record["hangup_by"] == "1001"
        after = a.at("+FCLASS?")  # power-on settings: echo on, Class 0
        assert after.startswith(b"AT+FCLASS?") and b"\r\n0\r\n" in after


def test_agere_says_connect_then_no_carrier_to_the_first_frh_after_a_turnaround(bank):
    a, b = call_between(bank, "multitech-agere")
    with a, b:
        a.read_until(b"OK\r\n")
        assert frh(b) == b"\r\nCONNECT\r\n\x10\x03\r\nNO CARRIER\r\n"
        b.send(b"AT+FRH=3\r")  # asked again: this one hears the frame
        a.send(b"AT+FTH=3\r")
        a.read_until(b"CONNECT\r\n")
        a.send(frame_data(DIS))
        a.read_until(b"OK\r\n")
        assert b.read_until(b"OK\r\n") == \
            b"\r\nCONNECT\r\n" + frame_data(with_fcs(DIS)) + b"\r\nOK\r\n"


def test_multitech_loses_image_bytes_written_right_after_connect(bank):
    a, b = call_between(bank, "multitech-agere")
    with a, b:
        a.read_until(b"OK\r\n")
        b.send(b"AT+FRM=96\r")  # listening before the page starts
        a.send(b"AT+FTM=96\r")
        a.read_until(b"CONNECT\r\n")
        a.send(b"\xaa" * 200)  # at once: lost
        time.sleep(0.45)
        a.send(b"\x55" * 200 + b"\x10\x03")  # after the 400 ms: sent
        a.read_until(b"OK\r\n", timeout=10)
        got = b.read_until(b"NO CARRIER\r\n", timeout=10)
        assert b"\x55" * 50 in got and b"\xaa" not in got


def test_digi_stays_silent_where_t31_says_fcerror(bank):
    a, b = call_between(bank, "digi-acceleport")
    with a, b:
        a.read_until(b"OK\r\n")
        a.send(b"AT+FTH=3\r")
        a.read_until(b"CONNECT\r\n")
        a.send(frame_data(DIS))
        b.send(b"AT+FRM=96\r")
        assert b.quiet_for(1.0) == b""  # no +FCERROR while V.21 is on the line
        b.send(b"\x18")  # the DTE gives up: a character aborts +FRM
        assert b.read_until(b"OK\r\n").endswith(b"OK\r\n")
