"""The real daemon on a small tmpfs that fills up: writes are refused with 507 (free space
and reserve) before the disk is full and when an upload hits its end, /health and /metrics
say so, nothing is half written, and all works again once space is freed."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess

import aiohttp
import pytest

from faxgw.api import disk_space
from faxgw.store import Store
from tests.integration.api.conftest import PDF, Daemon

TMPFS_BYTES = 16 * 1024 * 1024
RESERVE_BYTES = 2 * 1024 * 1024


@pytest.fixture
def small_disk(tmp_path):
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.fail("needs root to mount a tmpfs (the test box runs as root)")
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={TMPFS_BYTES}", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(path, leave_bytes: int) -> None:
    """Write a filler file until about `leave_bytes` are free."""
    info = os.statvfs(path.parent)
    free = info.f_bavail * info.f_frsize
    with open(path, "ab") as fh:
        fh.write(b"\0" * max(0, free - leave_bytes))


async def _past_the_space_cache() -> None:
    """The API looks at the disk at most once per CACHE_S: wait until its next look sees
    what the test just changed."""
    await asyncio.sleep(disk_space.CACHE_S + 0.2)


def free_bytes(path) -> int:
    info = os.statvfs(path)
    return info.f_bavail * info.f_frsize


async def _send(http, url, key, doc=PDF) -> tuple[int, dict]:
    form = aiohttp.FormData()
    form.add_field("phoneNumber", "+15551234567")
    form.add_field("document", doc, filename="a.pdf", content_type="application/pdf")
    async with http.post(url + "/fax", data=form, headers={"Authorization": f"Bearer {key}"}) as r:
        return r.status, await r.json()


async def test_a_full_disk_gets_507_health_degraded_and_recovers(small_disk, tmp_path, capsys):
    # The helper's extra text follows its [storage] state_dir line: the reserve joins that table.
    daemon = Daemon(small_disk, f"reserve_bytes = {RESERVE_BYTES}\n[server]\nmetrics_public = true\n")
    daemon.config.write_text(daemon.config.read_text().replace(
        '[server]\nlisten = "127.0.0.1:0"\n', "").replace("[server]\n", '[server]\nlisten = "127.0.0.1:0"\n'))
    daemon.start()
    filler = small_disk / "filler"
    numbers = {}
    try:
        store = await Store.open(daemon.state_dir)
        try:
            _, key = await store.create_tenant("full")
        finally:
            await store.close()
        async with aiohttp.ClientSession() as http:
            assert (await _send(http, daemon.url, key))[0] == 201

            # Below the reserve: refused before the disk is full.
            fill(filler, RESERVE_BYTES // 2)
            await _past_the_space_cache()
            numbers["free below reserve"] = free_bytes(small_disk)
            status, body = await _send(http, daemon.url, key)
            assert (status, body["code"]) == (507, "insufficient_storage"), body
            assert body["reserveBytes"] == RESERVE_BYTES and 0 <= body["freeBytes"] < RESERVE_BYTES
            async with http.get(daemon.url + "/health") as r:
                health = await r.json()
                assert r.status == 503 and health["degraded"] is True, health
                assert "reserve" in health["reason"]
            async with http.get(daemon.url + "/metrics") as r:
                text = await r.text()
            assert "faxgw_storage_low 1" in text and f"faxgw_storage_reserve_bytes {RESERVE_BYTES}" in text
            # Reads still work.
            async with http.post(daemon.url + "/fax/search", json={"faxSentDate": "2026-01-01"},
                                 headers={"Authorization": f"Bearer {key}"}) as r:
                assert r.status == 200

            # Above the reserve, but an upload bigger than what is left: the disk's end.
            os.truncate(filler, os.path.getsize(filler) - 2 * RESERVE_BYTES)
            await _past_the_space_cache()
            numbers["free before the big upload"] = free_bytes(small_disk)
            big = PDF + b"%" + b"x" * (free_bytes(small_disk) + 1024 * 1024)
            status, body = await _send(http, daemon.url, key, big)
            assert (status, body["code"]) == (507, "insufficient_storage"), body
            assert os.listdir(daemon.state_dir / "tmp") == []  # the partial upload is gone

            # Space again: accepted.
            filler.unlink()
            await _past_the_space_cache()
            numbers["free after freeing"] = free_bytes(small_disk)
            import asyncio
            await asyncio.sleep(1.1)  # the free-space look is cached for a second
            assert (await _send(http, daemon.url, key))[0] == 201
            async with http.get(daemon.url + "/health") as r:
                assert (await r.json())["degraded"] is False
    finally:
        daemon.stop()
        shutil.rmtree(daemon.state_dir, ignore_errors=True)
    log = (small_disk / "daemon.stderr").read_text()
    assert "Traceback" not in log, log[-3000:]
    with capsys.disabled():
        print(f"\n[tmpfs {TMPFS_BYTES} bytes, reserve {RESERVE_BYTES}] " +
              ", ".join(f"{k}: {v}" for k, v in numbers.items()))
