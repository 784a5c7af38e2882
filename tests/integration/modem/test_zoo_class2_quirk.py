"""A MultiTech driven in Class 2.0 hands received pages over in the other bit order
(class2_rx_bit_reversed): faxgw's Class 2.0 driver must reverse them, or the page is lost."""

from __future__ import annotations

import re

from faxgw.modem.profiles import DRIVERS_DIR
from tests.integration.modem.zoo import without_quirk, zoo_call

FAMILY = "multitech-agere"


def class20_variant(directory):
    """The family's profile with Class 2.0 as faxgw's first choice."""
    directory.mkdir(parents=True, exist_ok=True)
    text = (DRIVERS_DIR / f"{FAMILY}.toml").read_text()
    text, count = re.subn(r'^classes = \[.*\]$', 'classes = ["2.0"]', text, flags=re.MULTILINE)
    assert count == 1
    (directory / f"{FAMILY}.toml").write_text(text)
    return directory / f"{FAMILY}.toml"


def test_class20_receive_reverses_the_bits_as_the_profile_says(tmp_path):
    played = class20_variant(tmp_path / "drivers")
    call = zoo_call(tmp_path, FAMILY, ecm=False, faxgw_profile_dir=played.parent, hwsim_path=played)
    assert call.success, call.explain()
    assert call.got["modem_class"] == "2.0"


def test_class20_receive_without_the_quirk_loses_the_page(tmp_path):
    played = class20_variant(tmp_path / "played")
    ignoring = tmp_path / "ignoring"
    ignoring.mkdir()
    (ignoring / played.name).write_text(played.read_text())
    without_quirk_dir = without_quirk_in(ignoring / played.name)
    call = zoo_call(tmp_path, FAMILY, ecm=False, faxgw_profile_dir=without_quirk_dir,
                    hwsim_path=played)
    assert not call.got.get("success"), call.explain()


def without_quirk_in(path):
    text = path.read_text()
    text, count = re.subn(r"^class2_rx_bit_reversed\s*=.*\n", "", text, flags=re.MULTILINE)
    assert count == 2
    path.write_text(text)
    return path.parent
