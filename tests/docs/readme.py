"""The README's examples, parsed out of README.md: its TOML snippets, its curl lines (one
command each, continuation lines joined) and the answers shown under them, and the table of
document refusal codes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def text() -> str:
    return README.read_text()


def section(title: str) -> str:
    """The text of the ``## title`` section, up to the next ``## ``."""
    body = text()
    start = body.index(f"\n## {title}\n")
    end = body.find("\n## ", start + 1)
    return body[start:end if end != -1 else None]


def toml_blocks(source: str | None = None) -> list[str]:
    return re.findall(r"^```toml\n(.*?)^```", source or text(), re.M | re.S)


def indented_blocks(source: str) -> list[list[str]]:
    """Each block of lines indented by four spaces (a Markdown code block)."""
    blocks, current = [], []
    for line in source.splitlines():
        if line.startswith("    "):
            current.append(line[4:])
        elif line.strip() == "" and current:
            current.append("")
        else:
            if current:
                blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return [[line for line in b if line] for b in blocks]


@dataclass
class Example:
    command: str         # one shell command line (continuations joined)
    answer: str = ""     # the "# ..." comment(s) after it or at its end: what it prints


def commands(block: list[str]) -> list[Example]:
    examples: list[Example] = []
    pending = ""
    for line in block:
        if line.lstrip().startswith("#"):
            if examples:
                examples[-1].answer += line.lstrip()[1:].strip() + " "
            continue
        pending += line.rstrip()
        if pending.endswith("\\"):
            pending = pending[:-1] + " "
            continue
        command, _, comment = pending.partition("  # ")
        examples.append(Example(" ".join(command.split()), comment.strip()))
        pending = ""
    return examples


def refusal_codes() -> dict[str, int]:
    """The documents section's table: code -> HTTP status."""
    rows = re.findall(r"^\| ([a-z0-9_]+) \| (\d{3}) \|", text(), re.M)
    return {code: int(status) for code, status in rows}
