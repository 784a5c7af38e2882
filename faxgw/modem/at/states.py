"""Shared names of the AT layer: channel states and the sets of accepted results."""

from __future__ import annotations

from enum import Enum

from faxgw.modem.at.results import Kind


class Mode(Enum):
    COMMAND = "command"
    DATA_TX = "data-tx"  # after CONNECT to +FTH/+FTM/ATA: we send DLE-stuffed data
    DATA_RX = "data-rx"  # after CONNECT to +FRH/+FRM/ATD: the modem sends it


ONLY_OK = frozenset({Kind.OK})
ANY_FINAL = frozenset({Kind.OK, Kind.CONNECT, Kind.NO_CARRIER, Kind.ERROR, Kind.NO_DIALTONE,
                       Kind.BUSY, Kind.NO_ANSWER, Kind.FCERROR})
CAN = b"\x18"  # any character aborts +FRH/+FRM/+FRS and dialling (T.31 8.3.2/8.3.4/8.3.6, V.250 6.3.1)
