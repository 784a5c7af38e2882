"""DLE transparency of T.31 data (pure functions).

In data state the DCE and DTE frame data with DLE (0x10) escapes: T.31 clauses 8.3.3 / 8.3.5
(+FTM / +FTH transmit) and 8.3.4 / 8.3.6 (+FRM / +FRH receive), and Annex B Table B.1:

  <DLE><DLE>  one DLE data byte              (both directions)
  <DLE><ETX>  end of data (frame or stream)  (both directions)
  <DLE><SUB>  two DLE data bytes             (DCE -> DTE, a compression some DCEs use)
  <DLE>0x51   DC1 (XON) data byte            (DCE -> DTE, shields flow-control bytes)
  <DLE>0x53   DC3 (XOFF) data byte           (DCE -> DTE)
  <DLE>other  no data; the pair is discarded

Some modems do not double DLE inside ``+FRH`` data (profile quirk ``hdlc_dle_undoubled``):
then a DLE not followed by ETX is a data byte itself.
"""

from __future__ import annotations

DLE, ETX, SUB, DC1, DC3 = 0x10, 0x03, 0x1A, 0x11, 0x13
DLE_ETX = bytes((DLE, ETX))

_ESCAPES = {DLE: b"\x10", SUB: b"\x10\x10", 0x51: b"\x11", 0x53: b"\x13"}


def stuff(data: bytes) -> bytes:
    """DTE -> DCE: double every DLE (T.31 clauses 8.3.3 / 8.3.5). The caller appends DLE_ETX."""
    return data.replace(b"\x10", b"\x10\x10")


def unstuff(buffer: bytes | bytearray, *, doubled: bool = True) -> tuple[int, bytes, bool]:
    """Decode DCE -> DTE data from the front of ``buffer``.

    Returns ``(consumed, data, ended)``: ``ended`` is True when ``<DLE><ETX>`` was reached
    (consumed includes it; bytes after it are left for the result code). A DLE as the last
    byte is left unconsumed until its partner arrives.
    """
    out = bytearray()
    i, n = 0, len(buffer)
    while i < n:
        j = buffer.find(DLE, i)
        if j < 0:
            out += buffer[i:]
            return n, bytes(out), False
        out += buffer[i:j]
        if j + 1 >= n:
            return j, bytes(out), False
        code = buffer[j + 1]
        if code == ETX:
            return j + 2, bytes(out), True
        if doubled:
            out += _ESCAPES.get(code, b"")
            i = j + 2
        else:
            out.append(DLE)  # an undoubling modem sends DLE as plain data
            i = j + 1
    return n, bytes(out), False
