"""Why faxgw.service may set MemoryDenyWriteExecute=yes, and what would break it.

systemd implements the directive with a seccomp filter (or, on kernels >= 6.3, the
kernel's own PR_SET_MDWE): no memory may become writable and executable. A JIT needs
exactly that. These tests run the real code under PR_SET_MDWE in a child process.
"""
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
UNIT = REPO / "systemd" / "faxgw.service"

# Apply the kernel's MDWE to this process (irreversible), then run the payload.
PRELUDE = textwrap.dedent("""
    import ctypes, sys
    PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN = 65, 1
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN, 0, 0, 0) != 0:
        print("NO_MDWE", ctypes.get_errno()); sys.exit(77)
""")

# What the daemon really does at run time: asyncio + aiohttp, SQLite, numpy, a PDF drawn
# with reportlab and rendered by pdfium through Pillow, and a ctypes callback (libffi).
DAEMON_STACK = textwrap.dedent("""
    import asyncio, ctypes, io, sqlite3
    import aiohttp, numpy, pypdfium2, serial_asyncio
    from PIL import Image
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(100, 700, "faxgw under MemoryDenyWriteExecute")
    page.save()
    bitmap = pypdfium2.PdfDocument(buffer.getvalue())[0].render(scale=0.5).to_pil()
    assert numpy.asarray(bitmap.convert("L")).min() < 128, "text was drawn"

    db = sqlite3.connect(":memory:")
    assert db.execute("select 1").fetchone() == (1,)
    add_one = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int)(lambda x: x + 1)
    assert add_one(41) == 42

    async def serve_once():
        from aiohttp import web
        app = web.Application()
        app.router.add_get("/", lambda request: web.Response(text="ok"))
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        async with aiohttp.ClientSession() as client:
            async with client.get(f"http://127.0.0.1:{port}/") as answer:
                assert await answer.text() == "ok"
        await runner.cleanup()
    asyncio.run(serve_once())
    print("STACK_OK")
""")

NUMBA_JIT = textwrap.dedent("""
    try:  # numba builds its JIT engine, and checks it can run code, at import
        import numba
        numba.njit(lambda x: x + 1)(1)
    except OSError as error:
        print("JIT_REFUSED", error)
    else:
        print("JIT_RAN")
""")


def run_under_mdwe(payload: str) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-c", PRELUDE + payload],
                          capture_output=True, text=True, timeout=90)
    if done.returncode == 77:
        pytest.skip("this kernel has no PR_SET_MDWE (needs Linux >= 6.3)")
    return done


def unit_sets_mdwe() -> bool:
    return bool(re.search(r"^MemoryDenyWriteExecute=yes$", UNIT.read_text(), re.M))


def test_daemon_stack_runs_under_mdwe():
    done = run_under_mdwe(DAEMON_STACK)
    assert done.returncode == 0 and "STACK_OK" in done.stdout, done.stderr


def test_a_jit_is_refused_under_mdwe():
    """The premise of the guard below: numba, if installed, cannot JIT under MDWE."""
    pytest.importorskip("numba")
    done = run_under_mdwe(NUMBA_JIT)
    assert "JIT_REFUSED" in done.stdout, done.stdout + done.stderr


def test_faxgw_does_not_jit_while_the_unit_forbids_it():
    """If faxgw starts using numba/llvmlite, the unit must drop MemoryDenyWriteExecute."""
    if not unit_sets_mdwe():
        return
    jit_import = re.compile(r"^\s*(import|from)\s+(numba|llvmlite)\b", re.M)
    offenders = [str(path.relative_to(REPO)) for path in (REPO / "faxgw").rglob("*.py")
                 if jit_import.search(path.read_text(encoding="utf-8"))]
    assert not offenders, (
        f"{offenders} import a JIT, which dies under MemoryDenyWriteExecute=yes in "
        "systemd/faxgw.service: turn it off there (with a comment saying why) or drop the JIT")
