"""The real daemon at logging.level = "DEBUG": its log shows no signing secret, no API key
and no patient metadata."""

from __future__ import annotations

import asyncio
import json
import re

import aiohttp

from faxgw.store import Store
from tests.integration.api.conftest import PDF, Daemon

PATIENT = "Jane Roe MRN 4711-0815"


async def test_debug_logging_shows_no_secrets_and_no_metadata(tmp_path):
    daemon = Daemon(tmp_path, '[logging]\nlevel = "DEBUG"\nformat = "json"\n').start()
    try:
        store = await Store.open(daemon.state_dir)
        try:
            _, key = await store.create_tenant("private")
        finally:
            await store.close()
        auth = {"Authorization": f"Bearer {key}"}
        async with aiohttp.ClientSession() as http:
            async with http.post(daemon.url + "/fax/webhook/endpoints", headers=auth,
                                 json={"url": "http://192.0.2.250:9/hook"}) as r:
                endpoint = await r.json()
                assert r.status == 201, endpoint
            async with http.post(f"{daemon.url}/fax/webhook/endpoints/{endpoint['endpointId']}/rotate-secret",
                                 headers=auth) as r:
                rotated = await r.json()
                assert r.status == 200, rotated
            form = aiohttp.FormData()
            form.add_field("phoneNumber", "+15551234567")
            form.add_field("metadata", json.dumps({"patient": PATIENT}))
            form.add_field("document", PDF, filename="a.pdf", content_type="application/pdf")
            async with http.post(daemon.url + "/fax", data=form, headers=auth) as r:
                assert r.status == 201, await r.text()
            async with http.get(daemon.url + "/fax/search?x=1", headers=auth) as r:
                pass
            await asyncio.sleep(1.5)  # the webhook worker claims and tries the event
    finally:
        daemon.stop()
    log = (tmp_path / "daemon.stderr").read_text()
    assert '"level": "DEBUG"' in log  # DEBUG was on: the test proves something
    for secret in (endpoint["secret"], rotated["secret"], key):
        assert secret not in log
    assert PATIENT not in log
    assert not re.search(r"whsec_(?!\[redacted\])", log)
