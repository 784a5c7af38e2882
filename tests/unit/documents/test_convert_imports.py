"""`faxgw convert` imports what it needs when it needs it: the parser alone loads none of
the pipeline's libraries, and a conversion never loads the daemon's process pool."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
HEAVY = ("numba", "numpy", "pypdfium2", "reportlab", "faxgw.documents.pipeline", "faxgw.g3")
DAEMON_ONLY = ("faxgw.documents.renderer", "faxgw.documents.pool", "multiprocessing.pool")


def _modules_after(argv: list[str], cwd: Path) -> set[str]:
    script = ("import json, sys\nfrom faxgw.cli import main\n"
              "try:\n    main(%r)\nexcept SystemExit:\n    pass\n"
              "print(json.dumps(sorted(sys.modules)), file=sys.stderr)\n") % (argv,)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=cwd, timeout=120, env={"PYTHONPATH": f"{ROOT}:{ROOT / 'hw-sim'}",
                                                     "PATH": "/usr/bin:/bin"})
    return set(json.loads(done.stderr.strip().splitlines()[-1]))


def test_the_parser_alone_loads_no_heavy_library(tmp_path):
    loaded = _modules_after(["convert", "--help"], tmp_path)
    assert not {m for m in loaded if m.split(".")[0] in HEAVY or m in HEAVY}, sorted(
        m for m in loaded if m.split(".")[0] in HEAVY or m in HEAVY)


def test_a_conversion_loads_no_process_pool(tmp_path):
    (tmp_path / "note.txt").write_text("hello\n")
    loaded = _modules_after(["convert", str(tmp_path / "note.txt"), "-o", str(tmp_path / "o.tif")],
                            tmp_path)
    assert (tmp_path / "o.tif").exists()
    assert not set(DAEMON_ONLY) & loaded, set(DAEMON_ONLY) & loaded
