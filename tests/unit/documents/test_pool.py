"""The process pool: the event loop stays free, and a crash or hang costs one document."""

import asyncio
import time

import numpy as np
import pytest

from faxgw.documents import DocumentError, ErrorCode, HeaderLine, Renderer, RenderOptions, render_all
from faxgw.documents.pool import RenderPool
from tests.unit.documents import corpus, crashers


@pytest.fixture(scope="module")
def renderer():
    renderer = Renderer(workers=2)
    renderer.warm_up()
    yield renderer
    renderer.close()


async def test_pool_renders_the_same_pages_as_in_process(renderer):
    documents = [corpus.text_pdf(5), b"some text\n", corpus.fax_tiff(1)[0]]
    options = RenderOptions(header=HeaderLine(sender_name="ACME", timestamp=corpus_time()))
    pooled = await renderer.render(documents, options)
    local = render_all(documents, options)
    assert [p.number for p in pooled] == list(range(1, 8))
    assert [(p.document, p.source_page) for p in pooled] == [(p.document, p.source_page) for p in local]
    for a, b in zip(pooled, local):
        assert np.array_equal(np.asarray(a.image), np.asarray(b.image))


def corpus_time():
    import datetime as dt

    return dt.datetime(2026, 11, 27, 1, 2, tzinfo=dt.timezone.utc)


async def test_a_bad_document_is_refused_with_its_index(renderer):
    with pytest.raises(DocumentError) as caught:
        await renderer.render([corpus.text_pdf(1), corpus.zero_page_pdf()])
    assert caught.value.code is ErrorCode.NO_PAGES and caught.value.document == 1
    infos = await renderer.inspect([corpus.text_pdf(2)])
    assert infos[0].page_count == 2


async def test_event_loop_stays_free_while_a_long_pdf_renders(renderer):
    gaps = []

    async def ticker(stop: asyncio.Event):
        last = time.perf_counter()
        while not stop.is_set():
            await asyncio.sleep(0.005)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    stop = asyncio.Event()
    tick = asyncio.create_task(ticker(stop))
    started = time.perf_counter()
    pages = await renderer.render([corpus.text_pdf(60)])
    elapsed = time.perf_counter() - started
    stop.set()
    await tick
    assert len(pages) == 60
    # Had the pages rendered on the loop, one pause would have lasted about as long as the
    # whole render; the worst pause was a small fraction of it: the work ran elsewhere.
    assert elapsed > 0.1
    assert max(gaps) < min(0.1, elapsed / 4)


async def test_a_crashing_worker_fails_only_its_own_task():
    pool = RenderPool(workers=2)
    try:
        crash = pool.run(crashers.die)
        innocent = [pool.run(crashers.sleep_then, 0.3, n) for n in range(3)]
        results = await asyncio.gather(crash, *innocent, return_exceptions=True)
        assert isinstance(results[0], DocumentError)
        assert results[0].code is ErrorCode.RENDER_CRASHED
        assert results[1:] == [0, 1, 2]
        assert await pool.run(crashers.sleep_then, 0, "still serving") == "still serving"
    finally:
        pool.shutdown()


async def test_a_hanging_render_is_stopped():
    pool = RenderPool(workers=1, task_timeout_s=0.5)
    try:
        started = time.perf_counter()
        with pytest.raises(DocumentError) as caught:
            await pool.run(crashers.sleep_then, 30, None)
        assert caught.value.code is ErrorCode.RENDER_TIMEOUT
        assert time.perf_counter() - started < 5
        assert await pool.run(crashers.sleep_then, 0, "next") == "next"
    finally:
        pool.shutdown()


async def test_a_worker_cannot_eat_the_box_memory():
    pool = RenderPool(workers=1, worker_memory_bytes=1 << 30)
    try:
        assert await pool.run(crashers.allocate, 64) == 64 << 20
        with pytest.raises(DocumentError) as caught:
            await pool.run(crashers.allocate, 2048)
        assert caught.value.code is ErrorCode.RENDER_CRASHED and "memory" in caught.value.reason
    finally:
        pool.shutdown()


def test_renderers_without_their_own_pool_share_one():
    first, second = Renderer(), Renderer()
    try:
        assert first.pool is second.pool
        own = Renderer(workers=1)
        assert own.pool is not first.pool
        own.close()
    finally:
        first.close()
        pool = second.pool
        assert RenderPool._shared is pool  # still used by the second renderer
        second.close()
        assert RenderPool._shared is None


def test_blocking_render_for_code_without_an_event_loop(renderer):
    pages = renderer.render_blocking([corpus.text_pdf(5)], RenderOptions(coding="MMR"))
    assert [p.number for p in pages] == [1, 2, 3, 4, 5] and all(p.encoded for p in pages)
