"""Profiles: the shipped files load, and malformed ones are refused with the key named."""

import tomllib
from pathlib import Path

import pytest

from faxgw.modem.profiles import (
    DRIVERS_DIR, ProfileError, find_profile, load_all, load_profile,
    parse_profile,
)
from faxgw.modem.class1.ecm_modem_framed import modem_framed_speeds
from faxgw.modem.quirks import QUIRKS
from faxgw.modem.sessions import SessionOptions, ecm_choice

MINIMAL = {"schema": 1, "name": "acme", "description": "ACME fax"}


def test_shipped_profiles_load():
    names = {p.name for p in load_all([DRIVERS_DIR])}
    assert {"generic-class1", "hwsim-class1"} <= names


def test_hwsim_contract_sections_are_intact():
    document = tomllib.loads((DRIVERS_DIR / "hwsim-class1.toml").read_text())
    assert set(document["identity"]) == {"manufacturer", "model", "revision", "ati"}
    assert set(document["capabilities"]) == {"fclass", "ftm", "frm", "fth", "frh"}
    assert "hdlc_dle_undoubled" in document["quirks"]
    profile = find_profile("hwsim-class1", [DRIVERS_DIR])
    # HDLC at V.21 only, as most Class 1 modems: ECM's frames are framed by the host
    assert profile.identity.model == "SimFax C1" and profile.capabilities.fth == (3,)
    assert profile.capabilities.fth == profile.capabilities.frh
    assert profile.ecm_framing == "host"
    assert not profile.is_generic


def test_ecm_is_used_where_profile_and_config_allow_it_whatever_fth_lists():
    hwsim = find_profile("hwsim-class1", [DRIVERS_DIR])
    assert ecm_choice(hwsim, SessionOptions()) == (True, 256)  # +FTH=? is 3 alone
    assert ecm_choice(hwsim, SessionOptions(ecm=False))[0] is False
    assert ecm_choice(hwsim, SessionOptions(ecm_frame_size=64)) == (True, 64)
    off = parse_profile({**MINIMAL, "driver": {"ecm": False, "ecm_frame_size": 64}},
                        where="acme.toml")
    assert (off.ecm, off.ecm_frame_size) == (False, 64)
    assert ecm_choice(off, SessionOptions()) == (False, 64)
    with pytest.raises(ProfileError, match="driver.ecm_frame_size"):
        parse_profile({**MINIMAL, "driver": {"ecm_frame_size": 128}}, where="acme.toml")
    with pytest.raises(ProfileError, match="driver.ecm_framing"):
        parse_profile({**MINIMAL, "driver": {"ecm_framing": "both"}}, where="acme.toml")


def test_the_modem_frames_ecm_only_where_its_profile_asks_and_it_lists_the_speed():
    assert modem_framed_speeds("host", (3, 96, 146), (3, 96, 146)) == frozenset()
    assert modem_framed_speeds("modem", (3, 96, 146), (3, 146)) == {146}
    assert modem_framed_speeds("modem", (3,), (3,)) == frozenset()
    lucent = find_profile("hwsim-class1-lucent", [DRIVERS_DIR])
    assert lucent.ecm_framing == "host"  # listed, unverified at speed: never a default
    assert 146 in lucent.capabilities.fth and 146 in lucent.capabilities.frh


def test_generic_profile_has_no_identity_and_spells_out_every_timing():
    profile = find_profile("generic-class1", [DRIVERS_DIR])
    document = tomllib.loads((DRIVERS_DIR / "generic-class1.toml").read_text())
    assert profile.is_generic
    assert set(document["timing"]) == set(vars(profile.timing))
    assert set(document["quirks"]) == set(QUIRKS)


def test_defaults_fill_a_minimal_profile():
    profile = parse_profile(dict(MINIMAL), where="acme.toml")
    assert profile.classes == ("1.0", "1") and profile.timing.command_timeout_s == 3.0
    settings = profile.channel_settings()
    assert settings.init_commands == ("ATE0", "ATV1", "ATQ0", "ATS0=0") and settings.flow_control


@pytest.mark.parametrize("patch, message", [
    ({"colour": "red"}, "unknown key 'colour'"),
    ({"timing": {"comand_timeout_s": 1.0}}, "unknown key 'timing.comand_timeout_s'"),
    ({"quirks": {"hdlc_dle_doubled": True}}, "unknown quirk 'quirks.hdlc_dle_doubled'"),
    ({"quirks": {"hdlc_dle_undoubled": 1}}, "'quirks.hdlc_dle_undoubled' must be true or false"),
    ({"timing": {"command_timeout_s": "3"}}, "'timing.command_timeout_s' must be a number"),
    ({"timing": {"command_timeout_s": 0}}, "'timing.command_timeout_s' must be positive"),
    ({"serial": {"flow_control": "rtscts"}}, "'serial.flow_control' must be one of"),
    ({"serial": {"baudrate": True}}, "'serial.baudrate' must be an integer"),
    ({"capabilities": {"ftm": [96, 99]}}, "'capabilities.ftm' holds unknown T.31 modulation codes [99]"),
    ({"overrides": {"ftm_remove": [1]}}, "'overrides.ftm_remove' holds unknown"),
    ({"driver": {"classes": ["3"]}}, "'driver.classes' must list classes"),
    ({"driver": {"dial_command": "ATX"}}, "'driver.dial_command' must start with ATD"),
    ({"init": {"commands": ["ATE0", "E1"]}}, "'init.commands' holds 'E1'"),
    ({"init": {"commands": ["ATE0\rATZ"]}}, "'init.commands' holds"),
    ({"identity": "x"}, "'identity' must be a table"),
    ({"schema": 2}, "'schema' must be 1"),
    ({"description": ""}, "'description' is required"),
    ({"revision": "2"}, "'revision' must be an integer"),
])
def test_malformed_profile_is_refused_naming_the_key(patch, message):
    document = {**MINIMAL, **patch}
    with pytest.raises(ProfileError) as caught:
        parse_profile(document, where="drivers/acme.toml")
    assert message in str(caught.value) and "drivers/acme.toml" in str(caught.value)


def test_name_must_match_file(tmp_path: Path):
    path = tmp_path / "other.toml"
    path.write_text('schema = 1\nname = "acme"\ndescription = "x"\n')
    with pytest.raises(ProfileError, match="but the file is other.toml"):
        load_profile(path)


def test_broken_toml_names_the_file(tmp_path: Path):
    path = tmp_path / "acme.toml"
    path.write_text("schema = = 1\n")
    with pytest.raises(ProfileError, match="acme.toml"):
        load_profile(path)


def test_user_directory_overrides_shipped_profile(tmp_path: Path):
    (tmp_path / "generic-class1.toml").write_text(
        'schema = 1\nname = "generic-class1"\ndescription = "site copy"\n')
    assert find_profile("generic-class1", [tmp_path, DRIVERS_DIR]).description == "site copy"
    profiles = {p.name: p for p in load_all([tmp_path, DRIVERS_DIR])}
    assert profiles["generic-class1"].description == "site copy"


def test_missing_profile_is_named():
    with pytest.raises(ProfileError, match="no profile named 'nope'"):
        find_profile("nope", [DRIVERS_DIR])


def test_overrides_remove_what_a_modem_lies_about():
    from faxgw.modem.probe import ModemInfo, usable
    from faxgw.t30.link import Modulation

    profile = parse_profile({**MINIMAL, "overrides": {"ftm_remove": [145, 146]}}, where="acme")
    info = ModemInfo("/dev/x", ftm=(96, 145, 146), frm=(96, 145))
    transmit, receive = usable(info, profile)
    assert transmit == [Modulation.V29_9600]
    assert receive == [Modulation.V29_9600, Modulation.V17_14400]
    hwsim = find_profile("hwsim-class1", [DRIVERS_DIR])
    assert Modulation.V17_14400_SHORT in usable(None, hwsim)[0]  # unprobed: the profile's word
