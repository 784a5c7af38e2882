"""The claim loop's choices against the real store (a SQLite file): tenants take turns,
a number in a call is skipped, held faxes are not taken."""

import random
import uuid

import pytest

from faxgw.config import RetryConfig
from faxgw.scheduler.attempt import AttemptContext
from faxgw.scheduler.dialplan import DialPlan
from faxgw.scheduler.dispatcher import Dispatcher
from faxgw.scheduler.pool import ModemPool
from faxgw.store import AttemptResult, Document, NewFax, Store


@pytest.fixture
async def store(tmp_path):
    s = await Store.open(tmp_path)
    yield s
    await s.close()


async def submit(store: Store, tenant: str, number: str) -> str:
    fax_id = str(uuid.uuid4())
    doc = Document(1, "pdf", "a.pdf", 10, "0" * 64, f"documents/{fax_id}/1.pdf")
    await store.submit(NewFax(fax_id=fax_id, tenant_id=tenant, phone_number=number,
                              documents=[doc]))
    return fax_id


def dispatcher(store: Store) -> Dispatcher:
    ctx = AttemptContext(store, None, DialPlan(), RetryConfig())
    return Dispatcher(store, ModemPool((), 3, 60.0), ctx, poll_interval_s=0.1)


async def test_tenants_take_turns_so_a_big_batch_cannot_starve_a_single_fax(store):
    big, small = (await store.create_tenant("big"))[0], (await store.create_tenant("small"))[0]
    for i in range(20):
        await submit(store, big, f"+1555000{i:04d}")
    lonely = await submit(store, small, "+15559999999")
    d = dispatcher(store)
    claims = [await d.claim(f"m{i}") for i in range(3)]
    tenants = [c.tenant_id for c in claims]
    assert small in tenants[:2] and tenants[0] != tenants[1]
    assert lonely in [c.fax_id for c in claims]


async def test_a_number_in_a_call_is_not_dialled_twice(store):
    tenant = (await store.create_tenant("t"))[0]
    first = await submit(store, tenant, "+15550001")
    second = await submit(store, tenant, "+15550001")
    d = dispatcher(store)
    claim = await d.claim("m1")
    assert claim.fax_id == first
    assert await d.claim("m2") is None  # the only other fax is to the same number
    await store.finish_attempt(claim.attempt_id, AttemptResult(success=True, outcome="success"))
    assert (await d.claim("m2")).fax_id == second


async def test_held_faxes_are_skipped_and_revived_ones_taken(store):
    tenant = (await store.create_tenant("t"))[0]
    fax = await submit(store, tenant, "+15550002")
    await store.hold(tenant, fax)
    d = dispatcher(store)
    assert await d.claim("m1") is None
    await store.revive(tenant, fax)
    assert (await d.claim("m1")).fax_id == fax


async def test_a_stop_racing_the_claim_has_exactly_one_winner(tmp_path):
    """Two processes on one SQLite file, as the API and the scheduler could be: the stop
    and the claim are each one conditional update, so a fax is either cancelled without
    an attempt or in a call and not cancelled. Rounds of races run until each side has
    won some (so the test did race), at most 8 rounds."""
    import asyncio

    from faxgw.lifecycle import TransitionRefused

    api, scheduler_side = await Store.open(tmp_path), await Store.open(tmp_path)
    rng = random.Random(7)
    try:
        tenant = (await api.create_tenant("t"))[0]

        async def stop(fax_id):
            try:
                return (await api.stop(tenant, fax_id))["status"]
            except TransitionRefused as exc:
                return exc.current.value

        async def jittered(coro, jitter_s):
            await asyncio.sleep(jitter_s)
            return await coro

        winners = set()
        for round_number in range(8):
            faxes = [await submit(api, tenant, f"+1555{round_number}{i:05d}") for i in range(10)]
            results = await asyncio.gather(*(asyncio.gather(
                jittered(scheduler_side.start_attempt(f, "m1"), rng.uniform(0, 0.05)),
                jittered(stop(f), rng.uniform(0, 0.05))) for f in faxes))
            for fax_id, (claim, stopped) in zip(faxes, results):
                row = await api.fax_row(fax_id)
                attempts = await api.attempts(fax_id)
                if claim is not None:
                    assert stopped == "FaxAttemptInitiated"  # the stop was refused
                    assert row["status"] == "FaxAttemptInitiated" and len(attempts) == 1
                    winners.add("claim")
                else:
                    assert stopped == "FaxCancelled"
                    assert row["status"] == "FaxCancelled" and attempts == []
                    winners.add("stop")
            if winners == {"claim", "stop"}:
                break
        assert winners == {"claim", "stop"}, winners  # the test raced
    finally:
        await api.close()
        await scheduler_side.close()
