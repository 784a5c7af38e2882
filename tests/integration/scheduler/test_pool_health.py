"""An idle modem that stops answering is taken out of the pool before any fax is given to
it, and put back when it answers again (the pool on real hw-sim modems, in-process)."""

from __future__ import annotations

import asyncio

from faxgw.config import ModemConfig
from faxgw.scheduler.pool import ModemPool, ModemState
from hwsim import ModemBank


async def _until_state(pool: ModemPool, name: str, state: ModemState, timeout: float = 20):
    modem = next(m for m in pool.modems if m.name == name)
    for _ in range(int(timeout / 0.05)):
        if modem.state is state:
            return modem
        await asyncio.sleep(0.05)
    raise AssertionError(f"{name} is {modem.state.value}, not {state.value}: {modem.reason}")


async def test_idle_modem_that_stops_answering_goes_offline_and_comes_back():
    with ModemBank(timing="accelerated") as bank:
        a, b = bank.add_modem("3301", name="a"), bank.add_modem("3302", name="b")
        configs = tuple(ModemConfig(m.name, m.device, "hwsim-class1") for m in (a, b))
        pool = ModemPool(configs, max_failures=3, reprobe_s=0.5)
        await pool.start()
        try:
            assert [m.state for m in pool.modems] == [ModemState.IDLE] * 2
            bank.freeze("a")
            offline = await _until_state(pool, "a", ModemState.OFFLINE)
            assert "stopped answering while idle" in offline.reason
            assert pool.idle_sender().name == "b"  # calls go to the other modem
            bank.freeze("a", False)
            await _until_state(pool, "a", ModemState.IDLE)
        finally:
            await pool.stop()


async def test_a_modem_held_for_a_claim_still_shows_idle_but_is_not_handed_out_twice():
    # The dispatcher holds a modem while it asks the store for work, many times a minute:
    # GET /modems and the metrics must not see it flicker to busy, and nothing else may
    # take it meanwhile (a second claim, the idle check, a RING).
    with ModemBank(timing="accelerated") as bank:
        a = bank.add_modem("3311", name="a")
        pool = ModemPool((ModemConfig(a.name, a.device, "hwsim-class1"),), max_failures=3,
                         reprobe_s=60)
        await pool.start()
        try:
            held = pool.idle_sender()
            assert held.name == "a" and held.state is ModemState.IDLE
            assert held.snapshot()["state"] == "idle"
            assert pool.idle_sender() is None and not held.free and held.in_use
            pool.give_back(held)
            assert held.free and pool.idle_sender() is held
            pool.occupy(held)
            assert held.state is ModemState.BUSY and held.snapshot()["state"] == "busy"
            assert pool.idle_sender() is None
            await pool.release(held, modem_failed=False)
            assert held.free and held.state is ModemState.IDLE
        finally:
            await pool.stop()
