"""Doctor transcripts in ``drivers/captures/`` replayed against the AT parser: the probe,
answered line by line from a capture (split by ``decode_line``, named by ``classify``),
finds the modem the capture's header recorded and matches the same profile."""

from __future__ import annotations

import ast
import re

import pytest

from faxgw.modem.doctor import TranscriptModem, exchanges
from faxgw.modem.at.results import Kind, classify
from faxgw.modem.probe import match_profile, probe
from faxgw.modem.profiles import DRIVERS_DIR, load_all

CAPTURES = sorted((DRIVERS_DIR / "captures").glob("*.txt"))


def header(text: str, key: str) -> str:
    return re.search(rf"^{key}: (.*)$", text, re.MULTILINE).group(1)


def test_there_is_a_capture_for_every_family_and_for_the_spandsp_far_end():
    names = {p.stem for p in CAPTURES}
    families = {p.name for p in load_all([DRIVERS_DIR])
                if not p.is_generic and not p.name.startswith("hwsim-")}
    assert {f"hwsim-{f}" for f in families} <= names
    assert {"spandsp-far-end", "hwsim-stock-class1", "hwsim-stock-class2",
            "hwsim-stock-class20"} <= names


@pytest.mark.parametrize("path", CAPTURES, ids=[p.stem for p in CAPTURES])
async def test_replayed_capture_identifies_and_matches_as_recorded(path):
    text = path.read_text()
    info = await probe(TranscriptModem(text))
    assert list(info.ati) == ast.literal_eval(header(text, "ati"))
    assert info.ati3 == ast.literal_eval(header(text, "ati3"))
    assert info.manufacturer == ast.literal_eval(header(text, "manufacturer"))
    assert info.model == ast.literal_eval(header(text, "model"))
    assert list(info.classes) == ast.literal_eval(header(text, "classes"))
    profile, how = match_profile(info, load_all([DRIVERS_DIR]))
    assert (profile.name, how) == (header(text, "profile"), header(text, "matched_by"))


@pytest.mark.parametrize("path", CAPTURES, ids=[p.stem for p in CAPTURES])
def test_every_command_of_a_capture_ends_in_one_final_result(path):
    for command, lines in exchanges(path.read_text()):
        kinds = [classify(line).kind for line in lines]
        finals = [k for k in kinds if k is not Kind.INFO]
        assert len(finals) == 1 and kinds[-1] is finals[0], (command, lines)


def test_a_transcript_that_is_not_one_is_refused():
    with pytest.raises(ValueError, match="not a faxgw modem doctor transcript"):
        exchanges("ATI\r\nOK\r\n")


async def test_a_command_the_capture_never_sent_is_an_error_not_a_guess():
    modem = TranscriptModem((DRIVERS_DIR / "captures" / "spandsp-far-end.txt").read_text())
    with pytest.raises(LookupError):
        await modem.command("AT+FCC=?")
