"""The AT command sets of hw-sim's Class 2.0 (T.32) and Class 2 (SP-2388) modems."""

from __future__ import annotations

from pathlib import Path

import pytest

from hwsim.faults import Faults

from .dte import Dte

DRIVERS = Path(__file__).resolve().parents[2] / "drivers"


@pytest.fixture
def c20(bank):
    """A Class 2.0 modem (1001) and a Class 1 modem (1002), with a DTE on the first."""
    a = bank.add_modem("1001", profile=DRIVERS / "hwsim-class20.toml")
    bank.add_modem("1002")
    with Dte(a.device) as dte:
        dte.at("E0")
        yield dte


def test_class20_parameters_and_names(c20):
    assert c20.at("+FCLASS=?") == b"\r\n0,2.0\r\n\r\nOK\r\n"
    assert c20.at("+FCLASS=1") == b"\r\nERROR\r\n"  # not offered by this modem
    assert c20.at("+FCLASS=2.0") == b"\r\nOK\r\n"
    # The firmware (spandsp's T.30) offers ECM (EC 1, 2) and MMR (DF 3) but no uncompressed
    # mode (DF 2).
    assert c20.at("+FCC=?") == b"\r\n(0-1),(0-5),(0-2),(0-2),(0,1,3),(0-2),(0),(0-7)\r\n\r\nOK\r\n"
    assert c20.at("+FCC=1,5,0,2,3,2,0,0") == b"\r\nOK\r\n"
    assert c20.at("+FCC=1,5,0,2,2,0,0,0") == b"\r\nERROR\r\n"  # uncompressed refused
    assert c20.at("+FCC=0,3,0,2,0,0,0,0") == b"\r\nOK\r\n"
    # +FIS is clipped to +FCC (T.32 8.5.1.2): fine and 14400 become normal and 9600.
    assert c20.at("+FIS=1,5") == b"\r\nOK\r\n"
    assert c20.at("+FIS?") == b"\r\n0,3,0,2,1,0,0,0\r\n\r\nOK\r\n"
    assert c20.at('+FLI="+1 555 0100"') == b"\r\nOK\r\n"
    assert c20.at("+FLI?") == b'\r\n"+1 555 0100"\r\n\r\nOK\r\n'
    assert c20.at('+FLI="' + "9" * 21 + '"') == b"\r\nERROR\r\n"
    for ok in ("+FBO=0", "+FNR=1,1,1,0", "+FCQ=0,0", "+FPP=0", "+FLO=1", "+FCR=1", "+FPS=2"):
        assert c20.at(ok) == b"\r\nOK\r\n", ok
    assert c20.at("+FCQ=1,0") == b"\r\nERROR\r\n"  # the DTE checks page quality itself
    # SP-2388 names are not T.32's: +FDCC is unknown in Class 2.0.
    assert c20.at("+FDCC=?") == b"\r\nERROR\r\n"
    assert c20.at("+FDT") == b"\r\nERROR\r\n"  # no call
    assert c20.at("+FHS?") == b"\r\n0\r\n\r\nOK\r\n"


def test_class20_dial_busy(c20, bank):
    assert c20.at("+FCLASS=2.0") == b"\r\nOK\r\n"
    bank.fault_next_call("1002", Faults(busy=True))
    assert c20.at("D1002", timeout=10).endswith(b"BUSY\r\n")
    assert c20.at("+FDT") == b"\r\nERROR\r\n"  # no call


def test_class2_names(bank):
    a = bank.add_modem("1001", profile=DRIVERS / "hwsim-class2.toml")
    with Dte(a.device) as dte:
        dte.at("E0")
        assert dte.at("+FCLASS=2") == b"\r\nOK\r\n"
        assert dte.at("+FDCC=?") == b"\r\n(0-1),(0-5),(0-2),(0-2),(0,1,3),(0-2),(0),(0-7)\r\n\r\nOK\r\n"
        assert dte.at("+FDIS=1,5,0,2,0,0,0,0") == b"\r\nOK\r\n"
        assert dte.at("+FLID=\"1001\"") == b"\r\nOK\r\n"
        assert dte.at("+FBOR=1") == b"\r\nOK\r\n"
        assert dte.at("+FPTS=1") == b"\r\nOK\r\n"
        assert dte.at("+FMDL?") == b"\r\nSimFax C2\r\n\r\nOK\r\n"
        assert dte.at("+FCC=?") == b"\r\nERROR\r\n"  # a T.32 name
        assert dte.at("+FK") == b"\r\nOK\r\n"
