"""Webhook signatures: ``Faxgw-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>]``.

Scheme (the same shape as Stripe's and Standard Webhooks'):

- ``t`` is the time of this delivery attempt in whole Unix seconds.
- each ``v1`` is ``hex(HMAC-SHA256(key=secret, msg=f"{t}." + raw_body))``, where the key
  is the endpoint's signing secret as UTF-8 bytes, exactly as the API returned it.
- while a rotated secret is in its grace period the old and the new secret both sign, so
  the header carries two ``v1`` values; a receiver holding either secret verifies.

A receiver checks (this module's :func:`verify` is the reference implementation):

1. the header parses and carries a ``t`` and at least one ``v1``;
2. ``t`` lies within ``tolerance_s`` of its own clock (both directions), which bounds how
   long a captured request can be replayed;
3. some ``v1`` equals the HMAC it computes with one of its secrets, compared in constant
   time (``hmac.compare_digest``).

Inside the tolerance a replayed request is indistinguishable from a redelivery, which
at-least-once delivery produces anyway: the receiver drops both by the event ``id``.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Iterable, Sequence

HEADER = "Faxgw-Signature"
SCHEME = "v1"
DEFAULT_TOLERANCE_S = 300


class SignatureError(ValueError):
    """The signature header does not prove the body came from faxgw just now."""


class MalformedSignature(SignatureError):
    pass


class StaleSignature(SignatureError):
    pass


class SignatureMismatch(SignatureError):
    pass


def compute(secret: str, timestamp: int, body: bytes) -> str:
    signed = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()


def sign(body: bytes, secrets: Sequence[str], timestamp: int | None = None) -> str:
    """The header value for ``body``; one ``v1`` per secret (current first)."""
    if not secrets:
        raise ValueError("at least one secret is needed to sign")
    t = int(time.time()) if timestamp is None else int(timestamp)
    parts = [f"t={t}"] + [f"{SCHEME}={compute(s, t, body)}" for s in secrets]
    return ",".join(parts)


def parse(header: str) -> tuple[int, list[str]]:
    """``(timestamp, [v1 signatures])``; unknown schemes are ignored for forward compatibility."""
    timestamp: int | None = None
    signatures: list[str] = []
    for item in header.split(","):
        key, sep, value = item.strip().partition("=")
        if not sep:
            raise MalformedSignature(f"element without '=': {item!r}")
        if key == "t":
            if timestamp is not None or not value.isdigit():
                raise MalformedSignature("exactly one numeric t= is required")
            timestamp = int(value)
        elif key == SCHEME:
            signatures.append(value)
    if timestamp is None:
        raise MalformedSignature("no t= element")
    if not signatures:
        raise MalformedSignature(f"no {SCHEME}= element")
    return timestamp, signatures


def verify(
    body: bytes,
    header: str,
    secrets: Iterable[str],
    tolerance_s: float = DEFAULT_TOLERANCE_S,
    now: float | None = None,
) -> int:
    """Return the signed timestamp if ``header`` proves ``body``; raise SignatureError otherwise."""
    timestamp, signatures = parse(header)
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance_s:
        raise StaleSignature(f"timestamp {timestamp} is outside {tolerance_s}s of {int(current)}")
    # Bytes, not str: compare_digest refuses non-ASCII str, and a header is attacker input.
    candidates = [c.encode("utf-8", "replace") for c in signatures]
    for secret in secrets:
        expected = compute(secret, timestamp, body).encode("ascii")
        # compare_digest's time does not depend on where the strings first differ, so
        # probing a byte at a time learns nothing.
        if any(hmac.compare_digest(expected, candidate) for candidate in candidates):
            return timestamp
    raise SignatureMismatch("no signature matches any known secret")
