"""``faxgw modem doctor``: what a technician with a new modem needs to know, in one file.

Probes and identifies the modem (ATI, ATI3, +FMI?/+FMM?/+FMR?), matches a profile (or says
which comes closest and what differs), runs each offered class's commands that need no
call, measures the command round trip, and writes a transcript of every line exchanged. A
transcript is also a test fixture (``drivers/captures/``): ``TranscriptModem`` answers the
probe from it, through the same AT parser the live channel uses.
"""

from __future__ import annotations

import re
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

from faxgw.modem.at.channel import AtChannel
from faxgw.modem.at.errors import ATChannelError, ATError, ATTimeout
from faxgw.modem.at.results import Kind, classify, decode_line, line_text
from faxgw.modem.at.transaction import Reply
from faxgw.modem.probe import ModemInfo, closest_profiles, match_profile, probe
from faxgw.modem.profiles import Profile, find_profile, load_all

# A Class 1 host answers the far end's frames itself: T.30 leaves 75 +/- 20 ms between
# the end of a frame and the next signal, efax needs its reaction within 55 ms, and one
# frame costs several command round trips. A port whose round trip is above this (a
# networked serial port, a virtual COM port) is unfit for Class 1; Class 2.0 keeps T.30
# in the modem and tolerates it.
CLASS1_ROUND_TRIP_BUDGET_MS = 20.0
ROUND_TRIPS = 20
# Commands each class is asked without dialling: queries only, nothing that needs a line.
CLASS_COMMANDS = {
    "1": ("AT+FTM=?", "AT+FRM=?", "AT+FTH=?", "AT+FRH=?", "AT+FAR=?", "AT+FCL=?", "AT+FIT=?"),
    "2.0": ("AT+FCC=?", "AT+FIS?", "AT+FLI=?", "AT+FBO=?", "AT+FNR=?", "AT+FCQ=?", "AT+FPS=?"),
    "2": ("AT+FDCC=?", "AT+FDIS?", "AT+FLID=?", "AT+FBOR=?", "AT+FCQ=?", "AT+FPTS=?"),
}
CLASS_COMMANDS["1.0"] = CLASS_COMMANDS["1"]
TRANSCRIPT_FORMAT = "faxgw modem doctor transcript 1"


@dataclass
class Finding:
    command: str
    outcome: str  # the final result code, or "timeout"
    info: tuple[str, ...] = ()


@dataclass
class Examination:
    device: str
    info: ModemInfo | None = None
    profile: str | None = None
    matched_by: str | None = None
    why: list[str] = field(default_factory=list)
    findings: dict[str, list[Finding]] = field(default_factory=dict)  # class -> commands
    round_trips_ms: list[float] = field(default_factory=list)
    advice: list[str] = field(default_factory=list)
    log: list[tuple[float, str, str]] = field(default_factory=list)  # (s, what, text)

    @property
    def round_trip_median_ms(self) -> float | None:
        return statistics.median(self.round_trips_ms) if self.round_trips_ms else None


async def examine(device: str, dirs: list[Path], profile_name: str | None = None) -> Examination:
    exam = Examination(device)
    started = time.monotonic()

    def trace(what: str, text: str) -> None:
        exam.log.append((time.monotonic() - started, what, text))

    settings = find_profile(profile_name or "generic-class1", dirs).channel_settings()
    channel = await AtChannel.open(device, settings, trace)
    try:
        await channel.reset()
        exam.info = await probe(channel)
        _match(exam, exam.info, load_all(dirs), profile_name, dirs)
        for fclass in exam.info.classes:
            if fclass in CLASS_COMMANDS:
                exam.findings[fclass] = await _exercise(channel, fclass)
        await channel.command("AT+FCLASS=0")
        exam.round_trips_ms = await _round_trips(channel)
    except ATChannelError as exc:
        exam.advice.append(f"the modem stopped answering: {exc}")
    finally:
        await channel.close()
    _advise(exam)
    return exam


def _match(exam: Examination, info: ModemInfo, profiles: list[Profile],
           named: str | None, dirs: list[Path]) -> None:
    if named:
        exam.profile, exam.matched_by = named, "named"
        return
    profile, how = match_profile(info, profiles)
    exam.profile, exam.matched_by = profile.name, how
    if how == "identity":
        exam.why.append(f"its identity fits {profile.name}: {profile.description}")
        return
    exam.why.append(f"no profile names this modem; the generic {profile.name} drives it")
    for near, fitted, differs in closest_profiles(info, profiles)[:3]:
        if fitted:
            exam.why.append(f"closest: {near.name} ({fitted} field(s) fit; "
                            + "; ".join(differs) + ")")


async def _exercise(channel: AtChannel, fclass: str) -> list[Finding]:
    findings = [await _ask(channel, f"AT+FCLASS={fclass}")]
    if findings[0].outcome != "OK":
        return findings
    for command in CLASS_COMMANDS[fclass]:
        findings.append(await _ask(channel, command))
    return findings


async def _ask(channel: AtChannel, command: str) -> Finding:
    try:
        reply = await channel.command(command)
        return Finding(command, reply.result.text, reply.info)
    except ATError as exc:
        return Finding(command, exc.response, exc.info)
    except ATTimeout as exc:
        return Finding(command, "timeout", exc.info if hasattr(exc, "info") else ())


async def _round_trips(channel: AtChannel) -> list[float]:
    times = []
    for _ in range(ROUND_TRIPS):
        start = time.perf_counter()
        await channel.command("AT")
        times.append((time.perf_counter() - start) * 1000)
    return times


def _advise(exam: Examination) -> None:
    info = exam.info
    if info is None:
        return
    if not info.classes:
        exam.advice.append("the modem lists no fax class in AT+FCLASS=?: not a fax modem?")
    refused = [f"{c}: {f.command}" for c, fs in exam.findings.items() for f in fs
               if f.outcome != "OK"]
    if refused:
        exam.advice.append("refused without a call (may be fine): " + ", ".join(refused))
    median = exam.round_trip_median_ms
    if median is not None and median > CLASS1_ROUND_TRIP_BUDGET_MS and info.has_class1:
        exam.advice.append(
            f"command round trip {median:.1f} ms is above the {CLASS1_ROUND_TRIP_BUDGET_MS:.0f} ms "
            "a Class 1 host can afford within T.30's timing (a networked or virtual serial "
            "port?): use Class 2.0 on this port if the modem offers it, or a local port")


# --- the transcript --------------------------------------------------------------------------

def transcript(exam: Examination) -> str:
    info, out = exam.info, [f"# {TRANSCRIPT_FORMAT}", f"device: {exam.device}"]
    if info is not None:
        out += [f"ati: {list(info.ati)}", f"ati3: {info.ati3!r}",
                f"manufacturer: {info.manufacturer!r}", f"model: {info.model!r}",
                f"revision: {info.revision!r}", f"classes: {list(info.classes)}"]
    out += [f"profile: {exam.profile}", f"matched_by: {exam.matched_by}"]
    out += [f"why: {line}" for line in exam.why]
    for fclass, findings in exam.findings.items():
        for f in findings:
            out.append(f"class {fclass}: {f.command} -> {f.outcome} {list(f.info)}")
    if exam.round_trips_ms:
        out.append(f"round_trip_ms: median {exam.round_trip_median_ms:.2f}, "
                   f"max {max(exam.round_trips_ms):.2f} over {len(exam.round_trips_ms)}")
    out += [f"advice: {line}" for line in exam.advice]
    out.append("## exchange (seconds, direction, line)")
    out += [f"{at:9.4f} {what:5} {text!r}" for at, what, text in exam.log]
    return "\n".join(out) + "\n"


_LOG_LINE = re.compile(r"^\s*(?P<at>[0-9.]+) (?P<what>\S+)\s+(?P<text>'.*'|\".*\")$")


def exchanges(text: str) -> list[tuple[str, list[str]]]:
    """(command, the modem's lines up to its final result) for each command of a
    transcript, in order; echo and notes left out."""
    import ast

    if not text.startswith(f"# {TRANSCRIPT_FORMAT}"):
        raise ValueError("not a faxgw modem doctor transcript")
    body = text.split("## exchange", 1)[1].splitlines()[1:]
    out: list[tuple[str, list[str]]] = []
    for line in body:
        m = _LOG_LINE.match(line)
        if m is None:
            raise ValueError(f"unreadable transcript line: {line!r}")
        what, said = m["what"], ast.literal_eval(m["text"])
        if what == "at>":
            out.append((said, []))
        elif what in ("at<", "stale") and out:
            out[-1][1].append(said)
    return out


class TranscriptModem:
    """Answers ``probe`` from a transcript: each command gets the bytes the modem sent,
    split and classified by the AT parser (``decode_line``, ``classify``) as live."""

    def __init__(self, text: str, port: str = "transcript") -> None:
        self.port = port
        self._answers = exchanges(text)

    async def command(self, command: str, **_: object) -> Reply:
        index = next((i for i, (c, _) in enumerate(self._answers) if c == command), None)
        if index is None:
            raise LookupError(f"the transcript never sends {command!r}")
        _, lines = self._answers.pop(index)
        wire = b"".join(b"\r\n" + line.encode("latin-1") + b"\r\n" for line in lines)
        info: list[str] = []
        while wire:
            used, raw = decode_line(wire)
            wire = wire[used:]
            if raw is None:
                break
            text = line_text(raw)
            if not text:
                continue
            result = classify(text)
            if result.final:
                if result.kind is not Kind.OK:
                    raise ATError(command, result.text, tuple(info))
                return Reply(command, result, tuple(info))
            info.append(text)
        raise ValueError(f"{command!r}: the transcript has no final result for it")
