"""The spandsp far end: efax and faxgw's technician commands against a modem and a fax
terminal nobody here wrote."""

import pytest

from tests.hwsim.efaxrun import EfaxPair, require_efax
from tests.interop.spandsp.farend import require_spandsp


@pytest.fixture(autouse=True)
def spandsp_far_end_built():
    """Built (or found in the cache) before the test's event loop runs."""
    require_spandsp()


@pytest.fixture
def efax(tmp_path):
    require_efax()
    pair = EfaxPair(tmp_path)
    yield pair
    pair.close()
