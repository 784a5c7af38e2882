"""The state directory of the real daemon started with umask 022 (outside systemd): nothing
in it is readable by another local user."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import aiohttp

from tests.integration.api.conftest import PDF, Daemon


def _modes(root: Path) -> dict[str, int]:
    found = {".": stat.S_IMODE(root.stat().st_mode)}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(folder) / name
            found[str(path.relative_to(root))] = stat.S_IMODE(path.lstat().st_mode)
    return found


async def test_files_and_folders_are_private_whatever_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        # An existing state directory made world-readable (by an older version, or by hand).
        (tmp_path / "state").mkdir(mode=0o755)
        daemon = Daemon(tmp_path).start()
    finally:
        os.umask(old)
    try:
        from faxgw.store import Store
        store = await Store.open(daemon.state_dir)
        try:
            _, key = await store.create_tenant("modes")
        finally:
            await store.close()
        async with aiohttp.ClientSession() as http:
            form = aiohttp.FormData()
            form.add_field("phoneNumber", "+15551234567")
            form.add_field("document", PDF, filename="a.pdf", content_type="application/pdf")
            async with http.post(daemon.url + "/fax", data=form,
                                 headers={"Authorization": f"Bearer {key}"}) as r:
                assert r.status == 201, await r.text()
        modes = _modes(daemon.state_dir)
    finally:
        daemon.stop()
    assert any(name.startswith("faxes/") and "." in name for name in modes), modes  # a document
    assert "faxgw.sqlite3" in modes and "faxgw.sqlite3-wal" in modes, modes
    public = {name: oct(mode) for name, mode in modes.items() if mode & 0o077}
    assert public == {}, public
