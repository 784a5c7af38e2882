"""What hw-sim's Class 2 modem reports of the frames on the line (+FIS:, +FCS:, +FCI:) and
how it reports spandsp's end of a call (+FHS): pure tables, checked against frames and
decodings spandsp 0.0.6 logged for the same bytes."""

from __future__ import annotations

import pytest

from hwsim import class2_params as cp
from hwsim.class2_dis import fcf, ident, params
from hwsim.class2_hangup import (CALLDROPPED, CANNOT_TRAIN, OK, RX_T2EXPFAX, T1_EXPIRED,
                                 TX_PHBDEAD, TX_PHDDEAD, hangup_code)

# (frame as on the line, command?, the T.32 list): spandsp's log decoded these bytes as
# "V.27 ter, V.29, and V.17, R8x7.7 set, 2-D not set, 215 mm, length unlimited, 0 ms" (DIS)
# and "V.17 14400, standard, 1-D, 215 mm, unlimited, 0 ms" (DCS).
FRAMES = [
    (bytes.fromhex("ff1380006e78"), False, "1,5,0,2,0,0,0,0"),
    (bytes.fromhex("ff1383002278"), True, "0,5,0,2,0,0,0,0"),
    # spandsp's DCS for ECM and T.6 at V.17 14400, fine (bits 27 and 31 in octet 4)
    (bytes.fromhex("ff13830062f844"), True, "1,5,0,2,3,2,0,0"),
]


def _fif(*bits: int, octets: int = 3) -> bytes:
    fif = bytearray(octets)
    for n in bits:
        fif[(n - 1) // 8] |= 1 << ((n - 1) % 8)
    return bytes(fif)


# A DCS of V.29 7200 (11, 12), fine (15), MR (16), B4 width (17) and length (19), 10 ms (22).
FRAMES.append((b"\xff\x13\x83" + _fif(10, 11, 12, 15, 16, 17, 19, 22), True,
               "1,2,1,1,1,0,0,3"))
# 64-octet ECM frames (28) count only in an extended DCS (24), as does T.6 (31).
FRAMES.append((b"\xff\x13\x83" + _fif(10, 14, 24, 27, 28, 31, octets=4), True,
               "0,5,0,0,3,1,0,5"))
FRAMES.append((b"\xff\x13\x83" + _fif(10, 14, 27, 28, 31, octets=4), True,
               "0,5,0,0,0,0,0,5"))


@pytest.mark.parametrize("frame,command,expected", FRAMES)
def test_dis_and_dcs_become_t32_parameter_lists(frame, command, expected):
    assert params(frame[3:], command).format() == expected


def test_fcf_drops_the_x_bit_and_idents_read_last_digit_first():
    assert fcf(bytes.fromhex("ff1383")) == 0x82 == fcf(bytes.fromhex("ff1382"))
    csi = bytes.fromhex("ff0340") + b"2001" + b" " * 16
    assert ident(csi[3:]) == "1002"


@pytest.mark.parametrize("completion,phase,sending,last_ppm,code", [
    (OK, "D", True, cp.PPM_EOP, cp.HS_NORMAL),
    (CANNOT_TRAIN, "B", True, None, cp.HS_TRAINING_FAILED),
    (T1_EXPIRED, "A", True, None, cp.HS_NO_ANSWER_T1),
    (TX_PHBDEAD, "B", True, None, cp.HS_DCS_UNANSWERED),
    (TX_PHDDEAD, "D", True, cp.PPM_EOP, cp.HS_EOP_UNANSWERED),
    (TX_PHDDEAD, "D", True, cp.PPM_MPS, cp.HS_MPS_UNANSWERED),
    (RX_T2EXPFAX, "B", False, None, cp.HS_RX_T2),
    (CALLDROPPED, "C", True, None, cp.HS_TX_C),
    (CALLDROPPED, "C", False, None, cp.HS_RX_C),
    (CALLDROPPED, "D", False, None, cp.HS_RX_D),
])
def test_spandsp_completion_codes_become_t32_hang_up_codes(completion, phase, sending,
                                                           last_ppm, code):
    assert hangup_code(completion, phase, sending, last_ppm) == code
