"""The layer rules hold: every contract in .importlinter is kept (lint-imports), and the
layer picture has no import that runs up the layers."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_import_contract_is_kept():
    # The console script installed beside this interpreter (the test extra brings it).
    lint_imports = Path(sys.executable).with_name("lint-imports")
    assert lint_imports.exists(), f"{lint_imports} is missing: pip install -e '.[test]'"
    # This checkout's packages, not those an editable install of another one points at.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "hw-sim")])}
    run = subprocess.run([str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True,
                         text=True, timeout=300, env=env)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "0 broken" in run.stdout


def test_no_import_runs_up_the_layers():
    run = subprocess.run([sys.executable, str(ROOT / "tests/architecture/measure_layers.py"),
                          str(ROOT)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "upward imports: 0" in run.stdout, run.stdout
    assert "module-level import cycles: 0" in run.stdout, run.stdout
