import pytest

from faxgw.config import ConfigError, DialPlanConfig, from_dict
from faxgw.scheduler.dialplan import DialPlan

US_PBX = DialPlan(outside_line_prefix="9,", country_code="1", national_prefix="1",
                  international_prefix="011")
GERMANY = DialPlan(country_code="49", national_prefix="0", international_prefix="00")


@pytest.mark.parametrize("plan, number, dialled", [
    (US_PBX, "+15551234567", "9,15551234567"),
    (US_PBX, "+442079460000", "9,011442079460000"),
    (US_PBX, "5551234", "9,5551234"),  # national digits go as given, after the prefix
    (GERMANY, "+493012345678", "03012345678"),
    (GERMANY, "+15551234567", "0015551234567"),
    (DialPlan(), "+15551234567", "15551234567"),  # no plan: the E.164 digits
    (DialPlan(), "0301234", "0301234"),
])
def test_numbers_become_what_the_line_dials(plan, number, dialled):
    assert plan.dial_string(number) == dialled


def test_dial_plan_and_scheduler_come_from_the_config():
    config = from_dict({"dialplan": {"country_code": "1", "outside_line_prefix": "9,"},
                        "scheduler": {"poll_interval_s": 0.5, "local_ident": "+1 555 0199"}})
    assert DialPlan.from_config(config.dialplan).dial_string("+15550100") == "9,5550100"
    assert config.scheduler.poll_interval_s == 0.5 and config.dialplan == DialPlanConfig(
        outside_line_prefix="9,", country_code="1")


@pytest.mark.parametrize("table, key", [
    ({"scheduler": {"local_ident": "faxgw"}}, "scheduler.local_ident"),
    ({"scheduler": {"modem_max_failures": 0}}, "scheduler.modem_max_failures"),
    ({"scheduler": {"simulated_timing": "fast"}}, "scheduler.simulated_timing"),
    ({"dialplan": {"prefix": "9"}}, "dialplan.prefix"),
])
def test_bad_scheduler_settings_are_refused_naming_the_key(table, key):
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        from_dict(table)
