"""Reading our own encoder's output as a string of bits, to check framing rules (EOL
positions, tag bits, fill, RTC) directly against T.4's text rather than through a decoder."""

from __future__ import annotations

import re

EOL_END = re.compile(r"0{11,}1")  # eleven or more zeros and a one: only an EOL (T.4 4.1.2)


def bit_string(data: bytes, bit_order: str = "msb") -> str:
    if bit_order == "lsb":
        return "".join(f"{b:08b}"[::-1] for b in data)
    return "".join(f"{b:08b}" for b in data)


def eol_ends(bits: str) -> list[int]:
    """Bit index just after each EOL."""
    return [match.end() for match in EOL_END.finditer(bits)]
