"""The gateway under test: a real daemon (``python -m faxgw serve``) on a loopback port
with a real SQLite file, dialling out on hw-sim modems (accelerated line timing) that this
test process owns, so that tests can put faults on the line and read the call log. efax,
a fax program nobody here wrote, answers as the fax machine at the far end.
"""

from __future__ import annotations

import os
import select
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import numpy as np
from PIL import Image

ROOT = Path(__file__).parents[3]
# The sender the daemon names on the header line of every page it sends.
SENDER = {"name": "faxgw tests", "number": "+1 555 0100"}
FAST_RETRY = {"backoff_busy_s": 0.3, "backoff_no_answer_s": 1.0, "backoff_no_carrier_s": 1.0,
              "backoff_protocol_s": 1.5, "backoff_modem_fault_s": 0.5}


def toml_table(name: str, values: dict) -> str:
    def value(v):
        if isinstance(v, bool):
            return "true" if v else "false"
        return repr(v) if isinstance(v, (int, float)) else f'"{v}"'
    return f"[{name}]\n" + "".join(f"{k} = {value(v)}\n" for k, v in values.items())


class Daemon:
    def __init__(self, root: Path, modems: list, retry: dict | None = None,
                 scheduler: dict | None = None, answering: list = (),
                 profiles: dict[str, str] | None = None) -> None:
        """``modems`` dial out; ``answering`` only answer (faxgw as the fax machine);
        ``profiles`` names a modem's driver profile where it is not hwsim-class1."""
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.state_dir = root / "state"
        self.config = root / "faxgw.toml"
        text = (f'[server]\nlisten = "127.0.0.1:0"\n[storage]\nstate_dir = "{self.state_dir}"\n'
                + toml_table("retry", {**FAST_RETRY, **(retry or {})})
                + toml_table("scheduler", {"poll_interval_s": 0.1, **(scheduler or {})})
                + toml_table("sender", SENDER))
        for m in modems:
            text += toml_table("[modem]", {"name": m.name, "port": m.device,
                                            "profile": (profiles or {}).get(m.name, "hwsim-class1")})
        for m in answering:
            text += toml_table("[modem]", {"name": m.name, "port": m.device,
                                            "profile": "hwsim-class1", "send": False,
                                            "receive": True})
        self.config.write_text(text)
        self.proc: subprocess.Popen | None = None
        self.url = ""

    def start(self) -> "Daemon":
        self.stderr = open(self.root / "daemon.stderr", "ab")
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "hw-sim")])}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "faxgw", "serve", "--config", str(self.config)],
            stdout=subprocess.PIPE, stderr=self.stderr, cwd=ROOT, env=env)
        ready, _, _ = select.select([self.proc.stdout], [], [], 60)
        line = self.proc.stdout.readline().decode() if ready else ""
        if "listening on " not in line:
            self.stop()
            raise RuntimeError(f"daemon did not start: {line!r}; see {self.root / 'daemon.stderr'}")
        self.url = line.split("listening on ", 1)[1].strip()
        return self

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)
        self.stderr.close()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if not self.stderr.closed:
            self.stderr.close()

    def received(self) -> list[dict]:
        """The records of faxes this daemon received, oldest first."""
        import json

        records = [json.loads(p.read_text())
                   for p in (self.state_dir / "received").glob("*/fax.json")]
        return sorted(records, key=lambda r: r["startedOn"])

    def log(self) -> str:
        return (self.root / "daemon.stderr").read_text(errors="replace")


class Client:
    """One tenant's view of the REST API."""

    def __init__(self, http: aiohttp.ClientSession, url: str, key: str) -> None:
        self.http, self.url, self.key = http, url, key

    async def call(self, method: str, path: str, **kw) -> tuple[int, dict]:
        headers = {"Authorization": f"Bearer {self.key}"}
        async with self.http.request(method, self.url + path, headers=headers, **kw) as r:
            return r.status, await r.json()

    async def send(self, phone: str, pdf: bytes, **fields) -> dict:
        form = aiohttp.FormData(default_to_multipart=True)
        form.add_field("phoneNumber", phone)
        for name, value in fields.items():
            form.add_field(name, value)
        form.add_field("document", pdf, filename="doc.pdf", content_type="application/pdf")
        status, body = await self.call("POST", "/fax", data=form)
        assert status == 201, body
        return body

    async def fax(self, fax_id: str) -> dict:
        status, body = await self.call("GET", f"/fax/{fax_id}")
        assert status == 200, body
        return body

    async def attempts(self, fax_id: str) -> list[dict]:
        status, body = await self.call("GET", f"/fax/{fax_id}/attempts")
        assert status == 200, body
        return body["attempts"]

    async def wait_status(self, fax_id: str, statuses: set[str], timeout: float = 60) -> dict:
        import asyncio

        deadline = time.monotonic() + timeout
        while True:
            fax = await self.fax(fax_id)
            if fax["faxStatus"] in statuses:
                return fax
            if time.monotonic() > deadline:
                raise AssertionError(f"fax still {fax['faxStatus']} after {timeout} s: {fax}")
            await asyncio.sleep(0.1)


# --- efax as the fax machine at the far end ---------------------------------------------

@dataclass
class EfaxCall:
    returncode: int
    files: list[Path]
    log: str


@dataclass
class EfaxAnswerer:
    """efax answering every call to one simulated modem: efax receives one call and
    exits, so it is started again after each call. Each call's pages land in their own
    folder."""

    device: str
    workdir: Path
    calls: list[EfaxCall] = field(default_factory=list)

    def __post_init__(self) -> None:
        if shutil.which("efax") is None or shutil.which("efix") is None:
            raise RuntimeError("efax is not installed (Debian package efax)")
        self.stopping = threading.Event()
        self.ready = threading.Event()
        self.proc: subprocess.Popen | None = None
        self.changed = threading.Condition()
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()
        if not self.ready.wait(20):
            raise RuntimeError("efax did not start listening")

    def _loop(self) -> None:
        n = 0
        while not self.stopping.is_set():
            n += 1
            folder = self.workdir / f"call-{n}"
            folder.mkdir(parents=True, exist_ok=True)
            log_path = folder / "efax.log"
            with open(log_path, "w") as log:
                self.proc = subprocess.Popen(
                    ["efax", "-d", self.device, "-o1", "-w", "-iS0=1", "-v", "ewinchr",
                     "-r", str(folder / "rcv")], stdout=log, stderr=subprocess.STDOUT)
            self._wait_listening(log_path)
            code = self.proc.wait()
            if self.stopping.is_set():
                return
            call = EfaxCall(code, sorted(folder.glob("rcv.[0-9][0-9][0-9]")),
                            log_path.read_text(errors="replace"))
            with self.changed:
                self.ready.clear()
                self.calls.append(call)
                self.changed.notify_all()

    def _wait_listening(self, log_path: Path) -> None:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and self.proc.poll() is None:
            if "waiting for activity" in log_path.read_text(errors="replace"):
                self.ready.set()
                return
            time.sleep(0.03)

    def wait_ready(self, timeout: float = 20) -> None:
        """efax listens again (it restarts after every call)."""
        if not self.ready.wait(timeout):
            raise AssertionError("efax did not start listening again")

    def wait_calls(self, count: int, timeout: float = 60) -> list[EfaxCall]:
        with self.changed:
            if not self.changed.wait_for(lambda: len(self.calls) >= count, timeout):
                raise AssertionError(f"efax had {len(self.calls)} call(s), expected {count}")
            return list(self.calls)

    def close(self) -> None:
        self.stopping.set()
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.thread.join(10)


# --- documents and what efax received ---------------------------------------------------

def make_pdf(pages: int, seed: int = 0) -> bytes:
    """A PDF whose pages differ visibly (a big page number, blocks in different places)."""
    import io

    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=A4)
    for n in range(1, pages + 1):
        c.setFont("Helvetica-Bold", 60)
        c.drawString(80, 700, f"Page {n}")
        c.setFont("Helvetica", 14)
        c.drawString(80, 660, f"faxgw scheduler test {seed}")
        for k in range(n + 2):
            c.rect(80 + 60 * k, 200 + 40 * ((k + seed) % 5), 40, 120, fill=1)
        c.showPage()
    c.save()
    return out.getvalue()


def rendered_pages(pdf: bytes, resolution: str = "fine") -> list[np.ndarray]:
    """What faxgw should put on the line: the documents pipeline run in this process."""
    from faxgw.documents import RenderOptions, Resolution, render_all

    pages = render_all([pdf], RenderOptions(resolution=Resolution(resolution)))
    return [~np.array(p.image) for p in pages]


def header_rows(resolution: str = "fine") -> int:
    """The lines at the top of a sent page that carry the header line."""
    from tests.unit.documents.pagecheck import header_rows as rows

    return rows({"standard": 98, "fine": 196, "superfine": 391}[resolution])


def sent_header(page: np.ndarray, number: int, total: int, phone: str, before, after) -> bool:
    """Is the top of ``page`` (True = ink) the daemon's header line for page ``number`` of
    ``total`` to ``phone``, drawn at a time between ``before`` and ``after``?"""
    from faxgw.documents import HeaderLine
    from tests.unit.documents.pagecheck import header_strips

    header = HeaderLine(sender_name=SENDER["name"], sender_number=SENDER["number"], recipient_number=phone)
    strip = page[:header_rows()]
    return any(np.array_equal(strip, s) for s in header_strips(header, number, total, before, after))


def received_page(path: Path) -> np.ndarray:
    """A page efax received, decoded by efix (True = ink)."""
    pbm = subprocess.run(["efix", "-opbm", str(path)], check=True, capture_output=True).stdout
    tmp = path.with_suffix(path.suffix + ".pbm")
    tmp.write_bytes(pbm)
    return ~np.array(Image.open(tmp))
