"""Choosing a modem's fax class: its profile's preference, else probing, which
prefers Class 1 where the modem offers it; and the hang-up code table of the Class 2 drivers."""

from __future__ import annotations

import pytest

from faxgw.modem.class2 import codes
from faxgw.modem.device import open_modem
from faxgw.outcome import Outcome
from faxgw.session import Coding, Resolution
from hwsim import ModemBank
from hwsim.profile import ModemProfile

UNKNOWN = ModemProfile(name="unknown", manufacturer="Nobody", model="NoName 9",
                       revision="0.1", ati=("NoName 9",))


@pytest.mark.parametrize("offered,chosen", [
    ("0,2.0", "2.0"),  # a Class 2.0-only modem: driven in 2.0
    ("0,2", "2"),
    ("0,2,2.0", "2.0"),  # T.32 before the older draft
    ("0,1,2.0", "1"),  # Class 1 where the modem offers it
    ("0,1.0,2", "1.0"),
])
async def test_probing_picks_class1_first_then_class20_then_class2(offered, chosen):
    with ModemBank(timing="accelerated") as bank:
        info = bank.add_modem("1001", profile=UNKNOWN, classes=offered)
        async with open_modem(info.device) as modem:
            assert modem.matched_by == "generic"
            assert modem.fclass == chosen


async def test_a_profile_naming_its_class_is_followed():
    with ModemBank(timing="accelerated") as bank:
        info = bank.add_modem("1001", classes="0,1,1.0,2.0")  # hw-sim's Class 1 identity
        async with open_modem(info.device) as modem:
            assert modem.profile.name == "hwsim-class1" and modem.fclass == "1.0"
        async with open_modem(info.device, "hwsim-class20") as modem:
            assert modem.fclass == "2.0"


@pytest.mark.parametrize("code,outcome,phase", [
    (0, Outcome.SUCCESS, "E"), (3, Outcome.NO_DIALTONE, "A"), (4, Outcome.NO_ANSWER, "A"),
    (11, Outcome.NO_FAX_AT_FAR_END, "A"), (20, Outcome.FAR_END_HUNG_UP, "B"),
    (21, Outcome.INCOMPATIBLE, "B"), (25, Outcome.PROTOCOL_TIMEOUT, "B"),
    (27, Outcome.TRAINING_FAILED, "B"), (40, Outcome.FAR_END_HUNG_UP, "C"),
    (43, Outcome.MODEM_FAULT, "C"), (53, Outcome.PROTOCOL_ERROR, "D"),
    (54, Outcome.EOP_UNANSWERED, "D"), (72, Outcome.PROTOCOL_ERROR, "B"),
    (73, Outcome.PROTOCOL_TIMEOUT, "B"), (90, Outcome.FAR_END_HUNG_UP, "C"),
    (102, Outcome.PROTOCOL_ERROR, "D"), (255, Outcome.MODEM_FAULT, "D"),
])
def test_hang_up_codes_become_outcomes(code, outcome, phase):
    assert codes.hangup_outcome(code) is outcome
    assert codes.hangup_phase(code) == phase


def test_negotiated_parameters_become_a_page_format():
    fmt = codes.page_format("1,5,0,2,1,0,0,4")
    assert (fmt.coding, fmt.resolution, fmt.width_px, fmt.bit_rate, fmt.min_scan_ms) == \
        (Coding.MR, Resolution.FINE, 1728, 14400, 10)
    with pytest.raises(ValueError):
        codes.page_format("0,5,0,2,2,0,0,0")  # uncompressed mode: not ours to code
    assert codes.report(('+FCO', '+FCI:"1002 "', "+FHS:00"), "+FCI") == "1002"
    assert codes.first_number(codes.report(("+FPS:1,0,0,0,0",), "+FPS")) == 1
    # +FCC=? ranges: EC (position 5) is what tells whether the modem does ECM.
    assert codes.range_max(("(0-1),(0-5),(0-2),(0-2),(0-1),(0),(0),(0-7)",), 5) == 0
    assert codes.range_max(("+FCC:(0,1),(0-5),(0-2),(0-2),(0-3),(0-2),(0),(0-7)",), 5) == 2
