"""The host-side HDLC framer: known bit patterns, spandsp's fixtures, round trips through
noise and arbitrary splits, bit errors, aborts, length bounds, carriers that end early."""

from __future__ import annotations

import json
import random
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from faxgw.modem.class1.hdlc_framer import (
    FLAG, MAX_FRAME_OCTETS, SYNC_FLAGS, HdlcDeframer, decode, encode, fcs16, preamble_flags)
from faxgw.t30.ecm import fcd_frame, rcp_frame

FIXTURES = Path(__file__).parents[3] / "fixtures" / "hdlc"
FLAG_BITS = "01111110"


def line_bits(octets: bytes) -> str:
    """The octets as the line carries them: each least significant bit first."""
    return "".join(f"{octet:08b}"[::-1] for octet in octets)


def octets_of(bits: str) -> bytes:
    """Line bits packed as a modem delivers them, the last octet filled with flag bits."""
    bits += FLAG_BITS[: -len(bits) % 8]
    return bytes(int(bits[i:i + 8][::-1], 2) for i in range(0, len(bits), 8))


def shift_register_fcs(octets: bytes) -> int:
    """The FCS the way T.30 5.3.7 draws it: a 16-stage register preset to ones, fed the
    line bits one at a time, complemented at the end (written bit by bit on purpose)."""
    register = 0xFFFF
    for bit in line_bits(octets):
        feedback = (register >> 15) ^ int(bit)
        register = (register << 1) & 0xFFFF
        if feedback:
            register ^= 0x1021  # x^12 + x^5 + 1; x^16 is the bit shifted out
    # The register's top stage is the first bit sent, and octets go LSB first.
    complemented = register ^ 0xFFFF
    sent_bits = f"{complemented:016b}"
    return int.from_bytes(octets_of(sent_bits), "little")


def good(frames) -> list[bytes]:
    return [frame.data for frame in frames if frame.fcs_ok]


# Known values and bit patterns.

def test_fcs_is_crc16_x25_by_its_catalogue_check_value():
    assert fcs16(b"123456789") == 0x906E


@pytest.mark.parametrize("content", [bytes.fromhex("ff1383") + bytes(range(1, 20)),
                                     rcp_frame(), b"\x00\x00\x00", b"\xff" * 7])
def test_fcs_matches_t30s_shift_register(content):
    assert fcs16(content) == shift_register_fcs(content)


def test_frames_with_no_five_ones_are_their_octets_between_flags():
    """No run of five ones anywhere (content 00 00 00, FCS CC C6): no bit is inserted,
    so the line is the octets themselves."""
    assert fcs16(b"\x00\x00\x00") == 0xC6CC
    line = encode([b"\x00\x00\x00"], leading_flags=4, flags_between=1)
    assert line == bytes.fromhex("7e7e7e7e" "000000" "ccc6" "7e")


def test_ones_are_stuffed_after_every_fifth_across_content_and_fcs():
    """FF FF has the FCS FF FF: 32 ones, a zero after each fifth (six of them), then the
    closing flag and two bits of a flag to fill the octet."""
    assert fcs16(b"\xff\xff") == 0xFFFF
    line = encode([b"\xff\xff"], leading_flags=4, flags_between=1)
    assert line_bits(line) == FLAG_BITS * 4 + "111110" * 6 + "11" + FLAG_BITS + "01"


def test_a_flag_in_the_content_is_not_a_flag_on_the_line():
    content = bytes([0xFF, 0x03, FLAG, FLAG, 0x7F, 0xFE])
    bits = line_bits(encode([content], leading_flags=4, flags_between=1))
    body = bits[32:]
    assert "111111" not in body[: body.rindex(FLAG_BITS)]
    assert good(decode(octets_of(bits))) == [content]


def test_the_first_bit_on_the_line_is_the_lowest_bit_of_the_first_octet():
    line = encode([b"\x01\x00\x00"], leading_flags=4, flags_between=1)
    assert line[4] == 0x01  # the content's first bit (a one) is bit 0 of octet 4


def test_frames_share_one_flag_or_get_the_flags_asked_for():
    one = line_bits(encode([b"\x00" * 3, b"\x00" * 3], leading_flags=4, flags_between=1))
    three = line_bits(encode([b"\x00" * 3, b"\x00" * 3], leading_flags=4, flags_between=3))
    frame = line_bits(b"\x00" * 3 + fcs16(b"\x00" * 3).to_bytes(2, "little"))
    assert one.startswith(FLAG_BITS * 4 + frame + FLAG_BITS + frame + FLAG_BITS)
    assert three.startswith(FLAG_BITS * 4 + frame + FLAG_BITS * 3 + frame + FLAG_BITS)


@pytest.mark.parametrize("leading, between", [(SYNC_FLAGS - 1, 1), (SYNC_FLAGS, 0)])
def test_too_few_flags_are_refused(leading, between):
    with pytest.raises(ValueError):
        encode([b"\x00\x00\x00"], leading_flags=leading, flags_between=between)


def test_the_preamble_fills_200_ms():
    assert preamble_flags(14400) == 360
    assert preamble_flags(2400) == 60


# spandsp's fixtures (tests/interop/spandsp/test_hdlc_spandsp.py made them).

def spandsp_tx_cases():
    return json.loads((FIXTURES / "spandsp_tx.json").read_text())


@pytest.mark.parametrize("case", spandsp_tx_cases(), ids=lambda case: case["name"])
def test_we_deframe_spandsps_framing(case):
    frames = [bytes.fromhex(frame) for frame in case["frames"]]
    found = decode(bytes.fromhex(case["line"]))
    assert [(frame.data, frame.fcs_ok) for frame in found] == [(f, True) for f in frames]


@pytest.mark.parametrize("case", spandsp_tx_cases(), ids=lambda case: case["name"])
def test_we_frame_bit_for_bit_as_spandsp(case):
    """Same preamble and flags between frames: the same bits up to the closing flag (the
    idle flags after it differ: spandsp sends more)."""
    frames = [bytes.fromhex(frame) for frame in case["frames"]]
    ours = encode(frames, leading_flags=case["preamble_flags"],
                  flags_between=case["flags_between"])
    assert bytes.fromhex(case["line"])[: len(ours) - 1] == ours[:-1]


def test_the_fixtures_hold_the_frames_ecm_sends():
    frames = {case["name"]: case["frames"] for case in spandsp_tx_cases()}
    assert frames["rcp"] == [rcp_frame().hex()] * 3
    assert len(bytes.fromhex(frames["fcd_256"][0])) == MAX_FRAME_OCTETS


@pytest.mark.parametrize("case", json.loads((FIXTURES / "spandsp_rx_damaged.json").read_text()),
                         ids=lambda case: f"bit{case['flipped_bit']}")
def test_a_damaged_block_gives_the_good_frames_spandsp_finds(case):
    found = decode(bytes.fromhex(case["line"]))
    theirs_good = [bytes.fromhex(content) for content, ok in case["spandsp"] if ok]
    assert good(found) == theirs_good
    assert len(found) >= len(theirs_good)


# Round trips.

frame_content = st.binary(min_size=1, max_size=MAX_FRAME_OCTETS).map(
    lambda data: data.replace(b"\x00", b"\xff", len(data) // 3))


@settings(max_examples=150, deadline=None)
@given(frames=st.lists(frame_content, min_size=1, max_size=12),
       leading=st.integers(SYNC_FLAGS, 20), between=st.integers(1, 3),
       noise_bits=st.text("01", max_size=400), seed=st.integers(0, 2**32))
def test_round_trip_through_noise_and_any_split(frames, leading, between, noise_bits, seed):
    line = octets_of(noise_bits + line_bits(encode(frames, leading_flags=leading,
                                                   flags_between=between)))
    rng = random.Random(seed)
    deframer, found, position = HdlcDeframer(), [], 0
    while position < len(line):
        step = rng.choice((1, 2, 3, 7, 64, 1000))
        found += deframer.feed(line[position:position + step])
        position += step
    assert [(frame.data, frame.fcs_ok) for frame in found] == [(f, True) for f in frames]


def test_an_ecm_block_round_trips():
    rng = random.Random(1)
    block = [fcd_frame(n, rng.randbytes(256)) for n in range(256)] + [rcp_frame()] * 3
    assert good(decode(encode(block, leading_flags=360, flags_between=1))) == block


# Damage.

def test_no_single_bit_error_makes_a_good_frame_that_was_not_sent():
    """Every bit of a small block flipped in turn: each frame comes out as sent, or
    damaged, or not at all; one error costs at most two frames (a flag lost joins two)."""
    frames = [fcd_frame(0, b"\xff\x7e\x00\x3f" * 8), fcd_frame(1, b"\x7e" * 20), rcp_frame()]
    line = encode(frames, leading_flags=SYNC_FLAGS, flags_between=1)
    for bit in range(len(line) * 8):
        damaged = bytearray(line)
        damaged[bit // 8] ^= 1 << (bit % 8)
        found = good(decode(bytes(damaged)))
        assert set(found) <= set(frames), bit
        assert len(found) >= len(frames) - 2, bit


def test_a_damaged_frame_is_reported_bad_and_the_rest_are_kept():
    frames = [fcd_frame(n, bytes([n]) * 64) for n in range(3)]
    bits = list(line_bits(encode(frames, leading_flags=SYNC_FLAGS, flags_between=1)))
    middle_of_frame_1 = SYNC_FLAGS * 8 + (68 + 2) * 8 + 8 + 16 * 8 + 3  # no stuffing here
    bits[middle_of_frame_1] = "1" if bits[middle_of_frame_1] == "0" else "0"
    found = decode(octets_of("".join(bits)))
    assert [(f.data, f.fcs_ok) for f in found][0::2] == [(frames[0], True), (frames[2], True)]
    assert found[1].fcs_ok is False and len(found) == 3


def frame_bits(content: bytes) -> str:
    """The frame's stuffed bits alone (between the flags encode puts around it)."""
    bits = line_bits(encode([content], leading_flags=SYNC_FLAGS, flags_between=1))
    return bits[SYNC_FLAGS * 8: bits.rindex(FLAG_BITS)]


def test_an_abort_drops_the_frame_it_cuts_and_framing_resumes_on_the_next_flag():
    first, second = fcd_frame(0, b"\x11" * 30), fcd_frame(1, b"\x22" * 30)
    # Whatever follows the abort up to the next flag is not a frame either.
    cut = frame_bits(first)[:100] + "1111111" + "11" + "0" + "0100" * 10
    line = FLAG_BITS * SYNC_FLAGS + cut + FLAG_BITS + frame_bits(second) + FLAG_BITS
    assert [(f.data, f.fcs_ok) for f in decode(octets_of(line))] == [(second, True)]


def test_fragments_no_longer_than_the_fcs_are_ignored():
    line = FLAG_BITS * SYNC_FLAGS + "0" * 8 + FLAG_BITS + "10" * 8 + FLAG_BITS + "0101"
    assert decode(octets_of(line)) == []


def test_a_frame_not_made_of_whole_octets_is_bad():
    content = fcd_frame(0, b"\x55" * 10)
    line = FLAG_BITS * SYNC_FLAGS + frame_bits(content) + "0" + FLAG_BITS
    assert [f.fcs_ok for f in decode(octets_of(line))] == [False]


def test_the_longest_frame_is_taken_and_a_longer_one_is_reported_bad_once():
    longest = fcd_frame(0, bytes(256))
    too_long = longest + b"\x00"
    line = encode([longest, too_long, rcp_frame()], leading_flags=SYNC_FLAGS, flags_between=1)
    found = decode(line)
    assert [(f.data if f.fcs_ok else None, f.fcs_ok) for f in found] == [
        (longest, True), (None, False), (rcp_frame(), True)]
    assert len(decode(line, max_frame_octets=MAX_FRAME_OCTETS + 1)) == 3
    assert all(f.fcs_ok for f in decode(line, max_frame_octets=MAX_FRAME_OCTETS + 1))


def test_memory_stays_bounded_however_long_a_frame_runs():
    deframer = HdlcDeframer()
    deframer.feed(encode([rcp_frame()], leading_flags=SYNC_FLAGS, flags_between=1))
    chunk = bytes(4096)  # zeros: content with no flag, forever
    tracemalloc.start()
    try:
        bad = []
        for _ in range(256):  # 1 MiB
            bad += deframer.feed(chunk)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [f.fcs_ok for f in bad] == [False]
    assert peak < 64 * 1024
    tail = encode([rcp_frame()], leading_flags=1 + SYNC_FLAGS, flags_between=1)
    assert good(deframer.feed(tail)) == [rcp_frame()]


def test_a_carrier_that_ends_mid_frame_gives_nothing_of_that_frame():
    frames = [fcd_frame(n, bytes([n]) * 64) for n in range(3)]
    line = encode(frames, leading_flags=SYNC_FLAGS, flags_between=1)
    deframer = HdlcDeframer()
    cut = SYNC_FLAGS + 68 + 2 + 1 + 30  # inside the second frame
    before = deframer.feed(line[:cut])
    deframer.end()
    after = deframer.feed(line[cut:])
    assert [(f.data, f.fcs_ok) for f in before] == [(frames[0], True)]
    assert [(f.data, f.fcs_ok) for f in after] == [(frames[2], True)]


def test_end_starts_a_new_carrier():
    deframer = HdlcDeframer()
    line = encode([rcp_frame()], leading_flags=SYNC_FLAGS, flags_between=1)
    assert good(deframer.feed(line)) == [rcp_frame()]
    deframer.end()
    assert good(deframer.feed(line)) == [rcp_frame()]


def test_random_bits_alone_give_no_good_frame():
    """200 kB of noise holds thousands of false flags; what lies between them fails its FCS
    (a false good frame is a 1 in 2^19 chance for each: none in this seed's noise)."""
    rng = random.Random(5)
    found = decode(rng.randbytes(200_000))
    assert good(found) == []


@pytest.mark.parametrize("seed", range(4))
def test_noise_before_the_preamble_reports_no_frame(seed):
    """Training noise holds false flags, and a lone flag may come before a long run of
    no flag at all; none of it is a frame, damaged or not, until framing starts."""
    rng = random.Random(seed)
    noise = rng.randbytes(3000) + bytes((FLAG,)) + bytes(400)
    frames = [fcd_frame(n, rng.randbytes(64)) for n in range(4)]
    found = decode(noise + encode(frames, leading_flags=SYNC_FLAGS, flags_between=1))
    assert [(f.data, f.fcs_ok) for f in found] == [(f, True) for f in frames]
