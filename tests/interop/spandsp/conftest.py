"""The spandsp far end: efax and faxgw's technician commands against a modem and a fax
terminal nobody here wrote."""

import pytest

from tests.hwsim.efaxrun import EfaxPair, require_efax


@pytest.fixture
def efax(tmp_path):
    require_efax()
    pair = EfaxPair(tmp_path)
    yield pair
    pair.close()
