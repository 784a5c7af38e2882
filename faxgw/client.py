"""A small synchronous client of the daemon's REST API, for the `faxgw` commands a person runs.

urllib from the standard library: one request at a time is all a command needs, and a
command that starts quickly is nicer to use than one that first imports an async stack.

    client = Client("http://127.0.0.1:8025", key)
    fax = client.send_fax("+4930123456", [Path("referral.pdf")])
    client.fax(fax["faxId"]); client.attempts(fax["faxId"]); client.modems()

Every failure is one of two exceptions whose message is a full sentence for a person:
DaemonUnreachable (nothing answers at the URL) and ApiFailure (the daemon answered with an
error; `status` and `code` say which).
"""

from __future__ import annotations

import json
import mimetypes
import secrets
import socket
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import quote

DEFAULT_TIMEOUT_S = 60.0  # an upload of 20 MB to a box on the LAN; reads answer at once
# No proxy from $http_proxy: the daemon is on the box or the LAN, and the API key must not
# travel through a proxy meant for the internet.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class DaemonUnreachable(Exception):
    """Nothing (or not faxgw) answers at the URL."""


class ApiFailure(Exception):
    """The daemon answered with an error status."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class Client:
    def __init__(self, base_url: str, api_key: str | None,
                 timeout_s: float = DEFAULT_TIMEOUT_S) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.timeout_s = timeout_s

    # --- the endpoints the commands use --------------------------------------------------
    def send_fax(self, number: str, files: list[Path], *, metadata: dict | None = None,
                 resolution: str | None = None, header_line: str | None = None,
                 idempotency_key: str | None = None) -> dict:
        """POST /fax as multipart/form-data: the text fields, then one `document` part per
        file in the order given (the daemon reads each part's type from its bytes)."""
        fields: list[tuple[str, str]] = [("phoneNumber", number)]
        if metadata is not None:
            fields.append(("metadata", json.dumps(metadata)))
        if resolution is not None:
            fields.append(("resolution", resolution))
        if header_line is not None:
            fields.append(("headerLine", header_line))
        body, content_type = multipart(fields, [(p.name, p.read_bytes()) for p in files])
        headers = {"Content-Type": content_type}
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        return self.request("POST", "/fax", body=body, headers=headers)

    def fax(self, fax_id: str) -> dict:
        return self.request("GET", f"/fax/{quote(fax_id, safe='')}")

    def attempts(self, fax_id: str) -> list[dict]:
        return self.request("GET", f"/fax/{quote(fax_id, safe='')}/attempts")["attempts"]

    def history(self, fax_id: str) -> list[dict]:
        """The fax's status changes (GET /fax/{id} does not carry them; search does)."""
        found = self.request("POST", "/fax/search", json_body={
            "faxId": fax_id, "showFaxStatusChangeHistory": True})["faxes"]
        return found[0].get("statusHistory", []) if found else []

    def search(self, query: dict) -> dict:
        return self.request("POST", "/fax/search", json_body=query)

    def modems(self) -> list[dict]:
        return self.request("GET", "/modems")["modems"]

    # --- one request ---------------------------------------------------------------------
    def request(self, method: str, path: str, *, json_body: Any = None, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> Any:
        headers = dict(headers or {})
        if json_body is not None:
            body = json.dumps(json_body).encode()
            headers["Content-Type"] = "application/json"
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        req = urllib.request.Request(self.base_url + path, data=body, method=method,
                                     headers=headers)
        try:
            with _OPENER.open(req, timeout=self.timeout_s) as resp:
                return _json(resp.read(), resp.status, self.base_url)
        except urllib.error.HTTPError as exc:
            raise _failure(exc) from None
        except (urllib.error.URLError, ConnectionError, socket.timeout, TimeoutError) as exc:
            reason = getattr(exc, "reason", exc)
            raise DaemonUnreachable(f"cannot reach the faxgw daemon at {self.base_url}: "
                                    f"{_describe(reason)}") from None


def multipart(fields: list[tuple[str, str]], files: list[tuple[str, bytes]]
              ) -> tuple[bytes, str]:
    """A multipart/form-data body (RFC 7578) and its Content-Type."""
    boundary = "faxgw-" + secrets.token_hex(16)
    out = bytearray()
    for name, value in fields:
        out += (f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n'
                "Content-Type: text/plain; charset=utf-8\r\n\r\n").encode()
        out += value.encode() + b"\r\n"
    for filename, data in files:
        ctype = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        # filename*: any name survives (quotes, non-ASCII); filename for older parsers.
        ascii_name = filename.encode("ascii", "replace").decode().replace('"', "_")
        out += (f'--{boundary}\r\nContent-Disposition: form-data; name="document"; '
                f"filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}\r\n"
                f"Content-Type: {ctype}\r\n\r\n").encode()
        out += data + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={boundary}"


def _json(raw: bytes, status: int, base_url: str) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        raise DaemonUnreachable(f"{base_url} answered {status} with something that is not "
                                "JSON: is it the faxgw daemon?") from None


def _failure(exc: urllib.error.HTTPError) -> ApiFailure:
    raw = exc.read()
    try:
        body = json.loads(raw)
        return ApiFailure(exc.code, str(body.get("code", "error")),
                          str(body.get("message", "")) or f"HTTP {exc.code}")
    except (ValueError, AttributeError):
        text = raw.decode("utf-8", "replace").strip()[:200]
        return ApiFailure(exc.code, "http_error", f"HTTP {exc.code} {exc.reason}" +
                          (f": {text}" if text else ""))


def _describe(reason: Any) -> str:
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused (is it running? `systemctl status faxgw`)"
    if isinstance(reason, (socket.timeout, TimeoutError)):
        return "no answer in time"
    if isinstance(reason, socket.gaierror):
        return f"unknown host ({reason.strerror})"
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror
    return str(reason)
