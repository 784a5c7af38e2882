"""faxgw.sdnotify against a real AF_UNIX datagram socket standing in for systemd."""
import asyncio
import os
import socket
import threading
import time
import uuid

import pytest

from faxgw.sdnotify import Notifier, start_watchdog


class FakeManager:
    """The service manager's end: a bound datagram socket and a thread that records each
    message with the time it arrived."""

    def __init__(self, bind_to: str | bytes) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(bind_to)
        self.sock.settimeout(0.05)
        self.received: list[tuple[float, dict[str, str]]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._receive, daemon=True)
        self._thread.start()

    def _receive(self) -> None:
        while not self._stop.is_set():
            try:
                data = self.sock.recv(4096)
            except TimeoutError:
                continue
            fields = dict(line.split("=", 1) for line in data.decode().split("\n"))
            self.received.append((time.monotonic(), fields))

    def messages(self, count: int, timeout: float = 2.0) -> list[dict[str, str]]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return [fields for _, fields in self.received]

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()


@pytest.fixture
def manager(tmp_path):
    path = str(tmp_path / "notify")
    fake = FakeManager(path)
    yield path, fake
    fake.close()


def test_ready_with_status_is_one_datagram(manager):
    path, fake = manager
    notifier = Notifier.from_environ({"NOTIFY_SOCKET": path})
    assert notifier.ready(status="2 modems idle,\n0 queued")
    assert fake.messages(1) == [{"READY": "1", "STATUS": "2 modems idle, 0 queued"}]


def test_each_message_carries_its_fields(manager):
    path, fake = manager
    notifier = Notifier(path)
    before_usec = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
    notifier.status("dialing 555-0100 on ttyACM0")
    notifier.reloading()
    notifier.watchdog()
    notifier.extend_timeout(30)
    notifier.stopping(status="finishing page 3")
    status, reloading, watchdog, extend, stopping = fake.messages(5)
    assert status == {"STATUS": "dialing 555-0100 on ttyACM0"}
    assert reloading["RELOADING"] == "1"
    assert before_usec <= int(reloading["MONOTONIC_USEC"]) <= before_usec + 5_000_000
    assert watchdog == {"WATCHDOG": "1"}
    assert extend == {"EXTEND_TIMEOUT_USEC": "30000000"}
    assert stopping == {"STOPPING": "1", "STATUS": "finishing page 3"}


def test_abstract_socket_name_with_at_sign():
    name = f"faxgw-test-{uuid.uuid4().hex}"
    fake = FakeManager(b"\0" + name.encode())
    try:
        assert Notifier.from_environ({"NOTIFY_SOCKET": "@" + name}).watchdog()
        assert fake.messages(1) == [{"WATCHDOG": "1"}]
    finally:
        fake.close()


def test_without_notify_socket_everything_is_a_no_op():
    notifier = Notifier.from_environ({"WATCHDOG_USEC": "1000000"})
    assert not notifier.enabled
    assert not notifier.ready() and not notifier.status("x") and not notifier.watchdog()
    assert notifier.watchdog_interval() is None


def test_a_vanished_manager_is_reported_not_raised(tmp_path):
    assert Notifier(str(tmp_path / "nobody-listens")).ready() is False


@pytest.mark.parametrize("environ, interval", [
    ({"WATCHDOG_USEC": "30000000"}, 15.0),
    ({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": str(os.getpid())}, 15.0),
    ({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"}, None),  # meant for another process
    ({"WATCHDOG_USEC": "0"}, None),
    ({"WATCHDOG_USEC": "soon"}, None),
    ({}, None),
])
def test_watchdog_interval_is_half_of_watchdog_usec(environ, interval):
    notifier = Notifier.from_environ({"NOTIFY_SOCKET": "/run/systemd/notify", **environ})
    assert notifier.watchdog_interval() == interval


async def test_watchdog_task_pings_from_the_loop_and_stops_when_it_blocks(manager):
    path, fake = manager
    notifier = Notifier.from_environ({"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "100000"})
    task = start_watchdog(notifier)  # a ping every 50 ms
    try:
        await asyncio.sleep(0.32)
        pings_while_running = len(fake.messages(6))
        blocked_from = time.monotonic()
        time.sleep(0.5)  # a callback that blocks the event loop for ten ping intervals
        blocked_until = time.monotonic()
        await asyncio.sleep(0.12)
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert pings_while_running >= 5
    # A ping sent just before the block may be read a little late by the receiving thread.
    during_block = [t for t, _ in fake.received if blocked_from + 0.1 < t < blocked_until]
    assert during_block == []
    assert any(t > blocked_until for t, _ in fake.received), "pings resume after the block"


async def test_no_watchdog_task_when_systemd_wants_none(manager):
    path, _ = manager
    assert start_watchdog(Notifier.from_environ({"NOTIFY_SOCKET": path})) is None
