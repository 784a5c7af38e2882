"""faxgw offering ECM and MMR to efax, which does neither: DIS/DCS fall back to the
non-ECM path (MR, fill bits, RTC) and the pages are still exact, both ways."""

from __future__ import annotations

from faxgw.session import Coding, Resolution
from faxgw.t30.negotiate import LocalCapabilities
from tests.interop.t30.test_efax_interop import efax, pytestmark  # noqa: F401 - fixture
from tests.interop.t30.test_efax_interop import receive_from_efax, send_to_efax


async def test_faxgw_with_ecm_sends_to_efax_without_it(efax, tmp_path):  # noqa: F811
    local = LocalCapabilities(ident="1001", ecm=True)
    result = await send_to_efax("accelerated", efax, tmp_path, 1, 200, Resolution.FINE, local)
    assert not result.ecm and result.coding in (Coding.MR, Coding.MH)
    assert result.ecm_counters.ecm_frames == 0 and result.ecm_counters.frames_retransmitted == 0


async def test_faxgw_with_ecm_receives_from_efax_without_it(efax, tmp_path):  # noqa: F811
    local = LocalCapabilities(ident="1002", ecm=True)
    result = await receive_from_efax("accelerated", efax, tmp_path, 1, 200, True, local)
    assert not result.ecm and result.coding in (Coding.MR, Coding.MH)
