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
