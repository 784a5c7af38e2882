"""`faxgw send`, `faxgw status`, `faxgw modems`: the commands a person runs against the
running daemon. They talk to its REST API only (faxgw/client.py), never to the database or
a modem, so they work from any machine that can reach the API and need no rights on the box.

Where the daemon is: --url, else $FAXGW_URL, else `[server] listen` of the config file
(--config, else $FAXGW_CONFIG, else /etc/faxgw/faxgw.toml), else http://127.0.0.1:8025.
The key: --api-key, else $FAXGW_API_KEY (a tenant's key; `faxgw modems` wants the admin key:
--api-key, else $FAXGW_ADMIN_KEY, else $FAXGW_API_KEY).

`send --wait` follows the fax with the API's own data: GET /fax/{id} for its status and page
count, GET /fax/{id}/attempts for the call in progress, whose `pagesConfirmed` the scheduler
raises the moment the receiver confirms a page (MCF). One line per page, as it happens.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, TextIO

from faxgw.client import ApiFailure, Client, DaemonUnreachable

# The API's values (faxgw.api.schemas.RESOLUTIONS); not imported: the CLI stays light.
RESOLUTIONS = ("standard", "fine", "superfine")

DEFAULT_URL = "http://127.0.0.1:8025"
POLL_S = 0.5
PROGRESS_S = 10.0  # a photo page can take minutes on the line: say so this often
TERMINAL = ("FaxSent", "FaxFailed", "FaxCancelled")
IN_CALL = "FaxAttemptInitiated"
# Exit statuses (sysexits.h where one fits): scripts can tell "fax failed" from "no daemon".
EXIT_FAILED = 1          # the fax failed or was cancelled, or the API refused the request
EXIT_USAGE = 2           # as argparse: a bad argument, an unreadable file, no key
EXIT_UNREACHABLE = 69    # EX_UNAVAILABLE: nothing answers at the URL
EXIT_KEY_REFUSED = 77    # EX_NOPERM: the daemon refused the key
EXIT_CONFIG = 78         # EX_CONFIG: the config named by --config cannot be used

ENVIRONMENT_HELP = """\
where the daemon is: --url, else $FAXGW_URL, else [server] listen of the config
(--config, else $FAXGW_CONFIG, else /etc/faxgw/faxgw.toml), else http://127.0.0.1:8025.
exit status: 0 done (send --wait: FaxSent), 1 the fax failed or the API refused,
2 usage, 69 the daemon cannot be reached, 77 the key was refused, 78 config unusable."""


class CommandError(Exception):
    """One line for the person, and the exit status."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def register(subparsers: argparse._SubParsersAction) -> None:
    common = argparse.ArgumentParser(add_help=False)
    where = common.add_argument_group("daemon")
    where.add_argument("--url", help="the daemon's API, e.g. http://faxbox:8025 ($FAXGW_URL)")
    where.add_argument("--api-key", help="the API key ($FAXGW_API_KEY)")
    where.add_argument("--config", help="read the API address from this config's "
                                        "[server] listen ($FAXGW_CONFIG)")
    where.add_argument("--json", action="store_true", help="print the API's JSON instead")
    kw = dict(parents=[common], epilog=ENVIRONMENT_HELP,
              formatter_class=argparse.RawDescriptionHelpFormatter)

    send = subparsers.add_parser(
        "send", help="send a fax through the running daemon",
        description="Queue FILEs (PDF, TIFF, PNG, JPEG, GIF, BMP or text, in this order) as "
                    "one fax to NUMBER. With --wait, follow it: a line per status change and "
                    "per page the receiver confirms, until it is sent or has failed.", **kw)
    send.add_argument("number", metavar="NUMBER", help="the fax number, e.g. +4930123456")
    send.add_argument("files", metavar="FILE", nargs="+", type=Path, help="documents to send")
    send.add_argument("--wait", action="store_true",
                      help="follow the fax live until it is sent or has failed")
    send.add_argument("--metadata", metavar="JSON", help='your own data, e.g. \'{"case": "4711"}\'')
    send.add_argument("--resolution", choices=RESOLUTIONS,
                      help="standard, fine or superfine (the daemon's default: fine)")
    send.add_argument("--header-line", help="the text at the top of every page")
    send.add_argument("--idempotency-key", metavar="KEY",
                      help="a repeat with the same key returns the first fax instead of a new one")
    send.set_defaults(func=_run(cmd_send))

    status = subparsers.add_parser(
        "status", help="one fax in detail, or a table of recent faxes",
        description="With FAXID: the fax, its attempts and its status history. Without: "
                    "the most recent faxes of the key's tenant.", **kw)
    status.add_argument("fax_id", metavar="FAXID", nargs="?", help="a faxId")
    status.add_argument("--since", default="24h",
                        help="without FAXID: faxes submitted since this long ago (30m, 24h, "
                             "7d) or this date (2026-11-27) (default: %(default)s)")
    status.add_argument("--limit", type=int, default=20,
                        help="without FAXID: show at most this many, the newest (default: %(default)s)")
    status.set_defaults(func=_run(cmd_status))

    modems = subparsers.add_parser(
        "modems", help="the daemon's modems and their state (admin key)",
        description="Each modem: state, model, direction, calls since the daemon started, "
                    "last error. Needs the admin key (--api-key, $FAXGW_ADMIN_KEY or "
                    "$FAXGW_API_KEY).", **kw)
    modems.set_defaults(func=_run(cmd_modems), admin=True)


def _run(command: Callable[[argparse.Namespace, TextIO], int]) -> Callable[[argparse.Namespace], int]:
    """Turns every expected failure into one line on stderr and an exit status."""
    def run(args: argparse.Namespace) -> int:
        try:
            return command(args, sys.stdout)
        except CommandError as exc:
            print(f"faxgw: {exc}", file=sys.stderr)
            return exc.status
    return run


# --- where the daemon is, and the key ----------------------------------------------------
@dataclass
class Target:
    url: str
    origin: str  # where the URL came from, for the "cannot reach" message
    key: str | None


def target(args: argparse.Namespace, environ: dict[str, str] | None = None) -> Target:
    env = os.environ if environ is None else environ
    names = ("FAXGW_ADMIN_KEY", "FAXGW_API_KEY") if getattr(args, "admin", False) else ("FAXGW_API_KEY",)
    key = args.api_key or next((env[n] for n in names if env.get(n)), None)
    if not key:
        raise CommandError(f"no API key: give --api-key or set {' or '.join('$' + n for n in names)}",
                           EXIT_USAGE)
    if args.url:
        return Target(args.url.rstrip("/"), "--url", key)
    if env.get("FAXGW_URL"):
        return Target(env["FAXGW_URL"].rstrip("/"), "$FAXGW_URL", key)
    return _from_config(args.config, env, key)


def _from_config(explicit: str | None, env: dict[str, str], key: str) -> Target:
    from faxgw import config as configuration

    path = explicit or env.get("FAXGW_CONFIG") or "/etc/faxgw/faxgw.toml"
    if not explicit and not Path(path).exists():
        return Target(DEFAULT_URL, f"the default; no {path}; give --url or set $FAXGW_URL", key)
    try:
        listen = configuration.load(path).server.listen
    except configuration.ConfigError as exc:
        if explicit:
            raise CommandError(f"config error: {exc}", EXIT_CONFIG) from None
        return Target(DEFAULT_URL, f"the default; {exc}; give --url or set $FAXGW_URL", key)
    host, _, port = listen.rpartition(":")
    if port == "0":
        raise CommandError(f"{path} has [server] listen = {listen!r}: the daemon picks a free "
                           "port at each start; give --url", EXIT_USAGE)
    # A daemon listening on every address is reached on this box's loopback.
    host = {"0.0.0.0": "127.0.0.1", "[::]": "[::1]", "::": "[::1]"}.get(host, host)
    return Target(f"http://{host}:{port}", f"[server] listen of {path}", key)


def _client(args: argparse.Namespace) -> tuple[Client, Target]:
    where = target(args)
    return Client(where.url, where.key), where


def _call(where: Target, fn: Callable[[], object], what: str = ""):
    """One API call; the failures a person meets become one clear line."""
    try:
        return fn()
    except DaemonUnreachable as exc:
        raise CommandError(f"{exc} (address from {where.origin})", EXIT_UNREACHABLE) from None
    except ApiFailure as exc:
        if exc.status == 401:
            raise CommandError(f"the daemon at {where.url} refused the key: {exc.message}",
                               EXIT_KEY_REFUSED) from None
        raise CommandError(f"{what}{exc.message} ({exc.code}, HTTP {exc.status})",
                           EXIT_FAILED) from None


# --- send --------------------------------------------------------------------------------
def cmd_send(args: argparse.Namespace, out: TextIO) -> int:
    metadata = None
    if args.metadata is not None:
        try:
            metadata = json.loads(args.metadata)
        except ValueError as exc:
            raise CommandError(f"--metadata is not JSON: {exc}", EXIT_USAGE) from None
    for path in args.files:  # before anything is sent: a typo loses nothing
        if not path.is_file() or not os.access(path, os.R_OK):
            why = "no such file" if not path.exists() else "not a readable file"
            raise CommandError(f"cannot read {path}: {why}", EXIT_USAGE)
    client, where = _client(args)
    fax = _call(where, lambda: client.send_fax(
        args.number, list(args.files), metadata=metadata, resolution=args.resolution,
        header_line=args.header_line, idempotency_key=args.idempotency_key),
        "the daemon refused the fax: ")
    if args.json and not args.wait:
        print(json.dumps(fax, indent=2), file=out)
        return 0
    docs = len(args.files)
    print(f"fax {fax['faxId']} to {fax['phoneNumber']}: {fax['faxStatus']} "
          f"({docs} document{'s' * (docs != 1)})", file=out, flush=True)
    if not args.wait:
        print(f"follow it: faxgw status {fax['faxId']}", file=out)
        return 0
    try:
        final = _call(where, lambda: Follower(client, fax, out).run())
    except KeyboardInterrupt:
        print(f"faxgw: stopped following; the fax goes on: faxgw status {fax['faxId']}",
              file=sys.stderr)
        return 130
    if args.json:
        print(json.dumps(final, indent=2), file=out)
    return 0 if final["faxStatus"] == "FaxSent" else EXIT_FAILED


@dataclass
class Follower:
    """Prints what happens to one fax until it ends: status changes, each call, each page."""

    client: Client
    fax: dict
    out: TextIO
    poll_s: float = POLL_S
    progress_s: float = PROGRESS_S
    _status: str | None = None
    _on_line_since: float | None = None  # when the page now on the line started (monotonic)
    _progress_told: float = 0.0
    _pages_told: int = 0  # pages the receiver confirmed that we have printed, all attempts
    _calls_told: set = field(default_factory=set)  # attempt ids whose start was printed
    _ends_told: set = field(default_factory=set)   # ... whose end was printed

    def run(self) -> dict:
        fax = self.fax
        while True:
            status = fax["faxStatus"]
            changed = status != self._status
            self._status = status
            # In the order things happened: the call starts, pages go, the call ends and
            # with it the status changes (one transaction), so a status that leaves the
            # call is told after the call's last page and its end.
            if changed and status == IN_CALL:
                self._say(_status_line(fax))
            if changed or status == IN_CALL:
                self._attempts(fax, self.client.attempts(fax["faxId"]))
            if changed and status != IN_CALL:
                self._say(_status_line(fax))
            if status in TERMINAL:
                return fax
            time.sleep(self.poll_s)
            fax = self.client.fax(fax["faxId"])

    def _attempts(self, fax: dict, attempts: list[dict]) -> None:
        total = fax.get("pageCount")
        confirmed = 0
        for a in attempts:
            if a["attemptId"] not in self._calls_told:
                self._calls_told.add(a["attemptId"])
                self._say(f"attempt {a['attemptNumber']} on modem {a['modem'] or '?'}: "
                          f"calling {fax['phoneNumber']}")
                self._on_line_since = self._progress_told = time.monotonic()
            confirmed += a["pagesConfirmed"] or 0
            while self._pages_told < confirmed:
                self._pages_told += 1
                of = f" of {total}" if total else ""
                self._say(f"page {self._pages_told}{of} sent, confirmed by the receiver")
                self._on_line_since = self._progress_told = time.monotonic()
            if not a["inProgress"] and a["attemptId"] not in self._ends_told:
                self._ends_told.add(a["attemptId"])
                self._say(_attempt_end(a))
                self._on_line_since = None
            if a["inProgress"]:
                self._progress(a, total)

    def _progress(self, attempt: dict, total: int | None) -> None:
        """While one page takes long (a photo at 9600 bit/s: minutes), a line now and then,
        so that silence does not look like a hang."""
        now = time.monotonic()
        if self._on_line_since is None or now - self._progress_told < self.progress_s:
            return
        self._progress_told = now
        page = (attempt["pagesConfirmed"] or 0) + 1
        of = f" of {total}" if total else ""
        self._say(f"page {page}{of} on the line for {now - self._on_line_since:.0f} s")

    def _say(self, text: str) -> None:
        print(f"{datetime.now():%H:%M:%S}  {text}", file=self.out, flush=True)


def _status_line(fax: dict) -> str:
    status = fax["faxStatus"]
    line = status
    if status in ("FaxReceived", "FaxRetry") and fax.get("attemptCount", 0) == 0:
        line += ": queued, waiting for a modem"
    elif status == IN_CALL:
        line += ": a call is being placed"
    elif status in ("FaxRetryAttempted", "FaxRetry"):
        line += f": next attempt at {_local(fax.get('nextAttemptOn'))}"
    # In a call the reason is the previous attempt's, told when it ended: not again here.
    if fax.get("failedReason") and status not in ("FaxSent", IN_CALL):
        line += f" ({fax['failedReason']})"
    return line


def _attempt_end(a: dict) -> str:
    pages = f"{a['pagesConfirmed']}/{a['pagesTotal']}" if a.get("pagesTotal") else str(a["pagesConfirmed"])
    text = f"attempt {a['attemptNumber']} ended: {a['outcome']}, {pages} pages confirmed"
    if a.get("bitRate"):
        text += f", {a['bitRate']} bit/s"
    if a.get("failedReason"):
        text += f" ({a['failedReason']})"
    return text


# --- status ------------------------------------------------------------------------------
def cmd_status(args: argparse.Namespace, out: TextIO) -> int:
    client, where = _client(args)
    if args.fax_id:
        return _one_fax(client, where, args.fax_id, args.json, out)
    if args.limit < 1:
        raise CommandError("--limit must be at least 1", EXIT_USAGE)
    since = _since(args.since)
    recent: collections.deque = collections.deque(maxlen=args.limit)
    query: dict = {"faxSentDate": since, "limit": 1000}
    count = 0
    while True:  # oldest first, page by page; the newest `limit` are kept
        page = _call(where, lambda: client.search(query))
        recent.extend(page["faxes"])
        count += len(page["faxes"])
        if not page.get("nextCursor"):
            break
        query["cursor"] = page["nextCursor"]
    if args.json:
        print(json.dumps(list(recent), indent=2), file=out)
        return 0
    if not recent:
        print(f"no faxes since {_local(since)}", file=out)
        return 0
    shown = f"the newest {len(recent)} of {count}" if count > len(recent) else str(count)
    print(f"{shown} fax{'es' * (count != 1)} since {_local(since)}:", file=out)
    rows = [(f["faxId"], f["faxStatus"], f["phoneNumber"], _or_dash(f.get("pageCount")),
             str(f["attemptCount"]), _local(f["updatedOn"])) for f in recent]
    _table(("FAX ID", "STATUS", "NUMBER", "PAGES", "TRIES", "UPDATED"), rows, out)
    return 0


def _one_fax(client: Client, where: Target, fax_id: str, as_json: bool, out: TextIO) -> int:
    fax = _call(where, lambda: client.fax(fax_id), f"fax {fax_id}: ")
    attempts = _call(where, lambda: client.attempts(fax_id))
    history = _call(where, lambda: client.history(fax_id))
    if as_json:
        print(json.dumps({**fax, "attempts": attempts, "statusHistory": history}, indent=2),
              file=out)
        return 0
    print(f"fax {fax['faxId']}", file=out)
    facts = [
        ("status", f"{fax['faxStatus']} (since {_local(fax['updatedOn'])})"),
        ("to", fax["phoneNumber"]),
        ("submitted", _local(fax["createdOn"])),
        ("pages", f"{_or_dash(fax.get('pageCount'))} from {fax['documentCount']} document(s)"),
        ("attempts", _attempts_fact(fax)),
    ]
    if fax.get("nextAttemptOn"):
        facts.append(("next try", _local(fax["nextAttemptOn"])))
    if fax.get("failedReason"):
        facts.append(("reason", fax["failedReason"]))
    if fax.get("metadata"):
        facts.append(("metadata", json.dumps(fax["metadata"])))
    if fax.get("webhookFailed"):
        facts.append(("webhooks", "a status change could not be delivered (see its events)"))
    for name, value in facts:
        print(f"  {name:<10} {value}", file=out)
    if attempts:
        print("attempts:", file=out)
        _table(("#", "STARTED", "MODEM", "OUTCOME", "PAGES", "BIT/S", "REMOTE", "REASON"), [
            (str(a["attemptNumber"]), _local(a["startedOn"]), a["modem"] or "-",
             "in call" if a["inProgress"] else a["outcome"] or "-",
             f"{a['pagesConfirmed']}/{_or_dash(a.get('pagesTotal') or fax.get('pageCount'))}",
             _or_dash(a.get("bitRate")), a.get("remoteIdent") or "-", a.get("failedReason") or "")
            for a in attempts], out, indent="  ")
    if history:
        print("history:", file=out)
        for h in history:
            reason = f"  {h['reason']}" if h.get("reason") else ""
            print(f"  {_local(h['changedOn'])}  {h['faxStatus']}{reason}", file=out)
    return 0


def _attempts_fact(fax: dict) -> str:
    if fax["faxStatus"] in TERMINAL:  # no retry comes by itself (PUT .../retry buys one)
        return str(fax["attemptCount"])
    return f"{fax['attemptCount']} ({fax['automaticRetriesLeft']} automatic retries left)"


# --- modems ------------------------------------------------------------------------------
def cmd_modems(args: argparse.Namespace, out: TextIO) -> int:
    client, where = _client(args)
    modems = _call(where, client.modems)
    if args.json:
        print(json.dumps(modems, indent=2), file=out)
        return 0
    if not modems:
        print("no modems (is [scheduler] enabled?)", file=out)
        return 0
    rows = []
    for m in modems:
        model = " ".join(filter(None, [m.get("manufacturer"), m.get("model")])) or "-"
        direction = "+".join(d for d in ("send", "receive") if m.get(d)) or "-"
        c = m.get("counters", {})
        rows.append((m["name"], m["state"], m.get("class") or "-", model, m.get("port") or "-",
                     direction, str(c.get("calls", 0)), str(c.get("succeeded", 0)),
                     str(c.get("failed", 0)), m.get("lastError") or ""))
    _table(("NAME", "STATE", "CLASS", "MODEL", "PORT", "USE", "CALLS", "OK", "FAILED",
            "LAST ERROR"), rows, out)
    return 0


# --- formatting --------------------------------------------------------------------------
def _table(header: tuple[str, ...], rows: list[tuple[str, ...]], out: TextIO,
           indent: str = "") -> None:
    widths = [max(len(str(r[i])) for r in (header, *rows)) for i in range(len(header))]
    for row in (header, *rows):
        cells = [str(c).ljust(w) for c, w in zip(row, widths)]
        print(indent + "  ".join(cells).rstrip(), file=out)


def _local(iso: str | None) -> str:
    """An API time (UTC, ...Z) in the local time zone, to the second."""
    if not iso:
        return "-"
    when = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    return when.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def _or_dash(value) -> str:
    return "-" if value is None else str(value)


_AGO = re.compile(r"^(\d+)\s*([mhd])$")


def _since(text: str) -> str:
    """30m / 24h / 7d ago, or a date or date-time the API takes as it is."""
    m = _AGO.match(text.strip())
    if not m:
        try:
            datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
        except ValueError:
            raise CommandError(f"--since {text!r}: give 30m, 24h, 7d or a date like 2026-11-27",
                               EXIT_USAGE) from None
        return text.strip()
    unit = {"m": "minutes", "h": "hours", "d": "days"}[m.group(2)]
    when = datetime.now(timezone.utc) - timedelta(**{unit: int(m.group(1))})
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"
