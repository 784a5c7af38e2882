"""Transmit pacing: never faster than the port's character rate, and no burst after a pause."""

import asyncio

from faxgw.modem.at.transaction import _Pacer


async def _send(pacer, chunks, size):
    loop = asyncio.get_running_loop()
    started = loop.time()
    for _ in range(chunks):
        await pacer.wait()
        pacer.sent(size)
    return loop.time() - started


async def test_rate_is_held():
    pacer = _Pacer(rate_bytes_s=2000)
    elapsed = await _send(pacer, 6, 100)  # 600 bytes: the 6th waits for the 5th's 0.25 s
    assert elapsed >= 0.24


async def test_no_credit_builds_up_while_paused():
    pacer = _Pacer(rate_bytes_s=2000)
    await _send(pacer, 1, 100)
    await asyncio.sleep(0.3)  # an XOFF: 600 bytes of "unused" line time
    elapsed = await _send(pacer, 6, 100)
    assert elapsed >= 0.24  # still paced, not a 600-byte burst
