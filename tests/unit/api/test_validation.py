"""Batched submit-time validation (api/validation.py) on the real process pool."""

from __future__ import annotations

import asyncio

from faxgw.api.validation import BatchedValidation
from faxgw.documents import DocumentError
from faxgw.documents.service import FaxDocuments

PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
       b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
DAMAGED = b"%PDF-1.4\n%%EOF\n"


async def test_concurrent_faxes_share_pool_tasks_and_keep_their_own_results(tmp_path):
    documents = FaxDocuments(workers=1)
    tasks = []
    real_run = documents.renderer.pool.run

    async def counted(fn, *args):  # the real pool runs every task; we only count them
        tasks.append(fn.__name__)
        return await real_run(fn, *args)

    documents.renderer.pool.run = counted
    try:
        faxes = []
        for i in range(24):
            path = tmp_path / f"{i}.pdf"
            path.write_bytes(DAMAGED if i % 6 == 5 else PDF)
            faxes.append([path, path] if i % 6 == 3 else [path])
        validation = BatchedValidation(documents)
        results = await asyncio.gather(*(validation.validate(f) for f in faxes), return_exceptions=True)
        for fax, result in zip(faxes, results):
            if fax[0].read_bytes() == DAMAGED:
                assert isinstance(result, DocumentError) and result.document == 0, result
            else:
                assert [info.page_count for info in result] == [1] * len(fax), result
        # 24 faxes at once through one pool worker: the first goes alone, the 23 that queued
        # meanwhile go in one batch. The damaged ones fail in it without failing the others.
        assert tasks == ["inspect_files", "inspect_batch"], tasks
    finally:
        await documents.close()
