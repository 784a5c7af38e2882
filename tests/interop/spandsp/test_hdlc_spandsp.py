"""faxgw's host-side HDLC framer against spandsp's HDLC engine, live: random frames framed
by us and deframed by spandsp, framed by spandsp and deframed by us.

The tool (hdlc_fixtures.c, beside this file) is built at test time with the system's
C compiler and ``pkg-config spandsp`` (Debian: libspandsp-dev). A missing compiler or
library fails the test: it is an independent check CI must run.

``PYTHONPATH=. python3 tests/interop/spandsp/test_hdlc_spandsp.py`` rewrites the fixture files of
tests/fixtures/hdlc/ from spandsp (the unit tests read them without spandsp).
"""

from __future__ import annotations

import json
import random
import shlex
import subprocess
import tempfile
from pathlib import Path

import pytest

from faxgw.modem.class1.hdlc_framer import SYNC_FLAGS, HdlcDeframer, decode, encode
from faxgw.t30.ecm import fcd_frame, rcp_frame

pytestmark = pytest.mark.interop

SOURCE = Path(__file__).with_name("hdlc_fixtures.c")
FIXTURES = Path(__file__).parents[2] / "fixtures" / "hdlc"


def build_tool(directory: Path) -> Path:
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", "spandsp"], check=True,
                           capture_output=True, text=True).stdout
    binary = directory / "hdlc_fixtures"
    subprocess.run(["cc", "-O2", "-Wall", "-Werror", "-o", str(binary), str(SOURCE),
                    *shlex.split(flags)], check=True)
    return binary


def spandsp_frames_to_line(tool: Path, frames: list[bytes], preamble_flags: int,
                           flags_between: int) -> bytes:
    """The octets spandsp's hdlc_tx makes of the frames, in a modem's +FTM order."""
    lines = "".join(frame.hex() + "\n" for frame in frames)
    out = subprocess.run([str(tool), "tx", str(preamble_flags), str(flags_between)],
                         input=lines, check=True, capture_output=True, text=True).stdout
    return bytes.fromhex(out.strip())


def spandsp_line_to_frames(tool: Path, line: bytes) -> list[tuple[bytes, bool]]:
    """What spandsp's hdlc_rx finds in octets as a modem delivers them after +FRM."""
    out = subprocess.run([str(tool), "rx"], input=line.hex() + "\n", check=True,
                         capture_output=True, text=True).stdout
    frames = []
    for row in out.splitlines():
        verdict, _, content = row.partition(" ")
        frames.append((bytes.fromhex(content), verdict == "ok"))
    return frames


@pytest.fixture(scope="module")
def tool(tmp_path_factory) -> Path:
    return build_tool(tmp_path_factory.mktemp("spandsp_hdlc"))


def random_frames(rng: random.Random, count: int) -> list[bytes]:
    """ECM-shaped frames, with octets biased towards runs of ones and flag look-alikes."""
    alphabet = [0xFF, 0x7E, 0x7F, 0xFE, 0x3F, 0xFC, 0x00, *range(256)]
    return [bytes([0xFF, 0x03, 0x06, number]) +
            bytes(rng.choice(alphabet) for _ in range(rng.choice((1, 64, 256))))
            for number in range(count)]


@pytest.mark.parametrize("seed", range(6))
def test_spandsp_deframes_what_we_frame(tool, seed):
    rng = random.Random(seed)
    frames = random_frames(rng, rng.randint(1, 40))
    line = encode(frames, leading_flags=rng.randint(SYNC_FLAGS, 40),
                  flags_between=rng.randint(1, 3))
    assert spandsp_line_to_frames(tool, line) == [(frame, True) for frame in frames]


@pytest.mark.parametrize("seed", range(6))
def test_we_deframe_what_spandsp_frames(tool, seed):
    rng = random.Random(seed)
    frames = random_frames(rng, rng.randint(1, 40))
    line = spandsp_frames_to_line(tool, frames, rng.randint(SYNC_FLAGS, 40), rng.randint(1, 3))
    noise = bytes(rng.randrange(256) for _ in range(rng.randint(0, 200)))
    deframer, found = HdlcDeframer(), []
    stream, position = noise + line, 0
    while position < len(stream):
        step = rng.randint(1, 300)
        found += deframer.feed(stream[position:position + step])
        position += step
    assert [(frame.data, frame.fcs_ok) for frame in found] == [(f, True) for f in frames]


@pytest.mark.parametrize("seed", range(4))
def test_a_single_bit_error_is_never_a_good_frame_to_either(tool, seed):
    """Flip one bit of our framing of a block: whatever spandsp and we make of it, neither
    passes a frame with a good FCS that was not sent."""
    rng = random.Random(100 + seed)
    frames = random_frames(rng, 8)
    line = bytearray(encode(frames, leading_flags=4, flags_between=1))
    for _ in range(30):
        damaged = bytearray(line)
        bit = rng.randrange(len(line) * 8)
        damaged[bit // 8] ^= 1 << (bit % 8)
        ours = [f.data for f in decode(bytes(damaged)) if f.fcs_ok]
        theirs = [content for content, ok in spandsp_line_to_frames(tool, bytes(damaged)) if ok]
        assert set(ours) <= set(frames)
        assert set(theirs) <= set(frames)
        assert len(ours) >= len(frames) - 2  # one error damages one frame, or two it joins


def test_our_encoding_is_bit_for_bit_spandsps(tool):
    """Same preamble and flags between frames: the same bits up to the closing flag."""
    frames = random_frames(random.Random(7), 12)
    ours = encode(frames, leading_flags=5, flags_between=2)
    theirs = spandsp_frames_to_line(tool, frames, 5, 2)
    assert theirs[: len(ours) - 1] == ours[:-1]


# The fixture files: a few frames T.30 uses, framed by spandsp, and spandsp's verdicts.

def fixture_frames() -> dict[str, list[bytes]]:
    fcd_data = bytes([0xFF] * 40 + [0x7E] * 40 + list(range(176)))
    return {
        "dcs": [bytes.fromhex("ff1383") + bytes.fromhex("00c68801")],
        "fcd_256": [fcd_frame(0, fcd_data)],
        "rcp": [rcp_frame()] * 3,
        "block": [fcd_frame(0, fcd_data), fcd_frame(1, fcd_data[::-1]), *[rcp_frame()] * 3],
    }


def write_fixtures(tool: Path) -> None:
    cases = []
    for name, frames in fixture_frames().items():
        cases.append({"name": name, "preamble_flags": 6, "flags_between": 2,
                      "frames": [frame.hex() for frame in frames],
                      "line": spandsp_frames_to_line(tool, frames, 6, 2).hex()})
    # spandsp's verdicts on damaged lines: our framing of the block, one bit flipped.
    block = fixture_frames()["block"]
    clean = encode(block, leading_flags=6, flags_between=2)
    damaged_cases = []
    for bit in (100, 1200, 2500, 4400):
        damaged = bytearray(clean)
        damaged[bit // 8] ^= 1 << (bit % 8)
        verdicts = spandsp_line_to_frames(tool, bytes(damaged))
        damaged_cases.append({"flipped_bit": bit, "line": damaged.hex(),
                              "spandsp": [[content.hex(), ok] for content, ok in verdicts]})
    FIXTURES.mkdir(parents=True, exist_ok=True)
    (FIXTURES / "spandsp_tx.json").write_text(json.dumps(cases, indent=1) + "\n")
    (FIXTURES / "spandsp_rx_damaged.json").write_text(json.dumps(damaged_cases, indent=1) + "\n")


def test_the_fixture_files_are_what_spandsp_makes_now(tool):
    """The committed fixtures still match the installed spandsp (regenerate: see top)."""
    frames = fixture_frames()
    for case in json.loads((FIXTURES / "spandsp_tx.json").read_text()):
        line = spandsp_frames_to_line(tool, frames[case["name"]], case["preamble_flags"],
                                      case["flags_between"])
        assert line.hex() == case["line"]
    for case in json.loads((FIXTURES / "spandsp_rx_damaged.json").read_text()):
        verdicts = spandsp_line_to_frames(tool, bytes.fromhex(case["line"]))
        assert [[content.hex(), ok] for content, ok in verdicts] == case["spandsp"]


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as scratch:
        write_fixtures(build_tool(Path(scratch)))
