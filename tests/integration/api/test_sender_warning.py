"""Without [sender] every page's header reads "From:" and nothing: the daemon says so at
start; the demo names a sample sender, so its pages carry one."""

from __future__ import annotations

import uuid
from pathlib import Path

from faxgw.daemon import configured_header
from faxgw.server_cli import demo_config

WARNING = "[sender] has no name and no number"


def test_a_config_without_a_sender_warns_at_start(daemon_class, tmp_path):
    d = daemon_class(tmp_path).start()
    d.stop()
    log = (tmp_path / "daemon.stderr").read_text()
    assert WARNING in log and "WARNING" in log, log


def test_a_config_with_a_sender_does_not(daemon_class, tmp_path):
    d = daemon_class(tmp_path, '[sender]\nname = "Clinic Nord"\nnumber = "+49 30 1234567"\n').start()
    d.stop()
    assert "[sender] has no" not in (tmp_path / "daemon.stderr").read_text()


def test_the_demo_pages_name_a_sender(tmp_path: Path):
    header = configured_header(demo_config("127.0.0.1:0", tmp_path, str(uuid.uuid4()), ""))
    assert header is not None and header.sender_name and header.sender_number
