"""The people's commands, as a newcomer reads them: no traceback when the reader of a pipe
goes away, progress while a long page is on the line, no stale reason on a new call, no
retries promised for a fax that has ended, and help that names what the daemon takes."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from pathlib import Path

from faxgw.cli import build_parser
from faxgw.client_cli import Follower, _attempts_fact, _status_line

ROOT = Path(__file__).resolve().parents[2]


def test_a_closed_pipe_ends_the_command_quietly():
    read, write = os.pipe()
    os.close(read)  # the reader is gone before the first line, as `| head -0` would be
    done = subprocess.run([sys.executable, "-m", "faxgw", "admin-key"], stdout=write,
                          stderr=subprocess.PIPE, cwd=ROOT, timeout=60)
    os.close(write)
    assert b"Traceback" not in done.stderr and b"BrokenPipeError" not in done.stderr, done.stderr
    assert done.returncode == 141


def _fax(**kw) -> dict:
    return {"faxId": "f", "phoneNumber": "+15550100", "pageCount": 6, "attemptCount": 1,
            "automaticRetriesLeft": 4, **kw}


def test_a_new_call_does_not_repeat_the_reason_the_last_one_failed():
    line = _status_line(_fax(faxStatus="FaxAttemptInitiated", failedReason="The number was busy."))
    assert "busy" not in line
    assert "busy" in _status_line(_fax(faxStatus="FaxRetryAttempted", failedReason="The number was busy."))


def test_a_failed_fax_promises_no_automatic_retries():
    assert "retries left" not in _attempts_fact(_fax(faxStatus="FaxFailed"))
    assert "4 automatic retries left" in _attempts_fact(_fax(faxStatus="FaxRetry"))


def test_a_long_page_on_the_line_shows_progress():
    out = io.StringIO()
    follower = Follower(client=None, fax=_fax(faxStatus="FaxAttemptInitiated"), out=out,
                        progress_s=0.05)
    attempt = {"attemptId": "a", "attemptNumber": 1, "modem": "m1", "pagesConfirmed": 1,
               "inProgress": True}
    follower._attempts(follower.fax, [attempt])
    time.sleep(0.1)
    follower._attempts(follower.fax, [attempt])
    lines = out.getvalue().splitlines()
    assert "page 1 of 6 sent" in lines[1]
    assert "page 2 of 6 on the line for" in lines[-1], lines


def _help(*argv: str) -> str:
    parser = build_parser(argv[0])
    out = io.StringIO()
    sub = parser._subparsers._group_actions[0].choices[argv[0]]
    sub.print_help(out)
    return " ".join(out.getvalue().split())


def test_help_names_what_the_daemon_and_the_config_take():
    assert "superfine" in _help("send")
    convert = _help("convert")
    assert "{to}" in convert and "{recipient_number}" not in convert
