"""The README against the real daemon: its config snippets are valid TOML the config loader
accepts, its curl lines (run as written, with the values the earlier lines printed) get the
answers it shows, and its table of refusal codes is what the API answers."""

from __future__ import annotations

import json
import os
import re
import select
import signal
import socket
import subprocess
import sys
import tomllib
import uuid
from pathlib import Path

import pytest

from faxgw import config as configuration
from faxgw.documents import ErrorCode
from faxgw.documents.errors import HTTP_STATUS

from . import readme

ROOT = Path(__file__).resolve().parents[2]


def _fill_placeholders(snippet: str) -> str:
    # "6f1c..." stands for a tenantId in the README.
    return re.sub(r'"[0-9a-f]{4}\.\.\."', lambda _: f'"{uuid.uuid4()}"', snippet)


def test_every_config_snippet_is_valid_toml_the_daemon_accepts():
    snippets = readme.toml_blocks()
    snippets += ["\n".join(b) for b in readme.indented_blocks(readme.text())
                 if b and re.fullmatch(r"\[[a-z_.\[\]]+\]", b[0].split("#")[0].strip())]
    assert len(snippets) >= 4, snippets
    for snippet in snippets:
        table = tomllib.loads(_fill_placeholders(snippet))
        configuration.from_dict(table)  # raises ConfigError on an unknown key or bad value


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _minimal_config(tmp_path: Path, port: int) -> Path:
    """The README's minimal faxgw.toml, with this test's port and state directory, and no
    scheduler: the examples hold and cancel a fax that must still be waiting."""
    [snippet] = [s for s in readme.toml_blocks(readme.section("REST API")) if "[server]" in s]
    snippet = snippet.replace("127.0.0.1:8025", f"127.0.0.1:{port}")
    snippet = re.sub(r'state_dir = "[^"]*"', f'state_dir = "{tmp_path / "state"}"', snippet)
    path = tmp_path / "faxgw.toml"
    path.write_text(snippet + "\n[scheduler]\nenabled = false\n")
    return path


def _shell(command: str, env: dict, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-c", command], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=60)


def _curl(command: str, env: dict, cwd: Path) -> tuple[int, dict]:
    done = _shell(command + " -w '\\n%{http_code}'", env, cwd)
    assert done.returncode == 0, (command, done.stderr)
    body, _, status = done.stdout.rpartition("\n")
    return int(status), json.loads(body)


@pytest.fixture
def served(tmp_path):
    """The README's REST API start: a tenant made with its command, the daemon started with
    its command, in a directory holding faxgw.toml (and a referral.pdf to send)."""
    port = _free_port()
    _minimal_config(tmp_path, port)
    env = {**os.environ, "PYTHONPATH": f"{ROOT}:{ROOT / 'hw-sim'}"}
    examples = [e for b in readme.indented_blocks(readme.section("REST API"))
                for e in readme.commands(b)]
    create = next(e for e in examples if e.command.startswith("faxgw tenant create"))
    serve = next(e for e in examples if e.command.startswith("faxgw serve"))
    python = f"{sys.executable} -m faxgw"
    made = _shell(create.command.replace("faxgw", python, 1), env, tmp_path)
    assert made.returncode == 0, made.stderr
    answer = json.loads(made.stdout)
    assert set(json.loads(create.answer.replace("...", ""))) == set(answer)
    proc = subprocess.Popen(["bash", "-c", "exec " + serve.command.replace("faxgw", python, 1)],
                            env=env, cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=open(tmp_path / "daemon.stderr", "wb"), start_new_session=True)
    ready, _, _ = select.select([proc.stdout], [], [], 60)
    line = proc.stdout.readline().decode() if ready else ""
    assert f"listening on http://127.0.0.1:{port}" in line, (tmp_path / "daemon.stderr").read_text()
    pdf = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]"
           b"/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
           b"trailer<</Root 1 0 R>>\n%%EOF\n")
    (tmp_path / "referral.pdf").write_bytes(pdf)
    env.update(KEY=answer["apiKey"], API=f"http://127.0.0.1:{port}")
    yield env, examples
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(30)


@pytest.mark.timeout(180)
def test_the_rest_api_examples_answer_as_the_readme_shows(served, tmp_path):
    env, examples = served
    curls = [e for e in examples if e.command.startswith("curl ")]
    assert len(curls) >= 6, curls
    for example in curls:
        status, body = _curl(example.command, env, tmp_path)
        assert status < 400, (example.command, status, body)
        shown = example.answer.strip()
        if shown.startswith("{"):
            keys = set(re.findall(r'"([A-Za-z]+)":', shown))
            assert keys <= set(body), (example.command, keys - set(body))
            env["FAX"] = body.get("faxId", env.get("FAX", ""))
            if "faxStatus" in keys:
                status_shown = re.search(r'"faxStatus": "(\w+)"', shown).group(1)
                assert body["faxStatus"] == status_shown, (example.command, body)
        elif re.match(r"Fax[A-Z]\w+", shown):
            assert body["faxStatus"] == shown.split()[0], (example.command, body)


def test_the_refusal_codes_are_the_ones_the_documents_package_has():
    documented = readme.refusal_codes()
    assert documented == {code.value: HTTP_STATUS[code] for code in ErrorCode}


@pytest.mark.timeout(120)
def test_the_api_answers_the_documented_refusal_codes(served, tmp_path):
    env, _ = served
    documented = readme.refusal_codes()
    cases = {"document_empty": b"", "document_type_unknown": b"\x00\x01\x02 binary",
             "text_not_utf8": "Grüße aus Köln, Seite 2 – bitte zurückrufen".encode("cp1252")}
    for code, data in cases.items():
        (tmp_path / "doc.bin").write_bytes(data)
        status, body = _curl('curl -s -H "Authorization: Bearer $KEY" -F phoneNumber=+4930123456 '
                             "-F document=@doc.bin $API/fax", env, tmp_path)
        assert (status, body["code"]) == (documented[code], code), body
