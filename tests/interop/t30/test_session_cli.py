"""``faxgw modem send`` and ``faxgw modem receive`` as a technician runs them, on hw-sim."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import numpy as np
from PIL import Image

from faxgw.g3.tiff import read_tiff
from hwsim import Faults, ModemBank


def faxgw(*args: str, **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "faxgw", "modem", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def test_send_and_receive_commands_print_results_and_write_tiff(tmp_path):
    ink = np.zeros((2292, 1728), bool)  # a full A4 page at fine: documents keep it as is
    ink[100:180, 200:1500] = True
    Image.fromarray(~ink).save(tmp_path / "page.png", dpi=(204, 196))
    with ModemBank(timing="accelerated") as bank:
        a, b = bank.add_modem("1001"), bank.add_modem("1002")
        receiver = faxgw("receive", "--device", b.device, "--profile", "hwsim-class1",
                         "--output", str(tmp_path / "in"), "--ident", "1002",
                         "--ring-timeout", "60")
        time.sleep(2.0)
        sender = faxgw("send", "--device", a.device, "--profile", "hwsim-class1",
                       "--ident", "1001", "1002", str(tmp_path / "page.png"))
        sent_out, sent_err = sender.communicate(timeout=120)
        got_out, got_err = receiver.communicate(timeout=60)
    assert sender.returncode == 0, sent_err[-2000:] + sent_out[-2000:]
    assert receiver.returncode == 0, got_err[-2000:] + got_out[-2000:]
    sent, got = json.loads(sent_out), json.loads(got_out)
    assert sent["success"] and sent["pages_confirmed"] == 1 and sent["remote_ident"] == "1002"
    assert got["success"] and got["remote_ident"] == "1001"
    files = list((tmp_path / "in").glob("fax-*.tif"))
    assert len(files) == 1 and str(files[0]) in got["detail"]
    page = read_tiff(files[0].read_bytes())[0]
    assert page.y_dpi == 196 and np.asarray(page.image).shape == (2292, 1728)
    assert np.array_equal(~np.asarray(page.image, dtype=bool)[100:180, 200:1500],
                          np.ones((80, 1300), bool))


def test_send_to_a_busy_number_exits_non_zero_with_the_reason(tmp_path):
    Image.new("1", (1728, 100), 255).save(tmp_path / "page.png")
    with ModemBank(timing="accelerated") as bank:
        a, _ = bank.add_modem("1001"), bank.add_modem("1002")
        bank.fault_next_call("1002", Faults(busy=True))
        sender = faxgw("send", "--device", a.device, "--profile", "hwsim-class1", "1002",
                       str(tmp_path / "page.png"))
        out, err = sender.communicate(timeout=120)
    assert sender.returncode == 1, err[-2000:]
    result = json.loads(out)
    assert result["outcome"] == "busy" and result["retry_class"] == "soon"
    assert result["reason"] == "The number was busy."
