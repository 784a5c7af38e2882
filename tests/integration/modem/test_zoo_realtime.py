"""One call per family in real-time line timing: the quirks' waits (a 400 ms settle after
CONNECT, host-timed silences) must also fit T.30's timers when the line is not sped up."""

from __future__ import annotations

import pytest

from tests.integration.modem.zoo import FAMILIES, zoo_call


@pytest.mark.realtime
@pytest.mark.parametrize("family", FAMILIES)
def test_family_call_in_real_time(tmp_path, family):
    call = zoo_call(tmp_path, family, ecm=False, timing="realtime")
    assert call.success, call.explain()
