"""Every quirk a zoo profile names matters: with the quirk taken out of faxgw's copy of the
profile (hw-sim still playing it), the call fails. The same call with the profile as it is
passes in the zoo matrix (test_zoo_calls.py)."""

from __future__ import annotations

import pytest

from faxgw.modem.profiles import DRIVERS_DIR, find_profile
from faxgw.modem.quirks import set_quirks
from tests.integration.modem.zoo import FAMILIES, without_quirk, zoo_call

# Quirks whose effect a whole call of the family does not show, each tested where it does:
# fcerror_never_reported (a wrong carrier, which a clean call never meets) and
# rh_connect_bug (handled by the runner for every modem) in test_zoo_link_quirks.py;
# class2_rx_bit_reversed (the family's first class is Class 1) in test_zoo_class2_quirk.py.
ELSEWHERE = {"fcerror_never_reported", "class2_rx_bit_reversed", "rh_connect_bug"}
CASES = [(family, quirk) for family in FAMILIES
         for quirk in set_quirks(find_profile(family, [DRIVERS_DIR]).quirks) if quirk not in ELSEWHERE]


def test_every_family_quirk_is_exercised_somewhere():
    named = {q for f in FAMILIES for q in set_quirks(find_profile(f, [DRIVERS_DIR]).quirks)}
    assert named - ELSEWHERE == {q for _, q in CASES}
    assert len(CASES) >= 8


@pytest.mark.parametrize("family,quirk", CASES, ids=[f"{f}-{q}" for f, q in CASES])
def test_call_fails_when_faxgw_ignores_the_quirk(tmp_path, family, quirk):
    ignoring = without_quirk(family, quirk, tmp_path / "drivers")
    call = zoo_call(tmp_path, family, ecm=False, faxgw_profile_dir=ignoring)
    assert not call.success, f"{family} still worked without {quirk}:\n{call.explain()}"
