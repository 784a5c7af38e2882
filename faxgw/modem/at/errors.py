"""Errors of the AT layer: small and typed (architecture habit 8).

``ModemGone`` is also a ``ModemFault`` so that it crosses the Class 1 link unchanged: the
runner maps it to the "modem fault" outcome without knowing about serial ports.
"""

from __future__ import annotations

from faxgw.t30.link import ModemFault


class ATChannelError(Exception):
    """Base of what the AT channel raises."""


class ATError(ATChannelError):
    """The modem answered ``command`` with a final result we did not accept."""

    def __init__(self, command: str, response: str, info: tuple[str, ...] = ()) -> None:
        super().__init__(f"{command!r} answered {response!r}")
        self.command = command
        self.response = response
        self.info = info


class ATTimeout(ATChannelError):
    """No final result (or no data) within the time allowed for ``command``."""

    def __init__(self, command: str, timeout_s: float, partial: tuple[str, ...] = ()) -> None:
        super().__init__(f"{command!r}: no answer within {timeout_s:.1f} s")
        self.command = command
        self.timeout_s = timeout_s
        self.partial = partial


class ModemGone(ATChannelError, ModemFault):
    """The serial port vanished (USB modem pulled out, pty closed) or could not be opened."""

    def __init__(self, port: str, reason: str = "port closed") -> None:
        super().__init__(f"{port}: {reason}")
        self.port = port
        self.reason = reason


class ModemUnresponsive(ATChannelError, ModemFault):
    """The modem stayed silent through the whole recovery sequence (escape, ATH, ATZ)."""

    def __init__(self, port: str, detail: str) -> None:
        super().__init__(f"{port}: modem does not respond ({detail})")
        self.port = port


class BufferOverflow(ATChannelError, ModemFault):
    """The modem sent more than the bounded receive buffer holds without a reader."""
