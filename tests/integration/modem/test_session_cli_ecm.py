"""``faxgw modem send`` / ``receive`` build their sessions as the daemon's pool does: on an
ECM-capable modem both ends use ECM, as two daemons would, unless told not to."""

from __future__ import annotations

import json
import subprocess
import sys
import time

from PIL import Image

from hwsim import ModemBank


def faxgw(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "faxgw", "modem", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def send_one_page(tmp_path, *send_flags: str) -> tuple[dict, dict]:
    Image.new("1", (1728, 400), 255).save(tmp_path / "page.png", dpi=(204, 196))
    with ModemBank(timing="accelerated") as bank:
        a, b = bank.add_modem("1001"), bank.add_modem("1002")
        receiver = faxgw("receive", "--device", b.device, "--profile", "hwsim-class1",
                         "--output", str(tmp_path / "in"), "--ring-timeout", "60")
        time.sleep(2.0)
        sender = faxgw("send", "--device", a.device, "--profile", "hwsim-class1",
                       *send_flags, "1002", str(tmp_path / "page.png"))
        sent_out, sent_err = sender.communicate(timeout=120)
        got_out, got_err = receiver.communicate(timeout=60)
    assert sender.returncode == 0, sent_err[-2000:] + sent_out[-2000:]
    assert receiver.returncode == 0, got_err[-2000:] + got_out[-2000:]
    return json.loads(sent_out), json.loads(got_out)


def test_send_and_receive_use_ecm_on_an_ecm_capable_modem_as_the_daemon_does(tmp_path):
    sent, got = send_one_page(tmp_path)
    assert sent["success"] and got["success"]
    assert sent["ecm"] is True and got["ecm"] is True
    assert sent["ecm_frame_size"] == 256


def test_no_ecm_turns_it_off_like_the_modem_config_key(tmp_path):
    sent, got = send_one_page(tmp_path, "--no-ecm")
    assert sent["success"] and got["success"]
    assert sent["ecm"] is False and got["ecm"] is False
