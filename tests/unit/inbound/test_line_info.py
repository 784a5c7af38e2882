"""Caller ID and the dialled number (DID) as modems print them before answering."""

import pytest

from faxgw.modem.at.results import Kind, caller_id_field, classify
from faxgw.scheduler.receiver import line_info


@pytest.mark.parametrize("lines,called,caller,name", [
    (["NMBR = 5001", "NDID = 6101"], "6101", "5001", None),  # hw-sim, HylaFAX-style NDID
    (["DATE = 1127", "TIME = 0830", "NMBR = 030555", "NAME = ACME", "DDI = 12"], "12", "030555", "ACME"),
    (["CALLER NUMBER: 4930555", "CALLED NUMBER: 4930666"], "4930666", "4930555", None),
    ([], None, None, None),
])
def test_caller_id_lines_become_the_calls_line_info(lines, called, caller, name):
    assert all(classify(line).kind is Kind.CALLER_ID for line in lines)
    info = line_info(dict(caller_id_field(line) for line in lines))
    assert (info.called_number, info.caller_number, info.caller_name) == (called, caller, name)
