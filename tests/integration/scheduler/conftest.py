"""Fixtures: a hw-sim bank owned by the test process, a daemon dialling out on it, a tenant."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest

from faxgw.store import Store
from hwsim import ModemBank

from .gateway import Client, Daemon, EfaxAnswerer

SEND_MODEMS = ("3001", "3002", "3003")
# The pool these tests dial out on mixes the classes: out2 is a Class 2.0 modem,
# which runs T.30 in its firmware, beside two Class 1 modems that faxgw's engine drives.
DRIVERS = Path(__file__).resolve().parents[3] / "drivers"
CLASS20_MODEM = "out2"
PROFILES = {CLASS20_MODEM: "hwsim-class20"}


@pytest.fixture(scope="module")
def bank(tmp_path_factory):
    log = tmp_path_factory.mktemp("bank") / "calls.jsonl"
    with ModemBank(timing="accelerated", log_path=log) as b:
        for i, number in enumerate(SEND_MODEMS, start=1):
            name = f"out{i}"
            profile = DRIVERS / f"{PROFILES[name]}.toml" if name in PROFILES else None
            b.add_modem(number, name=name, profile=profile)
        yield b
        assert not b.log.errors, f"simulator errors: {b.log.errors}"


@pytest.fixture(scope="module")
def daemon(bank, tmp_path_factory, request):
    """A module may set RETRY (a dict of [retry] keys) for its own backoffs."""
    retry = getattr(request.module, "RETRY", {})
    d = Daemon(tmp_path_factory.mktemp("daemon"), bank.modems(), retry=retry,
               profiles=PROFILES).start()
    yield d
    d.stop()


@pytest.fixture
async def client(daemon):
    store = await Store.open(daemon.state_dir)
    try:
        _, key = await store.create_tenant("scheduler-test")
    finally:
        await store.close()
    async with aiohttp.ClientSession() as http:
        yield Client(http, daemon.url, key)


@pytest.fixture
def fax_machine(bank, tmp_path):
    """efax answering at a fresh number: ``fax_machine(number)`` -> EfaxAnswerer."""
    answerers = []

    def make(number: str) -> EfaxAnswerer:
        info = bank.add_modem(number, name=f"fax{number}")
        answerer = EfaxAnswerer(info.device, tmp_path / f"efax-{number}")
        answerers.append(answerer)
        return answerer

    yield make
    for a in answerers:
        a.close()
