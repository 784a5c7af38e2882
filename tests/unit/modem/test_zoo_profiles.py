"""The zoo's profiles: each loads, each quirk it sets says where it is documented, the
families are told apart by their [match] patterns, and overrides replace what a modem says."""

from __future__ import annotations

import tomllib

import pytest

from faxgw.modem.doctor import CLASS1_ROUND_TRIP_BUDGET_MS, Examination, _advise
from faxgw.modem.probe import ModemInfo, closest_profiles, match_profile, usable
from faxgw.modem.profiles import DRIVERS_DIR, ProfileError, load_all, parse_profile
from faxgw.modem.quirks import set_quirks
from faxgw.t30.link import Modulation

PROFILES = {p.name: p for p in load_all([DRIVERS_DIR])}
ZOO = ["usr-courier", "conexant-cx930xx", "multitech-agere", "mainpine-rockforce",
       "rockwell-k56-class2", "digi-acceleport", "spandsp-t31", "generic-class2",
       "generic-class20", "intel-537ep", "topic-cirrus", "paradyne-dataport"]


def doc(**sections):
    return {"schema": 1, "name": "acme", "description": "Acme", **sections}


def test_the_issue_s_families_all_have_a_profile():
    assert set(ZOO) <= set(PROFILES)


@pytest.mark.parametrize("name", ZOO)
def test_each_quirk_a_family_sets_has_a_source(name):
    profile = PROFILES[name]
    assert set(set_quirks(profile.quirks)) <= {key for key, _ in profile.sources}


def test_a_quirk_without_a_source_is_refused():
    with pytest.raises(ProfileError, match="'quirks.frs_unusable' is set but has no"):
        parse_profile(doc(quirks={"frs_unusable": True}), where="acme")


def test_a_source_naming_nothing_is_refused():
    with pytest.raises(ProfileError, match="'sources.frs_unused' names no quirk"):
        parse_profile(doc(quirks={"frs_unusable": True},
                          sources={"frs_unusable": "a manual", "frs_unused": "a typo"}),
                      where="acme")


@pytest.mark.parametrize("value,why", [(True, "an integer"), (-1, "negative")])
def test_an_integer_quirk_takes_only_an_integer_of_zero_or_more(value, why):
    with pytest.raises(ProfileError, match=why):
        parse_profile(doc(quirks={"tm_connect_delay_ms": value},
                          sources={"tm_connect_delay_ms": "x"}), where="acme")


def info(**fields) -> ModemInfo:
    return ModemInfo(device="test", **fields)


@pytest.mark.parametrize("modem,family", [
    (info(ati3="CX93001-EIS_V0.2002-V92", classes=("0", "1", "1.0")), "conexant-cx930xx"),
    (info(ati3="U.S. Robotics 56K FAX EXT V6.0.2", classes=("0", "1", "2.0")), "usr-courier"),
    (info(manufacturer="Multi-Tech Systems", model="MT5634ZBA", classes=("1",)), "multitech-agere"),
    (info(manufacturer="www.soft-switch.org", model="spandsp", classes=("1",)), "spandsp-t31"),
    (info(ati3="V1.510-K56_DLS", classes=("0", "2")), "rockwell-k56-class2"),
])
def test_units_of_a_family_match_its_patterns(modem, family):
    assert match_profile(modem, list(PROFILES.values())) == (PROFILES[family], "identity")


@pytest.mark.parametrize("classes,generic", [
    (("0", "1", "1.0"), "generic-class1"), (("0", "2", "2.0"), "generic-class20"),
    (("0", "2"), "generic-class2")])
def test_an_unknown_modem_gets_the_generic_profile_of_its_best_class(classes, generic):
    assert match_profile(info(manufacturer="Acme", classes=classes),
                         list(PROFILES.values())) == (PROFILES[generic], "generic")


def test_the_closest_profile_says_what_differs():
    modem = info(manufacturer="Multi-Tech Systems", model="MT2834ZDX", classes=("0", "2"))
    near, fitted, differs = closest_profiles(modem, list(PROFILES.values()))[0]
    assert near.name == "multitech-agere" and fitted == 1
    assert differs == ["model: wants 'MT[59]*', modem says 'MT2834ZDX'"]


def test_overrides_replace_the_modem_s_answers():
    profile = parse_profile(doc(overrides={"ftm": [96, 72], "fcc": "(0,1),(0-3),(0-2)"}),
                            where="acme")
    transmit, receive = usable(info(ftm=(24, 96, 145), frm=(96, 145)), profile)
    assert transmit == [Modulation.V29_9600, Modulation.V29_7200]
    assert receive == [Modulation.V29_9600, Modulation.V17_14400]
    assert profile.capability_override("+FCC") == ("(0,1),(0-3),(0-2)",)
    assert profile.capability_override("+FDCC") == ("(0,1),(0-3),(0-2)",)
    assert parse_profile(doc(), where="acme").capability_override("+FCC") is None


def test_the_doctor_calls_out_a_round_trip_above_the_class1_budget():
    slow = Examination("tcp", info=info(classes=("0", "1", "2.0")),
                       round_trips_ms=[CLASS1_ROUND_TRIP_BUDGET_MS * 2] * 5)
    _advise(slow)
    assert any("above the 20 ms" in line and "Class 2.0" in line for line in slow.advice)
    fast = Examination("pty", info=info(classes=("0", "1")), round_trips_ms=[0.2] * 5)
    _advise(fast)
    assert not any("round trip" in line for line in fast.advice)


def test_every_zoo_profile_says_hdlc_only_at_v21():
    for name in ZOO:
        caps = PROFILES[name].capabilities
        if caps.fclass:
            assert caps.fth == (3,) and caps.frh == (3,), name


def test_the_hwsim_reader_sees_the_quirks_faxgw_does():
    import hwsim.profile

    for name in ZOO:
        played = hwsim.profile.load_profile(DRIVERS_DIR / f"{name}.toml")
        document = tomllib.loads((DRIVERS_DIR / f"{name}.toml").read_text())
        assert played.quirks == document.get("quirks", {})
