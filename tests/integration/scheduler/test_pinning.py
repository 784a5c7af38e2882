"""Recipient pinning through the real daemon and hw-sim: a fax that asks to verify its
recipient is not sent to a machine whose CSI is not the expected one: the call ends
before any page and the fax fails at once, its reason naming both identifiers. A match
(compared by digits and '+') is sent; what a good call met becomes the number's pin.

The far end is faxgw's own receiver on a modem of the same daemon: it announces the
daemon's [scheduler] local_ident as its CSI."""

from __future__ import annotations

import asyncio

import pytest

from faxgw.store import Destination, Store
from hwsim import ModemBank

from .gateway import Daemon, make_pdf

pytestmark = pytest.mark.interop
FAR_CSI = "+1 555 0142"
RETRY = {"backoff_protocol_s": 0.5}


@pytest.fixture(scope="module")
def bank(tmp_path_factory):
    with ModemBank(timing="accelerated",
                   log_path=tmp_path_factory.mktemp("bank") / "calls.jsonl") as b:
        b.add_modem("3201", name="out1")
        b.add_modem("4401", name="in1")
        yield b
        assert not b.log.errors, f"simulator errors: {b.log.errors}"


@pytest.fixture(scope="module")
def daemon(bank, tmp_path_factory):
    modems = {m.name: m for m in bank.modems()}
    d = Daemon(tmp_path_factory.mktemp("daemon"), [modems["out1"]], retry=RETRY,
               scheduler={"local_ident": FAR_CSI}, answering=[modems["in1"]]).start()
    yield d
    d.stop()


async def received_calls(daemon, count: int) -> list[dict]:
    for _ in range(150):
        records = daemon.received()
        if len(records) >= count and all(r["endedOn"] for r in records):
            return records
        await asyncio.sleep(0.1)
    raise AssertionError(f"{len(daemon.received())} received call(s), expected {count}")


async def test_a_different_csi_gets_no_page_and_the_fax_fails_naming_both(client, daemon):
    fax = await client.send("4401", make_pdf(2), verifyRecipient="true",
                            expectedCsi="+1 555 0199")
    done = await client.wait_status(fax["faxId"], {"FaxSent", "FaxFailed"}, timeout=60)
    assert done["faxStatus"] == "FaxFailed", done
    assert "not the expected recipient" in done["failedReason"]
    assert "'+1 555 0199'" in done["failedReason"] and f"'{FAR_CSI}'" in done["failedReason"]
    await asyncio.sleep(1.5)  # several backoffs: it is not tried again
    [attempt] = await client.attempts(fax["faxId"])
    assert attempt["outcome"] == "recipient_mismatch" and attempt["pagesConfirmed"] == 0
    details = attempt["details"]
    assert [p["outcome"] for p in details["pages"]] == ["not_sent", "not_sent"]
    assert details["trainings"] == 0  # DCN came before DCS: not even a training
    assert details["learned"]["recipientCheck"] == {"expectedCsi": "+1 555 0199",
                                                    "source": "sender"}
    assert details["remote_ident"] == FAR_CSI
    [call] = await received_calls(daemon, 1)
    assert call["pages"] == 0 and not call["complete"]


async def test_a_matching_csi_is_sent_and_pins_the_number_for_later_faxes(client, daemon):
    fax = await client.send("4401", make_pdf(1), verifyRecipient="true",
                            expectedCsi="+1-555-0142")  # written otherwise, same digits
    done = await client.wait_status(fax["faxId"], {"FaxSent", "FaxFailed"}, timeout=60)
    assert done["faxStatus"] == "FaxSent", done
    calls = await received_calls(daemon, 2)
    assert calls[-1]["pages"] == 1 and calls[-1]["complete"]
    store = await Store.open(daemon.state_dir)
    try:
        learned = await store.destination("4401")
        assert learned.pinned_csi == FAR_CSI
        # The admin (or an earlier good call) pinned another machine for this number: a
        # verified fax without expectedCsi is held to that pin.
        await store.save_destination(Destination(**{**learned.__dict__,
                                                    "pinned_csi": "+1 555 0100"}))
    finally:
        await store.close()
    fax = await client.send("4401", make_pdf(1), verifyRecipient="true")
    done = await client.wait_status(fax["faxId"], {"FaxSent", "FaxFailed"}, timeout=60)
    assert done["faxStatus"] == "FaxFailed"
    assert "pinned from an earlier call" in done["failedReason"]
    assert "'+1 555 0100'" in done["failedReason"] and f"'{FAR_CSI}'" in done["failedReason"]
    # A fax that does not ask to verify is sent as before.
    fax = await client.send("4401", make_pdf(1))
    done = await client.wait_status(fax["faxId"], {"FaxSent", "FaxFailed"}, timeout=60)
    assert done["faxStatus"] == "FaxSent", done
