"""What a newcomer gets wrong with curl and the API, answered with an error that says how
to do it right, and nothing written."""

from __future__ import annotations

import asyncio
import json

from .test_bad_input import snapshot


async def curl(*args: str) -> tuple[int, dict]:
    proc = await asyncio.create_subprocess_exec(
        "curl", "-s", "-w", "\n%{http_code}", *args, stdout=asyncio.subprocess.PIPE)
    out, _ = await proc.communicate()
    body, _, status = out.decode().rpartition("\n")
    return int(status), json.loads(body)


async def test_a_document_field_without_the_at_sign_is_refused_with_the_hint(tenant, daemon, tmp_path):
    client = await tenant()
    (tmp_path / "referral.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    before = snapshot(daemon)
    status, body = await curl("-H", f"Authorization: Bearer {client.key}",
                              "-F", "phoneNumber=+15550100", "-F", "document=referral.pdf",
                              f"{daemon.url}/fax")
    assert status == 400, body
    assert body["code"] == "document_not_a_file" and "document=@referral.pdf" in body["message"]
    assert snapshot(daemon) == before


async def test_text_sent_as_a_file_part_is_still_a_document(tenant, tmp_path, daemon):
    client = await tenant()
    (tmp_path / "note.txt").write_text("Please call back.\n")
    status, body = await curl("-H", f"Authorization: Bearer {client.key}",
                              "-F", "phoneNumber=+15550100",
                              "-F", f"document=@{tmp_path / 'note.txt'};type=text/plain",
                              f"{daemon.url}/fax")
    assert status == 201 and body["pageCount"] == 1, body


async def test_paging_with_the_answers_name_says_which_name_the_request_takes(tenant):
    client = await tenant()
    status, body = await client.search(faxSentDate="2026-01-01", nextCursor="abc")
    assert status == 400 and body["code"] == "unknown_field", body
    assert "'cursor'" in body["message"] and "nextCursor" in body["message"], body
