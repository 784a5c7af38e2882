"""Recipient pinning when the modem runs T.30 itself (Class 2.0): the CSI it reports
after dialling (+FCSI) is checked before the first page is asked for (+FDT); on a
mismatch the call ends with no page and the fax fails naming both identifiers."""

from __future__ import annotations

from pathlib import Path

import pytest

from hwsim import ModemBank

from .gateway import Daemon, make_pdf

pytestmark = pytest.mark.interop
DRIVERS = Path(__file__).resolve().parents[3] / "drivers"
FAR_CSI = "+1 555 0142"


@pytest.fixture(scope="module")
def bank(tmp_path_factory):
    with ModemBank(timing="accelerated",
                   log_path=tmp_path_factory.mktemp("bank") / "calls.jsonl") as b:
        b.add_modem("3301", name="out-c20", profile=DRIVERS / "hwsim-class20.toml")
        b.add_modem("4501", name="in1")
        yield b
        assert not b.log.errors, f"simulator errors: {b.log.errors}"


@pytest.fixture(scope="module")
def daemon(bank, tmp_path_factory):
    modems = {m.name: m for m in bank.modems()}
    d = Daemon(tmp_path_factory.mktemp("daemon"), [modems["out-c20"]],
               scheduler={"local_ident": FAR_CSI}, answering=[modems["in1"]],
               profiles={"out-c20": "hwsim-class20"}).start()
    yield d
    d.stop()


async def test_class20_a_different_csi_gets_no_page_and_a_match_is_sent(client, daemon):
    fax = await client.send("4501", make_pdf(1), verifyRecipient="true",
                            expectedCsi="+1 555 0199")
    done = await client.wait_status(fax["faxId"], {"FaxSent", "FaxFailed"}, timeout=60)
    assert done["faxStatus"] == "FaxFailed", done
    assert "'+1 555 0199'" in done["failedReason"] and f"'{FAR_CSI}'" in done["failedReason"]
    [attempt] = await client.attempts(fax["faxId"])
    assert attempt["outcome"] == "recipient_mismatch" and attempt["modem"] == "out-c20"
    assert attempt["details"]["modem_class"] == "2.0"
    assert [p["attempts"] for p in attempt["details"]["pages"]] == [0]
    assert not any("FDT" in t["what"] for t in attempt["details"]["trace"])
    fax = await client.send("4501", make_pdf(1), verifyRecipient="true", expectedCsi=FAR_CSI)
    done = await client.wait_status(fax["faxId"], {"FaxSent", "FaxFailed"}, timeout=60)
    assert done["faxStatus"] == "FaxSent", done
    [sent] = await client.attempts(fax["faxId"])
    assert any("FDT" in t["what"] for t in sent["details"]["trace"])  # the page was asked for
