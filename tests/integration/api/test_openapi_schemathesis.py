"""schemathesis generates requests from our /openapi.json and checks every answer against it.

Run as its CLI in a subprocess against the real daemon (schemathesis 4 has no stable pytest
plugin API for a server in another process). Bounded: a fixed seed and a few examples per
operation, so it stays well under a minute on 2 cores.

One check is left out: positive_data_acceptance ("a schema-valid request must get 2xx"). The
schema cannot say what makes some schema-valid requests wrong, and they are rightly refused:
document bytes that are no PDF/TIFF/PNG/... (415), a `cursor` that is no earlier nextCursor,
a date like 2024-02-30 that passes `format: date` generation in some strategies. Every other
check runs, including negative_data_rejection (schema-invalid requests must be refused).
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest


@pytest.mark.timeout(170)
async def test_schemathesis_finds_no_5xx_and_no_schema_breaking_answer(daemon, tenant, tmp_path):
    client = await tenant("schemathesis")
    # Something to find: a fax the stateful phase and the faxId operations can reach.
    await client.send()
    # The interpreter running the tests, so the schemathesis of this environment.
    result = subprocess.run(
        [sys.executable, "-m", "schemathesis.cli", "run", f"{daemon.url}/openapi.json",
               "-H", f"Authorization: Bearer {client.key}",
               "--checks", "all", "--exclude-checks", "positive_data_acceptance",
               "--max-examples", "12", "--seed", "20261127", "--workers", "2",
               "--generation-database", "none", "--no-color",
               "--report", "junit", "--report-dir", str(tmp_path)],
        capture_output=True, text=True, timeout=160, cwd=tmp_path)
    tail = result.stdout[-6000:]
    assert result.returncode == 0, tail
    # Every operation of the document was exercised.
    selected = re.search(r"Selected: (\d+)/(\d+)", result.stdout)
    tested = re.search(r"Tested: (\d+)", result.stdout)
    assert selected and tested and selected.group(1) == selected.group(2) == tested.group(1), tail
