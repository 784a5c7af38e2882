"""The bank's API from threads and from an asyncio test."""

from __future__ import annotations

import asyncio
import os
import threading

import pytest

from hwsim import ModemBank

from .dte import Dte
from .test_modem import connect


async def test_usable_from_an_asyncio_test(tmp_path):
    with ModemBank() as bank:
        a, b = bank.add_modem("1001"), bank.add_modem("1002")

        def call_and_hang_up() -> None:
            with Dte(a.device) as x, Dte(b.device) as y:
                connect(x, y)
                x.at("H")

        worker = threading.Thread(target=call_and_hang_up)
        worker.start()
        call_id = await asyncio.to_thread(bank.wait_for_connect, "1002", 10)
        record = await bank.wait_for_call_async("1002", timeout=10)
        await asyncio.to_thread(worker.join, 10)
        assert record["call_id"] == call_id and record["result"] == "completed"
        link_dir = bank.link_dir
    assert not link_dir.exists()  # the bank's own symlink directory is gone


def test_wait_for_call_returns_each_call_once(bank, pair):
    a, b = pair
    with Dte(a.device) as x:
        x.at("E0")
        for _ in range(2):
            x.at("D9999", timeout=10)  # unassigned: NO CARRIER after S7
    first = bank.wait_for_call("9999", timeout=1)
    second = bank.wait_for_call("9999", timeout=1)
    assert first["call_id"] != second["call_id"]
    with pytest.raises(TimeoutError):
        bank.wait_for_call("9999", timeout=0.2)
    assert [c["call_id"] for c in bank.calls()] == [first["call_id"], second["call_id"]]


def test_names_and_numbers_are_unique(bank):
    bank.add_modem("1001", name="fax")
    with pytest.raises(ValueError):
        bank.add_modem("1002", name="fax")
    with pytest.raises(ValueError):
        bank.add_modem("1001", name="other")
    assert os.path.realpath(bank.modems()[0].device).startswith("/dev/pts/")
