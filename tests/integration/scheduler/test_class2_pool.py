"""The daemon's pool with a Class 2.0 modem beside a Class 1 modem: faxes go out
through both, end to end (REST API, SQLite, scheduler, hw-sim, efax), and the class each
modem runs in shows in GET /modems and in each attempt's details.

The suite's central checks (test_send: every page pixel-exact at the far end; test_pool:
two faxes at once use both modems) are repeated here with one Class 2.0 modem in the pool;
the rest of the scheduler suite does not depend on the modem class.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
import re
from pathlib import Path

import aiohttp
import numpy as np
import pytest

from hwsim import ModemBank

from .gateway import Daemon, header_rows, make_pdf, received_page, rendered_pages, sent_header

pytestmark = pytest.mark.interop

DRIVERS = Path(__file__).resolve().parents[3] / "drivers"
ADMIN_KEY = "fgwadm_class2-test-key"
PROFILES = {"out-c1": "hwsim-class1", "out-c20": "hwsim-class20"}


class MixedPoolDaemon(Daemon):
    """The test daemon with each modem's own profile, and an admin key for /modems."""

    def __init__(self, root: Path, modems: list) -> None:
        super().__init__(root, modems)
        text = self.config.read_text()
        for name, profile in PROFILES.items():
            text = re.sub(rf'(name = "{name}"\nport = "[^"]*"\nprofile = )"hwsim-class1"',
                          rf'\1"{profile}"', text)
        digest = hashlib.sha256(ADMIN_KEY.encode()).hexdigest()
        text = text.replace("[server]\n", f'[server]\nadmin_key_sha256 = "{digest}"\n', 1)
        self.config.write_text(text)


@pytest.fixture(scope="module")
def bank(tmp_path_factory):
    log = tmp_path_factory.mktemp("bank") / "calls.jsonl"
    with ModemBank(timing="accelerated", log_path=log) as b:
        b.add_modem("3101", name="out-c1")
        b.add_modem("3102", name="out-c20", profile=DRIVERS / "hwsim-class20.toml")
        yield b
        assert not b.log.errors, f"simulator errors: {b.log.errors}"


@pytest.fixture(scope="module")
def daemon(bank, tmp_path_factory):
    d = MixedPoolDaemon(tmp_path_factory.mktemp("daemon"), bank.modems()).start()
    yield d
    d.stop()


async def test_modem_status_shows_each_modems_class(daemon):
    async with aiohttp.ClientSession() as http:
        async with http.get(daemon.url + "/modems",
                            headers={"Authorization": f"Bearer {ADMIN_KEY}"}) as r:
            assert r.status == 200
            modems = {m["name"]: m for m in (await r.json())["modems"]}
    assert modems["out-c1"]["class"] == "1" and modems["out-c1"]["profile"] == "hwsim-class1"
    assert modems["out-c20"]["class"] == "2.0"
    assert modems["out-c20"]["profile"] == "hwsim-class20"
    assert {m["state"] for m in modems.values()} == {"idle"}


async def test_faxes_go_out_through_the_class1_and_the_class20_modem(client, fax_machine,
                                                                     bank):
    machines = {number: fax_machine(number) for number in ("4701", "4702")}
    pdfs = {"4701": make_pdf(1, seed=7), "4702": make_pdf(1, seed=8)}
    before = datetime.now().astimezone()
    faxes = {number: await client.send(number, pdf) for number, pdf in pdfs.items()}
    classes = {}
    for number, fax in faxes.items():
        done = await client.wait_status(fax["faxId"], {"FaxSent", "FaxFailed"}, timeout=90)
        assert done["faxStatus"] == "FaxSent", done
        [attempt] = await client.attempts(fax["faxId"])
        assert attempt["outcome"] == "success" and attempt["pagesConfirmed"] == 1
        assert attempt["bitRate"] == 14400 and attempt["resolution"] == "fine"
        classes[attempt["modem"]] = attempt["details"]["modemClass"]
        [call] = machines[number].wait_calls(1)
        assert call.returncode == 0, call.log[-2000:]
        want = rendered_pages(pdfs[number])
        assert len(call.files) == 1
        rows = header_rows()
        for n, (expected, path) in enumerate(zip(want, call.files), start=1):
            got = received_page(path)
            assert got.shape == expected.shape, f"page {n}: {got.shape} != {expected.shape}"
            body, want_body = got[rows:], expected[rows:]
            assert np.array_equal(body, want_body), \
                f"{number} page {n}: {np.sum(body != want_body)} pixels differ"
            # The header line of the time of sending, as through a Class 1 modem.
            assert sent_header(got, n, 1, number, before, datetime.now().astimezone()), f"{number}: header"
        assert bank.wait_for_call(number, timeout=10)["result"] == "completed"
    # Two faxes at once: both modems took one, each in its own class.
    assert classes == {"out-c1": "1", "out-c20": "2.0"}

