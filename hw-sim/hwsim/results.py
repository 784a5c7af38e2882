"""Result codes and information text as V.250 clause 5.7 formats them."""

from __future__ import annotations

import random

# V.250 Table 1 plus the usual Hayes extensions; +FCERROR is T.31's +F4.
NUMERIC = {
    "OK": "0", "CONNECT": "1", "RING": "2", "NO CARRIER": "3", "ERROR": "4",
    "NO DIALTONE": "6", "BUSY": "7", "NO ANSWER": "8", "+FCERROR": "+F4",
}


def format_result(code: str, verbose: bool, s3: int = 13, s4: int = 10) -> bytes:
    cr, lf = chr(s3), chr(s4)
    if verbose:
        return f"{cr}{lf}{code}{cr}{lf}".encode("latin-1")
    return f"{NUMERIC.get(code, code)}{cr}".encode("latin-1")


def format_info(text: str, verbose: bool, s3: int = 13, s4: int = 10) -> bytes:
    cr, lf = chr(s3), chr(s4)
    if verbose:
        return f"{cr}{lf}{text}{cr}{lf}".encode("latin-1")
    return f"{text}{cr}{lf}".encode("latin-1")


def garble(line: bytes, rng: random.Random) -> bytes:
    """A result line as a flaky modem or a noisy serial cable delivers it."""
    body = bytearray(line)
    letters = [i for i, b in enumerate(body) if b not in (13, 10)]
    if not letters:
        return line
    choice = rng.randrange(3)
    index = rng.choice(letters)
    if choice == 0:
        body[index] = rng.choice(b"#@%*?~")  # a corrupted character
    elif choice == 1:
        del body[index]  # a lost character
    else:
        body[index:index] = b"\x00"  # a stray NUL
    return bytes(body)
