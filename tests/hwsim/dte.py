"""A minimal DTE over pyserial for driving simulated modems in tests."""

from __future__ import annotations

import time

import serial


class Dte:
    def __init__(self, device: str, timeout: float = 5.0) -> None:
        self.port = serial.Serial(device, timeout=0.05)
        self.timeout = timeout

    def close(self) -> None:
        self.port.close()

    def __enter__(self) -> "Dte":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def send(self, data: bytes) -> None:
        self.port.write(data)

    def read_until(self, *endings: bytes, timeout: float | None = None) -> bytes:
        """Read until the buffer ends with one of ``endings``; TimeoutError otherwise."""
        deadline = time.monotonic() + (timeout or self.timeout)
        buf = bytearray()
        while time.monotonic() < deadline:
            buf += self.port.read(self.port.in_waiting or 1)
            if any(buf.endswith(e) for e in endings):
                return bytes(buf)
        raise TimeoutError(f"waited for {endings!r}, got {bytes(buf)!r}")

    def at(self, command: str, timeout: float | None = None) -> bytes:
        """Send ``AT<command>`` and return everything up to a final result code."""
        self.send(f"AT{command}\r".encode())
        return self.read_until(b"OK\r\n", b"ERROR\r\n", b"CONNECT\r\n", b"NO CARRIER\r\n",
                               b"BUSY\r\n", b"NO ANSWER\r\n", b"NO DIALTONE\r\n",
                               b"+FCERROR\r\n", timeout=timeout)

    def quiet_for(self, seconds: float) -> bytes:
        end = time.monotonic() + seconds
        buf = bytearray()
        while time.monotonic() < end:
            buf += self.port.read(self.port.in_waiting or 1)
        return bytes(buf)
