"""The Class 2 modem's own HDLC at image speed reads what faxgw's host framer writes and
writes what it reads: the two meet on hw-sim's line when a Class 1 DTE frames ECM itself."""

from __future__ import annotations

import random

from faxgw.modem.class1 import hdlc_framer
from hwsim.class2_hdlc import Deframer, Framer

RCP = b"\xff\x03\x86"


def _block(seed: int) -> list[bytes]:
    rng = random.Random(seed)
    frames = [bytes([0xFF, 0x03, 0x06, n]) + bytes(rng.choice((0x00, 0xFF, 0x7E, 0x1F,
                                                               rng.randrange(256)))
                                                   for _ in range(256)) for n in range(6)]
    return frames + [RCP] * 3


def test_the_modem_deframes_what_faxgw_frames_in_any_pieces():
    frames = _block(1)
    data = hdlc_framer.encode(frames, leading_flags=12, flags_between=1)
    deframer, got = Deframer(), []
    for start in range(0, len(data), 5):
        got += deframer.feed(data[start:start + 5])
    assert [f for f, _ in got] == frames and all(ok for _, ok in got)


def test_faxgw_deframes_what_the_modem_frames():
    frames = _block(2)
    framer = Framer()
    data = b"".join(framer.frame(f) for f in frames) + framer.close()
    assert [f.data for f in hdlc_framer.decode(data)] == frames


def test_a_damaged_frame_fails_its_fcs_and_the_next_one_still_comes():
    frames = _block(3)
    framer = Framer()
    data = bytearray(b"".join(framer.frame(f) for f in frames) + framer.close())
    data[100] ^= 0x10  # one bit inside the first frame
    got = Deframer().feed(bytes(data))
    assert got[0][1] is False or len(got) == len(frames) - 1
    assert [f for f, ok in got if ok] == frames[1:]
