"""The modem pool: a modem that stops answering is taken out, its fax goes out on another
modem, and once it answers again it is probed back into service."""

from __future__ import annotations

import asyncio
import re

import aiohttp

from faxgw.store import Store
from hwsim import ModemBank

from .gateway import Client, Daemon, make_pdf


async def test_a_frozen_modem_goes_offline_its_fax_goes_elsewhere_and_it_comes_back(tmp_path):
    with ModemBank(timing="accelerated") as bank:
        out1, out2 = bank.add_modem("3201", name="out1"), bank.add_modem("3202", name="out2")
        answering = [bank.add_modem("4600", name="in1"), bank.add_modem("4601", name="in2")]
        receiver = Daemon(tmp_path / "rx", [], answering=answering).start()
        daemon = Daemon(tmp_path / "gw", [out1, out2], scheduler={
            "modem_max_failures": 2, "modem_reprobe_s": 1.0}).start()
        try:
            store = await Store.open(daemon.state_dir)
            _, key = await store.create_tenant("pool")
            await store.close()
            async with aiohttp.ClientSession() as http:
                client = Client(http, daemon.url, key)
                bank.freeze("out1")
                bank.freeze("out2")  # both stuck: the first attempt fails on a frozen modem
                first = await client.send("4600", make_pdf(1))
                await client.wait_status(first["faxId"], {"FaxRetryAttempted"}, timeout=30)
                bank.freeze("out2", False)
                done = await client.wait_status(first["faxId"], {"FaxSent", "FaxFailed"}, 60)
                assert done["faxStatus"] == "FaxSent", done
                attempts = await client.attempts(first["faxId"])
                assert attempts[0]["outcome"] == "modem_fault"
                assert attempts[-1]["modem"] == "out2"
                await _until(lambda: _went_offline(daemon, "out1"))

                bank.freeze("out1", False)
                await _until(lambda: _log_count(daemon, r"modem out1 idle") >= 2)
                # Two faxes at once to two numbers: both modems are in service again.
                faxes = [await client.send(n, make_pdf(2, seed=4)) for n in ("4600", "4601")]
                modems = set()
                for fax in faxes:
                    done = await client.wait_status(fax["faxId"], {"FaxSent", "FaxFailed"}, 60)
                    assert done["faxStatus"] == "FaxSent", (done, daemon.log()[-2000:])
                    modems |= {a["modem"] for a in await client.attempts(fax["faxId"])}
                assert modems == {"out1", "out2"}
        finally:
            daemon.stop()
            receiver.stop()


def _went_offline(daemon: Daemon, name: str) -> bool:
    return _log_count(daemon, rf"modem {name} offline") >= 1


def _log_count(daemon: Daemon, pattern: str) -> int:
    return len(re.findall(pattern, daemon.log()))


async def _until(check, timeout: float = 30) -> None:
    for _ in range(int(timeout / 0.1)):
        if check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("condition not met in time")
