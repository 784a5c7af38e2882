"""``faxgw modem doctor`` against hw-sim's modems and against spandsp's T.31 pty: it names
the right profile (or the closest), writes a transcript, and that transcript replays."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest

from faxgw.modem.doctor import TranscriptModem
from faxgw.modem.probe import match_profile, probe
from faxgw.modem.profiles import DRIVERS_DIR, load_all
from hwsim import ModemBank
from hwsim.spandsp_far_end import SpandspFarEnd
from tests.integration.modem.zoo import hwsim_profile
from tests.interop.spandsp.farend import require_spandsp


def doctor(device: str, transcript) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "faxgw", "modem", "doctor", "--device", device,
                           "--transcript", str(transcript)], capture_output=True, text=True,
                          timeout=60)


async def replayed_match(text: str) -> tuple[str, str]:
    profile, how = match_profile(await probe(TranscriptModem(text)), load_all([DRIVERS_DIR]))
    return profile.name, how


@pytest.mark.parametrize("family", ["usr-courier", "rockwell-k56-class2", "multitech-agere"])
async def test_doctor_names_the_family_and_its_transcript_replays(tmp_path, family):
    with ModemBank(timing="accelerated") as bank:
        modem = bank.add_modem("1001", profile=hwsim_profile(family))
        done = await asyncio.to_thread(doctor, modem.device, tmp_path / "t.txt")
    assert done.returncode == 0, done.stderr
    text = (tmp_path / "t.txt").read_text()
    assert f"profile: {family}\nmatched_by: identity" in text
    assert "round_trip_ms: median" in text and "## exchange" in text
    assert await replayed_match(text) == (family, "identity")


async def test_doctor_on_an_unknown_modem_says_which_profile_is_closest(tmp_path):
    unknown = tmp_path / "acme.toml"
    unknown.write_text((DRIVERS_DIR / "digi-acceleport.toml").read_text()
                       .replace('model = "AccelePort RAS"', 'model = "PortServer TS"'))
    with ModemBank(timing="accelerated") as bank:
        modem = bank.add_modem("1001", profile=unknown)
        done = await asyncio.to_thread(doctor, modem.device, tmp_path / "t.txt")
    text = (tmp_path / "t.txt").read_text()
    assert done.returncode == 0 and "matched_by: generic" in text
    assert "closest: digi-acceleport (1 field(s) fit; model: wants 'AccelePort*', " \
           "modem says 'PortServer TS')" in text


async def test_doctor_against_the_spandsp_far_end(tmp_path):
    await asyncio.to_thread(require_spandsp)
    async with SpandspFarEnd("answer", tmp_path / "in.tif", time_limit=60) as far:
        done = await asyncio.to_thread(doctor, far.device, tmp_path / "t.txt")
    assert done.returncode == 0, done.stderr
    text = (tmp_path / "t.txt").read_text()
    assert "profile: spandsp-t31\nmatched_by: identity" in text
    assert "class 1.0: AT+FRH=? -> OK ['3']" in text  # HDLC at V.21 only, as the profile says
    assert await replayed_match(text) == ("spandsp-t31", "identity")
