"""A real daemon answering on hw-sim modems, with [inbound] routes to two tenants; efax (a
fax program nobody here wrote) sends to it from other simulated modems.

Lines: ``in1`` (number 6001) is a DID line that also answers 6101 and 6102 and reports
caller ID and the dialled number; ``in2`` (6002) reports nothing. Routes: 6101 -> tenant B
(by called number), modem in2 -> tenant A (by line); 6102 matches nothing and there is no
default tenant, so its faxes are kept for the admin.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import aiohttp
import pytest

from faxgw.api.access import new_admin_key
from faxgw.store import Store
from hwsim import ModemBank
from tests.hwsim.efaxrun import EfaxPair, require_efax
from tests.integration.scheduler.gateway import Daemon, toml_table

SENDERS = {"s1": "5001", "s2": "5002"}
PAGE_EVENTS_FROM = 2


@dataclass
class Box:
    bank: ModemBank
    daemon: Daemon
    tenants: dict[str, tuple[str, str]]  # name -> (tenantId, apiKey)
    admin_key: str

    def sender(self, name: str) -> str:
        return next(m.device for m in self.bank.modems() if m.name == name)


async def _tenants(state_dir, names) -> dict[str, tuple[str, str]]:
    store = await Store.open(state_dir)
    try:
        return {name: await store.create_tenant(f"inbound-{name}") for name in names}
    finally:
        await store.close()


@pytest.fixture(scope="module")
def box(tmp_path_factory):
    require_efax()
    root = tmp_path_factory.mktemp("inbound")
    with ModemBank(timing="accelerated", log_path=root / "calls.jsonl") as bank:
        for name, number in SENDERS.items():
            bank.add_modem(number, name=name)
        in1, in2 = bank.add_modem("6001", name="in1"), bank.add_modem("6002", name="in2")
        bank.add_number("in1", "6101")
        bank.add_number("in1", "6102")
        # As on an analog line: caller ID (the dialled number routes to B) comes between
        # the first and second ring, so in1 answers on the second.
        bank.report_caller_id("in1", after_first_ring=True)
        daemon = Daemon(root / "daemon", [], answering=[in1, in2])
        tenants = asyncio.run(_tenants(daemon.state_dir, ["A", "B"]))
        admin_key, digest = new_admin_key()
        text = daemon.config.read_text().replace(
            "[server]\n", f'[server]\nadmin_key_sha256 = "{digest}"\n', 1)
        in1_table = f'name = "in1"\nport = "{in1.device}"\n'
        assert in1_table in text
        text = text.replace(in1_table, in1_table + "rings_before_answer = 2\n", 1)
        # The tests' webhook receivers run on this box, which the URL policy refuses by default.
        text += '[webhooks]\nallow_own_ports = ["1-65535"]\n'
        text += toml_table("inbound", {"page_events_from": PAGE_EVENTS_FROM})
        text += toml_table("[inbound.route]", {"tenant": tenants["A"][0], "modem": "in2"})
        text += toml_table("[inbound.route]", {"tenant": tenants["B"][0], "called_number": "6101"})
        daemon.config.write_text(text)
        daemon.start()
        try:
            yield Box(bank, daemon, tenants, admin_key)
        finally:
            daemon.stop()
        assert not bank.log.errors, f"simulator errors: {bank.log.errors}"


@pytest.fixture
async def http():
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def efax(tmp_path):
    """efax senders, one per call (each keeps its own log)."""
    pairs = []

    def make(name: str) -> EfaxPair:
        folder = tmp_path / f"efax-{name}-{len(pairs)}"
        folder.mkdir()
        pairs.append(EfaxPair(folder))
        return pairs[-1]

    yield make
    for pair in pairs:
        pair.close()
