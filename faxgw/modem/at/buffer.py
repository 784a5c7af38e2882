"""What the modem has sent and nobody has read yet: lines in command state, DLE-stuffed
bytes in data state. The AT channel fills it; whoever holds the channel's transaction
takes from it, only through these methods.
"""

from __future__ import annotations

from collections.abc import Callable

from faxgw.modem.at import dle
from faxgw.modem.at.results import CR, classify, decode_line, line_text


class ReceiveBuffer:
    def __init__(self) -> None:
        self._bytes = bytearray()
        self._lf_pending = False  # the CR of CONNECT was the last byte: its LF may follow

    def __len__(self) -> int:
        return len(self._bytes)

    def append(self, data: bytes) -> None:
        self._bytes += data

    def clear(self) -> None:
        self._bytes.clear()

    def rewrite(self, transform: Callable[[bytes], bytes]) -> None:
        """Replace what is buffered by ``transform`` of it (bytes that arrived before a
        change of state, read again under the new state's rules)."""
        self._bytes[:] = transform(bytes(self._bytes))

    def take_raw_line(self) -> tuple[bool, str]:
        """(complete, text) of the first line; blank lines come out as ``(True, "")``.
        ``(False, "")`` when no whole line is buffered (blank CR/LF before it are dropped)."""
        consumed, raw = decode_line(self._bytes)
        del self._bytes[:consumed]
        return (False, "") if raw is None else (True, line_text(raw))

    def take_line(self) -> str | None:
        """The next non-empty line, or None until one is complete. Remembers a trailing CR
        (of CONNECT) so that the LF after it is not taken for data."""
        while True:
            if self._lf_pending and self._bytes[:1] == b"\n":
                del self._bytes[:1]
            consumed, raw = decode_line(self._bytes)
            ended_with_cr = consumed > 0 and consumed == len(self._bytes) and self._bytes[-1] == CR
            del self._bytes[:consumed]
            if raw is None:
                return None
            self._lf_pending = ended_with_cr
            text = line_text(raw)
            if text:
                return text

    def take_data(self, *, doubled: bool = True) -> tuple[bytes, bool]:
        """Unstuffed data from the front, and whether <DLE><ETX> ended it."""
        if self._lf_pending and self._bytes[:1] == b"\n":
            del self._bytes[:1]
        if self._bytes:
            self._lf_pending = False
        consumed, data, ended = dle.unstuff(self._bytes, doubled=doubled)
        del self._bytes[:consumed]
        return data, ended

    def take_through(self, byte: int) -> bool:
        """Drop everything up to and including the first ``byte``; False if none came."""
        at = self._bytes.find(bytes((byte,)))
        if at < 0:
            return False
        del self._bytes[:at + 1]
        return True

    def holds_final_result(self) -> bool:
        """Whether a whole line among the buffered ones is a final result code (left as is)."""
        view = bytes(self._bytes)
        while view:
            consumed, raw = decode_line(view)
            if raw is None:
                return False
            if classify(line_text(raw)).final:
                return True
            view = view[consumed:]
        return False
