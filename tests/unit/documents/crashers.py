"""Functions for pool workers to run in tests; importable by name, as workers need."""

import os
import time


def die() -> None:
    os._exit(3)  # as a segfault in PDFium would: no exception, the process is just gone


def sleep_then(seconds: float, value):
    time.sleep(seconds)
    return value


def allocate(megabytes: int) -> int:
    return len(bytearray(megabytes << 20))
