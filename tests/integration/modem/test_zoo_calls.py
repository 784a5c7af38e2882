"""The zoo matrix: every family of ``drivers/`` sends and receives a page, with ECM asked
for and without, two hw-sim modems playing the family (its identity, so faxgw matches the
profile by probing; its quirks, so faxgw has to handle each)."""

from __future__ import annotations

import pytest

from faxgw.modem.profiles import DRIVERS_DIR, find_profile
from faxgw.modem.sessions import SessionOptions, ecm_choice
from tests.integration.modem.zoo import FAMILIES, zoo_call

_calls: dict[tuple[str, bool], object] = {}  # one call serves its send and receive tests


def _call(tmp_path_factory, family: str, ecm: bool):
    key = (family, ecm)
    if key not in _calls:
        _calls[key] = zoo_call(tmp_path_factory.mktemp(f"{family}-{ecm}"), family, ecm=ecm)
    return _calls[key]


def expected_ecm(family: str, ecm: bool) -> bool:
    """What faxgw's own rules decide for this family: Class 1 carries ECM on any modem
    (framed by the host where +FTH=? lists only V.21) when the profile and the operator
    allow it; a Class 2 modem does it itself when asked and its +FCC=? offers it."""
    profile = find_profile(family, [DRIVERS_DIR])
    return ecm_choice(profile, SessionOptions(ecm=ecm))[0]


@pytest.mark.parametrize("ecm", [True, False], ids=["ecm", "non_ecm"])
@pytest.mark.parametrize("family", FAMILIES)
def test_family_sends(tmp_path_factory, family, ecm):
    call = _call(tmp_path_factory, family, ecm)
    assert call.sent.get("success"), call.explain()
    assert call.sent["pages_confirmed"] == 1
    assert call.sent["ecm"] is expected_ecm(family, ecm)


@pytest.mark.parametrize("ecm", [True, False], ids=["ecm", "non_ecm"])
@pytest.mark.parametrize("family", FAMILIES)
def test_family_receives(tmp_path_factory, family, ecm):
    call = _call(tmp_path_factory, family, ecm)
    assert call.got.get("success"), call.explain()
    assert call.got["pages_total"] == 1
    assert "saved" in call.got["detail"]
