"""`faxgw send / status / modems` against one real daemon (the built-in hw-sim bank, started
once for the module): the commands run in-process through faxgw.cli.main, as the console
script runs them, and talk to the daemon over HTTP only."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import sys

import pytest

from faxgw.cli import main

from .test_daemon_ops import ADMIN_KEY, FAX_MACHINE, ROOT, new_tenant_key, start, stop, write_config


@pytest.fixture(scope="module")
def daemon(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli")
    config = write_config(root)
    key = asyncio.run(new_tenant_key(config))
    proc, url = start(config)
    yield {"url": url, "key": key, "root": root}
    assert stop(proc) == 0


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out = capsys.readouterr()
    return status, out.out, out.err


@pytest.fixture(scope="module")
def sent(daemon, tmp_path_factory):
    """One 2-page fax sent with --wait; its output is checked by several tests."""
    folder = tmp_path_factory.mktemp("docs")
    documents = [folder / f"page {n}.png" for n in (1, 2)]
    for n, document in enumerate(documents):
        document.write_bytes(busy_png(n))
    capture = _Capture()
    with capture:
        status = main(["send", FAX_MACHINE, *map(str, documents), "--wait", "--url", daemon["url"],
                       "--api-key", daemon["key"], "--metadata", '{"case": "4711"}'])
    fax_id = re.search(r"^fax ([0-9a-f-]{36}) ", capture.out, re.MULTILINE).group(1)
    return {"status": status, "out": capture.out, "err": capture.err, "faxId": fax_id}


def busy_png(seed: int) -> bytes:
    """A page of many small marks: with ECM and MMR (the simulated fax machine offers both)
    a blank page crosses the line in a fraction of a second, this one takes seconds."""
    import io

    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(seed)
    ink = np.zeros((2200, 1728), bool)
    for _ in range(5500):
        y, x = int(rng.integers(0, 2190)), int(rng.integers(0, 1700))
        ink[y:y + int(rng.integers(1, 8)), x:x + int(rng.integers(1, 20))] = True
    out = io.BytesIO()
    Image.fromarray(~ink).save(out, "PNG", dpi=(204, 196))
    return out.getvalue()


class _Capture:
    """capsys is function-scoped; a module fixture captures stdout/stderr itself."""

    def __enter__(self):
        import io

        self._saved = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = io.StringIO(), io.StringIO()
        return self

    def __exit__(self, *exc):
        self.out, self.err = sys.stdout.getvalue(), sys.stderr.getvalue()
        sys.stdout, sys.stderr = self._saved


def test_send_wait_shows_each_page_live_and_exits_0_when_sent(sent):
    assert sent["status"] == 0, sent
    stamped = [line.split("  ", 1) for line in sent["out"].splitlines()
               if re.match(r"\d\d:\d\d:\d\d  ", line)]
    lines = [text for _, text in stamped]
    pages = [line for line in lines if line.startswith("page ")]
    assert pages == [f"page {n} of 2 sent, confirmed by the receiver" for n in (1, 2)], lines
    assert lines[:3] == ["FaxReceived: queued, waiting for a modem",
                         "FaxAttemptInitiated: a call is being placed",
                         f"attempt 1 on modem sim-out-1: calling {FAX_MACHINE}"], lines
    assert lines[3:5] == pages
    assert lines[5].startswith("attempt 1 ended: success, 2/2 pages confirmed"), lines
    assert lines[6:] == ["FaxSent"], lines
    # Live: page 1 was told when the receiver confirmed it, before the call ended (page 2
    # takes over a second on the simulated line, more under load, never less); a follower
    # that only looked at the end would stamp both with the same second.
    assert stamped[lines.index(pages[0])][0] < stamped[lines.index("FaxSent")][0], stamped


def test_status_of_one_fax_shows_its_attempts_and_history(daemon, sent, capsys):
    status, out, err = run(capsys, "status", sent["faxId"], "--url", daemon["url"],
                           "--api-key", daemon["key"])
    assert status == 0 and not err
    assert f"fax {sent['faxId']}" in out and "FaxSent" in out and '{"case": "4711"}' in out
    attempt = next(line for line in out.splitlines() if line.startswith("  1 "))
    assert "sim-out-1" in attempt and "success" in attempt and "2/2" in attempt, out
    history = out.split("history:\n", 1)[1]
    assert [line.split()[2] for line in history.splitlines()] == [
        "FaxReceived", "FaxAttemptInitiated", "FaxSent"], out


def test_status_without_id_is_a_table_of_recent_faxes(daemon, sent, capsys, monkeypatch):
    monkeypatch.setenv("FAXGW_URL", daemon["url"])
    monkeypatch.setenv("FAXGW_API_KEY", daemon["key"])
    status, out, _ = run(capsys, "status")
    assert status == 0
    header, *rows = out.splitlines()[1:]
    assert header.split() == ["FAX", "ID", "STATUS", "NUMBER", "PAGES", "TRIES", "UPDATED"]
    assert any(r.split()[:5] == [sent["faxId"], "FaxSent", FAX_MACHINE, "2", "1"] for r in rows)
    status, out, _ = run(capsys, "status", "--json")
    assert sent["faxId"] in {f["faxId"] for f in json.loads(out)}
    status, out, _ = run(capsys, "status", "--since", "2020-01-01", "--limit", "1")
    assert status == 0 and len(out.splitlines()[2:]) == 1 and sent["faxId"] in out
    status, _, err = run(capsys, "status", "--since", "yesterday")
    assert status == 2 and err == ("faxgw: --since 'yesterday': give 30m, 24h, 7d or a date "
                                   "like 2026-11-27\n")


def test_modems_is_a_table_for_the_admin_key_only(daemon, sent, capsys, monkeypatch):
    monkeypatch.setenv("FAXGW_ADMIN_KEY", ADMIN_KEY)
    status, out, _ = run(capsys, "modems", "--url", daemon["url"])
    assert status == 0
    rows = {line.split()[0]: line.split() for line in out.splitlines()[1:]}
    assert rows["sim-out-1"][1] in ("idle", "busy") and rows["sim-out-1"][2] == "1"
    assert "send" in rows["sim-out-1"] and rows["sim-out-1"][-3:] == ["1", "1", "0"], out
    # A tenant's key is not the admin key: one line, exit 77.
    status, out, err = run(capsys, "modems", "--url", daemon["url"], "--api-key", daemon["key"])
    assert status == 77 and not out and err.count("\n") == 1
    assert err.startswith(f"faxgw: the daemon at {daemon['url']} refused the key: ")


def test_wrong_key_unknown_fax_and_missing_file_are_one_line_errors(daemon, capsys, tmp_path):
    url = ["--url", daemon["url"]]
    status, out, err = run(capsys, "status", *url, "--api-key", "fgw_wrong")
    assert status == 77 and not out and err.count("\n") == 1 and "refused the key" in err
    status, _, err = run(capsys, "status", "00000000-0000-4000-8000-000000000000", *url,
                         "--api-key", daemon["key"])
    assert status == 1 and err.count("\n") == 1 and "fax_not_found" in err
    status, _, err = run(capsys, "send", FAX_MACHINE, str(tmp_path / "nope.pdf"), *url,
                         "--api-key", daemon["key"])
    assert status == 2 and err == f"faxgw: cannot read {tmp_path / 'nope.pdf'}: no such file\n"
    status, _, err = run(capsys, "send", "not a number", str(ROOT / "README.md"), *url,
                         "--api-key", daemon["key"])
    assert status == 1 and err.startswith("faxgw: the daemon refused the fax: ")
    assert "invalid_phone_number" in err and err.count("\n") == 1


def test_the_address_comes_from_the_config(daemon, sent, capsys, tmp_path):
    # `sent` first: the listing then has a fax to show, whatever ran before on this worker.
    config = tmp_path / "faxgw.toml"
    config.write_text(f'[server]\nlisten = "{daemon["url"].removeprefix("http://")}"\n')
    status, out, _ = run(capsys, "status", "--config", str(config), "--api-key", daemon["key"])
    assert status == 0 and "FAX ID" in out
    config.write_text('[server]\nlisten = "127.0.0.1:0"\n')
    status, _, err = run(capsys, "status", "--config", str(config), "--api-key", daemon["key"])
    assert status == 2 and "give --url" in err
    config.write_text('[server]\nlisten = "nowhere"\n')
    status, _, err = run(capsys, "status", "--config", str(config), "--api-key", daemon["key"])
    assert status == 78 and "server.listen" in err


def test_daemon_down_is_one_line_and_exit_69(capsys):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    status, out, err = run(capsys, "status", "--url", f"http://127.0.0.1:{port}", "--api-key", "k")
    assert status == 69 and not out
    assert err == (f"faxgw: cannot reach the faxgw daemon at http://127.0.0.1:{port}: "
                   "connection refused (is it running? `systemctl status faxgw`) "
                   "(address from --url)\n")


@pytest.mark.parametrize("command", ["send", "status", "modems"])
def test_help_of_each_command(command, capsys):
    with pytest.raises(SystemExit) as done:
        main([command, "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: faxgw {command}") and "--url" in out and "exit status" in out
