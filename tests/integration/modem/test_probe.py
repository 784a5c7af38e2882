"""Probing a modem on a pty, matching it to a profile, and the ``faxgw modem probe`` command."""

import asyncio
import json

import pytest

from faxgw.cli import main
from faxgw.modem.at.channel import AtChannel
from faxgw.modem.device import open_modem
from faxgw.modem.probe import probe
from faxgw.t30.link import ModemFault

HWSIM_ANSWERS = {
    "ATI": ["SimFax C1 1.0"], "AT+FCLASS=?": ["0,1,1.0"], "AT+FMI?": ["faxgw hw-sim"],
    "AT+FMM?": ["SimFax C1"], "AT+FMR?": ["1.0"],
    "AT+FTM=?": ["24,48,72,73,74,96,97,98,121,122,145,146"],
    "AT+FRM=?": ["24,48,72,73,74,96,97,98,121,122,145,146"],
    "AT+FTH=?": ["3"], "AT+FRH=?": ["3"],
}
OTHER_ANSWERS = {
    "ATI": ["5601"], "AT+FCLASS=?": ["(0,1,2,2.0)"], "AT+GMI": ["ACME"],
    "AT+GMM": ["Faxer 9"], "AT+GMR": ["2.1"], "AT+FTM=?": ["24,48,72,96"],
    "AT+FRM=?": ["24,48,72,96"], "AT+FTH=?": ["3"], "AT+FRH=?": ["3"],
}
REFUSED = {"AT+FMI?", "AT+FMM?", "AT+FMR?"}


def answering(table, refused=frozenset()):
    async def handler(m, command):
        if command in refused:
            m.reply("ERROR")
        elif command in table:
            m.reply(*table[command], "OK")
        elif command.startswith("AT+G") or command.startswith("AT+FM"):
            m.reply("ERROR")
        else:
            m.reply("OK")
    return handler


async def test_probe_reads_identity_and_capabilities(pty_modem):
    pty_modem.run(answering(HWSIM_ANSWERS))
    channel = await AtChannel.open(pty_modem.path)
    try:
        info = await probe(channel)
    finally:
        await channel.close()
    assert (info.manufacturer, info.model, info.revision) == ("faxgw hw-sim", "SimFax C1", "1.0")
    assert info.classes == ("0", "1", "1.0") and info.fth == (3,) and 145 in info.ftm
    assert pty_modem.commands[-1] == "AT+FCLASS=0"  # left in data class, as after a reset


async def test_open_modem_matches_the_hwsim_profile_by_identity(pty_modem):
    pty_modem.run(answering(HWSIM_ANSWERS))
    async with open_modem(pty_modem.path) as modem:
        assert modem.profile.name == "hwsim-class1" and modem.matched_by == "identity"
        assert modem.fclass == "1.0"
        link = modem.class1_link()
        await link.send_silence(75)
    assert pty_modem.commands[:5] == ["ATZ", "ATE0", "ATV1", "ATQ0", "ATS0=0"]
    assert pty_modem.commands[-1] == "AT+FTS=8"
    # Matched a profile with other init timing: reset again with it after probing.
    assert pty_modem.commands.count("ATZ") == 2


async def test_unknown_modem_gets_the_generic_profile_via_gmi(pty_modem):
    pty_modem.run(answering(OTHER_ANSWERS, REFUSED))
    async with open_modem(pty_modem.path) as modem:
        assert modem.profile.name == "generic-class1" and modem.matched_by == "generic"
        assert modem.info.manufacturer == "ACME" and modem.info.model == "Faxer 9"
        assert modem.fclass == "1"


async def test_modem_without_class1_has_no_class1_link(pty_modem):
    pty_modem.run(answering({**OTHER_ANSWERS, "AT+FCLASS=?": ["0,2,2.0"]}, REFUSED))
    async with open_modem(pty_modem.path) as modem:
        # Such a modem is driven in Class 2.0 (probing prefers it to Class 2).
        assert modem.fclass == "2.0" and modem.info.ftm == ()
        with pytest.raises(ModemFault, match="no Class 1"):
            modem.class1_link()


async def test_silent_modem_is_a_modem_fault_on_open(pty_modem):
    pty_modem.silent = True
    pty_modem.run(answering({}))
    with pytest.raises(ModemFault):
        async with open_modem(pty_modem.path, "hwsim-class1"):
            pass


async def test_cli_probe_prints_json(pty_modem, capsys):
    pty_modem.run(answering(HWSIM_ANSWERS))
    status = await asyncio.to_thread(main, ["modem", "probe", "--device", pty_modem.path])
    report = json.loads(capsys.readouterr().out)
    assert status == 0
    assert report["profile"]["name"] == "hwsim-class1" and report["class"] == "1.0"
    assert report["modem"]["model"] == "SimFax C1"
    assert "V17_14400" in report["class1_modulations"]["transmit"]


async def test_cli_probe_of_missing_device_fails_with_json(capsys):
    status = await asyncio.to_thread(main, ["modem", "probe", "--device", "/dev/nope-faxgw"])
    assert status == 1 and "cannot open" in json.loads(capsys.readouterr().out)["error"]


async def test_one_link_per_modem(pty_modem):
    pty_modem.run(answering(HWSIM_ANSWERS))
    async with open_modem(pty_modem.path, "hwsim-class1") as modem:
        assert modem.class1_link() is modem.class1_link()
