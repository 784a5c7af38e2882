"""Pure parsing of what a modem says in command state: lines and result codes.

``decode_line(buffer) -> (consumed, line)`` splits the byte stream into lines without ever
holding more than ``MAX_LINE_BYTES`` of an unterminated line (a garbling modem cannot make
us buffer without bound). ``classify(line)`` names a line: a final result code (V.250
clause 5.7.1; ``+FCERROR`` from T.31 clauses 8.3.4 / 8.3.6), an unsolicited code (RING, caller-ID
lines) or information text. Both are I/O-free and tested with tables of captured answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

MAX_LINE_BYTES = 512
CR, LF = 0x0D, 0x0A


class Kind(Enum):
    OK = "OK"
    CONNECT = "CONNECT"
    RING = "RING"
    NO_CARRIER = "NO CARRIER"
    ERROR = "ERROR"
    NO_DIALTONE = "NO DIALTONE"
    BUSY = "BUSY"
    NO_ANSWER = "NO ANSWER"
    FCERROR = "+FCERROR"
    CALLER_ID = "CALLER ID"
    INFO = "INFO"


FINAL_KINDS = frozenset({Kind.OK, Kind.CONNECT, Kind.NO_CARRIER, Kind.ERROR,
                         Kind.NO_DIALTONE, Kind.BUSY, Kind.NO_ANSWER, Kind.FCERROR})
UNSOLICITED_KINDS = frozenset({Kind.RING, Kind.CALLER_ID})

# Verbose result codes (V.250 Table 1 and T.31 clauses 8.3.4 / 8.3.6). "NO DIAL TONE" and
# "DELAYED"/"BLACKLISTED" are spellings and country rules seen in real modems.
_VERBOSE = {
    "OK": Kind.OK, "RING": Kind.RING, "NO CARRIER": Kind.NO_CARRIER, "ERROR": Kind.ERROR,
    "NO DIALTONE": Kind.NO_DIALTONE, "NO DIAL TONE": Kind.NO_DIALTONE, "BUSY": Kind.BUSY,
    "NO ANSWER": Kind.NO_ANSWER, "+FCERROR": Kind.FCERROR, "DELAYED": Kind.BUSY,
    "BLACKLISTED": Kind.ERROR,
}
# Numeric result codes (ATV0): V.250 Table 1; "+F4" is +FCERROR in T.31 (8.3.4 / 8.3.6).
_NUMERIC = {
    "0": Kind.OK, "1": Kind.CONNECT, "2": Kind.RING, "3": Kind.NO_CARRIER, "4": Kind.ERROR,
    "6": Kind.NO_DIALTONE, "7": Kind.BUSY, "8": Kind.NO_ANSWER, "+F4": Kind.FCERROR,
}
# Caller-ID delivery between the first and second RING (Bellcore MDMF as modems print it).
# NDID / DDI / CALLED NUMBER: the number the caller dialled, on DID lines.
_CALLER_ID_KEYS = ("NMBR", "NAME", "DATE", "TIME", "MESG", "DDN_NMBR", "CALLER NUMBER",
                   "NDID", "DDI", "CALLED NUMBER")


@dataclass(frozen=True, slots=True)
class Result:
    kind: Kind
    text: str

    @property
    def final(self) -> bool:
        return self.kind in FINAL_KINDS

    @property
    def unsolicited(self) -> bool:
        return self.kind in UNSOLICITED_KINDS


def decode_line(buffer: bytes | bytearray) -> tuple[int, bytes | None]:
    """Take one line off the front of ``buffer``.

    Returns ``(consumed, line)``. ``line`` is None when no complete line is there yet;
    ``consumed`` may still be > 0 then (blank CR/LF skipped). A CR LF pair is consumed as
    one terminator so the LF of ``CONNECT\\r\\n`` never leaks into the data that follows.
    An unterminated run longer than MAX_LINE_BYTES comes out as a line of its own.
    """
    start = 0
    while start < len(buffer) and buffer[start] in (CR, LF):
        start += 1
    end = _find_terminator(buffer, start)
    if end < 0:
        if len(buffer) - start > MAX_LINE_BYTES:
            cut = start + MAX_LINE_BYTES
            return cut, bytes(buffer[start:cut])
        return start, None
    consumed = end + 1
    if buffer[end] == CR and consumed < len(buffer) and buffer[consumed] == LF:
        consumed += 1
    return consumed, bytes(buffer[start:end])


def _find_terminator(buffer: bytes | bytearray, start: int) -> int:
    positions = [p for p in (buffer.find(b"\r", start), buffer.find(b"\n", start)) if p >= 0]
    return min(positions) if positions else -1


def line_text(raw: bytes) -> str:
    """Printable text of a line: control bytes (stray XON/XOFF, NULs) dropped."""
    return bytes(b for b in raw if b >= 0x20 or b == 0x09).decode("latin-1").strip()


def classify(text: str, *, numeric: bool = False) -> Result:
    """Name a line. ``numeric`` also accepts ATV0 digit codes (only safe where no
    information text can come, e.g. during recovery: a digit could be an answer)."""
    upper = text.strip().upper()
    if upper in _VERBOSE:
        return Result(_VERBOSE[upper], text)
    if upper == "CONNECT" or upper.startswith("CONNECT "):
        return Result(Kind.CONNECT, text)
    if numeric and upper in _NUMERIC:
        return Result(_NUMERIC[upper], text)
    if _is_caller_id(upper):
        return Result(Kind.CALLER_ID, text)
    return Result(Kind.INFO, text)


def _is_caller_id(upper: str) -> bool:
    key, sep, _ = upper.partition("=")
    if not sep:
        key, sep, _ = upper.partition(":")
    return bool(sep) and key.strip() in _CALLER_ID_KEYS


def caller_id_field(text: str) -> tuple[str, str]:
    """Split ``NMBR = 5551234`` into ``("NMBR", "5551234")``."""
    sep = "=" if "=" in text else ":"
    key, _, value = text.partition(sep)
    return key.strip().upper(), value.strip()


def parse_number_list(text: str) -> tuple[int, ...]:
    """Parse a ``=?`` answer such as ``24,48,72`` or ``(0-3),96`` into sorted integers.

    T.31 answers to =? are comma-separated values; V.250 clause 5.7.3 allows ranges
    and parentheses. Garbage raises ValueError naming the bad token.
    """
    values: set[int] = set()
    for token in text.replace("(", "").replace(")", "").split(","):
        token = token.strip()
        if not token:
            continue
        low, dash, high = token.partition("-")
        try:
            first, last = int(low), int(high if dash else low)
        except ValueError:
            raise ValueError(f"not a number or range: {token!r} in {text!r}") from None
        if last < first or last - first > 1000:
            raise ValueError(f"bad range {token!r} in {text!r}")
        values.update(range(first, last + 1))
    return tuple(sorted(values))


def strip_info_prefix(text: str, command: str) -> str:
    """Some modems answer ``AT+FMI?`` with ``+FMI: name``; T.31 says just ``name``."""
    prefix = command.upper().removeprefix("AT").rstrip("?=").strip()
    upper = text.upper()
    if prefix and upper.startswith(prefix + ":"):
        text = text[len(prefix) + 1:]
    return text.strip().strip('"').strip()
