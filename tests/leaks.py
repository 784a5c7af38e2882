"""What a test may not leave behind: pty descriptors and threads (used by autouse fixtures)."""

from __future__ import annotations

import os
import threading


def open_ptys() -> set[str]:
    found = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith("/dev/pts/") or target == "/dev/ptmx":
            found.add(f"{fd}->{target}")
    return found


def snapshot() -> tuple[set[str], set[threading.Thread]]:
    return open_ptys(), set(threading.enumerate())


def assert_nothing_leaked(before: tuple[set[str], set[threading.Thread]],
                          ignore_thread_prefixes: tuple[str, ...] = ()) -> None:
    """Threads started since ``before`` get 2 s to end; ptys opened since must be closed."""
    ptys, threads = before
    late = [t for t in threading.enumerate() if t not in threads and t.is_alive()
            and not t.name.startswith(ignore_thread_prefixes)]
    for thread in late:
        thread.join(timeout=2)
    late = [t for t in late if t.is_alive()]
    assert not late, f"threads leaked: {late}"
    assert open_ptys() <= ptys, f"ptys leaked: {open_ptys() - ptys}"
