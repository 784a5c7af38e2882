"""API keys: `faxgw tenant key create/list/revoke/rotate` against a running daemon.

The commands run as their own processes on the daemon's SQLite file, as an administrator
would run them; the daemon must refuse a revoked key from the very next request.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from faxgw.store.tenants import key_id

ROOT = Path(__file__).parents[3]


def key_cmd(daemon, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "faxgw", "tenant", "key", *args, "--config", str(daemon.config)],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)


async def status_with(client, key: str) -> int:
    async with client.http.get(f"{client.url}/fax/webhook/endpoints",
                               headers={"Authorization": f"Bearer {key}"}) as r:
        return r.status


async def test_revoke_and_rotate_take_effect_at_once(tenant, daemon, store):
    client = await tenant("keys-clinic")
    first = client.key
    for _ in range(3):  # used, so that any per-process memory of it would be warm
        assert await status_with(client, first) == 200

    second_key = await store.add_api_key(client.tenant_id)  # what `faxgw tenant key create` runs
    second = {"apiKey": second_key, "keyId": key_id(second_key)}
    assert await status_with(client, second_key) == 200

    revoked = key_cmd(daemon, "revoke", first)  # by the key itself
    assert revoked.returncode == 0, revoked.stderr
    assert json.loads(revoked.stdout)["revokedOn"] is not None
    assert await status_with(client, first) == 401
    assert await status_with(client, second["apiKey"]) == 200

    rotated = key_cmd(daemon, "rotate", client.tenant_id, "--grace-seconds", "3600")
    assert rotated.returncode == 0, rotated.stderr
    third = json.loads(rotated.stdout)
    # In its grace period the old key still works, next to the new one.
    assert await status_with(client, second["apiKey"]) == 200
    assert await status_with(client, third["apiKey"]) == 200

    listed = key_cmd(daemon, "list", "keys-clinic")  # by name
    assert listed.returncode == 0 and "fgw_" not in listed.stdout  # ids only, never keys
    by_id = {k["keyId"]: k for k in json.loads(listed.stdout)}
    assert set(by_id) == {second["keyId"], third["keyId"]} | {k for k in by_id if by_id[k]["revokedOn"]}
    assert len(by_id) == 3 and by_id[third["keyId"]]["revokedOn"] is None
    assert by_id[second["keyId"]]["revokedOn"] == third["oldKeysRevokedOn"] > by_id[second["keyId"]]["createdOn"]

    # Revoking a key in its grace period ends it now (the store's side is in tests/unit/store).
    await store.revoke_api_key(second["keyId"])
    assert await status_with(client, second["apiKey"]) == 401
    assert await status_with(client, third["apiKey"]) == 200
