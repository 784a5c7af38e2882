"""What faxgw learned about each number it called (HylaFAX keeps the same in its
``info/`` files): the far machine's CSI, NSF and DIS, the last rate and coding that
worked, the trouble seen, and the values an admin locked. Table: migration 0012_learn;
SQL: destinations.sql. Numbers are keys as ``destination_key`` makes them (digits).

How a call's result changes a record is the scheduler's policy (faxgw/scheduler/
learning.py); here it is only read and written, one row per statement.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Mapping

from faxgw.store.db import Database, load_queries
from faxgw.store.rows import iso, now_ms


Q = load_queries("destinations.sql")


@dataclass(frozen=True)
class Destination:
    number: str  # digits only
    remote_csi: str | None = None
    remote_nsf: str | None = None  # hex
    remote_vendor: str | None = None
    remote_capabilities: tuple[str, ...] = ()
    last_bit_rate: int | None = None
    last_coding: str | None = None
    last_ecm: bool | None = None
    start_bit_rate: int | None = None  # None: train first at the top speed
    ecm: bool = True
    pinned_csi: str | None = None
    locked: bool = False
    calls: int = 0
    successes: int = 0
    tcf_failures: int = 0
    last_tcf_failure_ms: int | None = None
    v17_failures: int = 0
    last_v17_failure_ms: int | None = None
    ecm_failures: int = 0
    last_ecm_failure_ms: int | None = None
    last_call_ms: int | None = None
    last_success_ms: int | None = None
    updated_ms: int = field(default=0, compare=False)

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> "Destination":
        values = {f.name: row[f.name] for f in fields(cls)}
        values["remote_capabilities"] = tuple(json.loads(row["remote_capabilities"]))
        values["ecm"], values["locked"] = bool(row["ecm"]), bool(row["locked"])
        values["last_ecm"] = None if row["last_ecm"] is None else bool(row["last_ecm"])
        return cls(**values)

    def params(self) -> dict[str, Any]:
        values = asdict(self)
        values["remote_capabilities"] = json.dumps(list(self.remote_capabilities))
        values["ecm"], values["locked"] = int(self.ecm), int(self.locked)
        values["last_ecm"] = None if self.last_ecm is None else int(self.last_ecm)
        return values


def destination_key(number: str, country_code: str = "", national_prefix: str = "") -> str:
    """A number as destinations are keyed: its digits, in E.164 form (without the ``+``)
    when it is written nationally and the dial plan knows our country code, so that
    "+49 30 1234" and national "030 1234" (country code 49, national prefix 0) are one."""
    digits = "".join(c for c in number if c.isdigit())
    if number.strip().startswith("+") or not country_code:
        return digits
    if national_prefix and digits.startswith(national_prefix):
        digits = digits[len(national_prefix):]
    return country_code + digits


def destination_object(d: Destination) -> dict[str, Any]:
    """The API's JSON for one destination."""
    return {
        "number": d.number,
        "remote": {"csi": d.remote_csi, "nsf": d.remote_nsf, "vendor": d.remote_vendor,
                   "capabilities": list(d.remote_capabilities)},
        "lastWorked": {"bitRate": d.last_bit_rate, "coding": d.last_coding,
                       "ecm": d.last_ecm},
        "next": {"startBitRate": d.start_bit_rate, "ecm": d.ecm, "pinnedCsi": d.pinned_csi},
        "locked": d.locked,
        "calls": d.calls, "successes": d.successes,
        "trouble": {
            "tcf": {"count": d.tcf_failures, "lastOn": iso(d.last_tcf_failure_ms)},
            "v17": {"count": d.v17_failures, "lastOn": iso(d.last_v17_failure_ms)},
            "ecm": {"count": d.ecm_failures, "lastOn": iso(d.last_ecm_failure_ms)},
        },
        "lastCallOn": iso(d.last_call_ms), "lastSuccessOn": iso(d.last_success_ms),
        "updatedOn": iso(d.updated_ms),
    }


class DestinationStore:
    db: Database

    async def destination(self, number: str) -> Destination | None:
        row = await self.db.fetchone(Q["destination_get"], {"number": number})
        return Destination.from_row(row) if row else None

    async def destinations(self, after: str = "", limit: int = 100) -> list[Destination]:
        rows = await self.db.fetchall(Q["destination_list"], {"after": after, "limit": limit})
        return [Destination.from_row(r) for r in rows]

    async def save_destination(self, destination: Destination) -> Destination:
        values = {**destination.params(), "updated_ms": now_ms()}
        async with self.db.write() as conn:
            await conn.execute(Q["destination_upsert"], values)
        return Destination(**{**asdict(destination), "updated_ms": values["updated_ms"],
                              "remote_capabilities": destination.remote_capabilities})
