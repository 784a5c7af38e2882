import pytest

from faxgw.config_error import ConfigError
from faxgw.webhooks.settings import WebhooksSettings, parse_settings


def test_an_absent_table_gives_the_documented_defaults():
    settings = parse_settings(None)
    assert settings == WebhooksSettings()
    assert settings.give_up_after_s == 86400
    assert settings.backoff().give_up_after_s == 86400


def test_values_reach_the_policies_they_configure():
    settings = parse_settings(
        {
            "give_up_after_s": 2,
            "backoff_base_s": 0.05,
            "backoff_max_step_s": 0.2,
            "total_timeout_s": 1.5,
            "deny_networks": ["10.0.0.0/8"],
            "own_ports": [9000],
        }
    )
    assert settings.backoff().give_up_after_s == 2.0
    assert settings.backoff().step_cap(10) == 0.2
    assert settings.limits().total_timeout_s == 1.5
    policy = settings.url_policy(api_ports=(8080,))
    assert policy.refusal("10.1.1.1", 80) is not None
    assert policy.refusal("169.254.1.1", 80) is None  # the deny list was replaced, not merged
    assert policy.refusal("127.0.0.1", 9000) is not None
    assert policy.refusal("127.0.0.1", 8080) is not None


@pytest.mark.parametrize(
    "table, key",
    [
        ({"give_up_after": 5}, "webhooks.give_up_after"),
        ({"give_up_after_s": "soon"}, "webhooks.give_up_after_s"),
        ({"give_up_after_s": -1}, "webhooks.give_up_after_s"),
        ({"concurrency": 0}, "webhooks.concurrency"),
        ({"concurrency": 2.5}, "webhooks.concurrency"),
        ({"concurrency": True}, "webhooks.concurrency"),
        ({"allow_networks": "10.0.0.0/8"}, "webhooks.allow_networks"),
        ({"deny_networks": ["not-a-net"]}, "webhooks.deny_networks"),
        ({"own_ports": [70000]}, "webhooks.own_ports"),
        ({"backoff_base_s": 0}, "webhooks.backoff_base_s"),
        ({"backoff_base_s": 10, "backoff_max_step_s": 5}, "webhooks.backoff_max_step_s"),
        ({"concurrency": 2, "per_endpoint_concurrency": 4}, "webhooks.per_endpoint_concurrency"),
        ({"source": ""}, "webhooks.source"),
        ({"per_tenant_concurrency": 40}, "webhooks.per_tenant_concurrency"),  # > concurrency 32
        ({"per_tenant_concurrency": 2}, "webhooks.per_tenant_concurrency"),  # < per endpoint 4
        ({"per_tenant_concurrency": -1}, "webhooks.per_tenant_concurrency"),
        ({"per_tenant_concurrency": True}, "webhooks.per_tenant_concurrency"),
    ],
)
def test_bad_values_are_refused_naming_the_key(table, key):
    with pytest.raises(ConfigError) as info:
        parse_settings(table)
    assert str(info.value).startswith(key + ":")


def test_the_delivery_log_is_kept_90_days_unless_configured():
    assert parse_settings(None).keep_delivery_log_days == 90.0
    assert parse_settings({"keep_delivery_log_days": 7}).keep_delivery_log_days == 7.0
    with pytest.raises(ConfigError, match="keep_delivery_log_days"):
        parse_settings({"keep_delivery_log_days": 0})  # 0 would delete events as they are made
    with pytest.raises(ConfigError, match="keep_delivery_log_days"):
        parse_settings({"keep_delivery_log_days": "90"})


def test_a_tenant_leaves_one_endpoints_share_of_the_slots_to_the_others_by_default():
    assert parse_settings(None).tenant_slots == 32 - 4
    assert parse_settings({"per_tenant_concurrency": 0}).tenant_slots == 32 - 4
    assert parse_settings({"concurrency": 8, "per_endpoint_concurrency": 8}).tenant_slots == 8
    assert parse_settings({"per_tenant_concurrency": 32}).tenant_slots == 32


def test_the_admin_narrows_one_tenants_networks_and_opens_ports_of_the_box():
    from faxgw.webhooks.settings import parse_settings
    settings = parse_settings({"tenant_allow_networks": {"t-1": ["192.168.10.0/24"]},
                               "allow_own_ports": [9000, "9100-9199"]})
    assert settings.tenant_networks("t-1") == ("192.168.10.0/24",)
    assert settings.tenant_networks("t-2") is None
    policy = settings.url_policy()
    assert policy.allow_own_ports == ((9000, 9000), (9100, 9199))
    narrowed = policy.narrowed(settings.tenant_networks("t-1"))
    assert narrowed.refusal("192.168.10.7", 80) is None
    assert narrowed.refusal("192.168.11.7", 80) is not None
    assert settings.limits().max_response_bytes == 0  # the answer is not kept by default
    assert parse_settings({"keep_response_body": True}).limits().max_response_bytes == 4096


@pytest.mark.parametrize("table", [{"allow_own_ports": ["9000-80"]}, {"allow_own_ports": [0]},
                                   {"tenant_allow_networks": {"t": ["nope"]}},
                                   {"tenant_allow_networks": ["t"]}, {"keep_response_body": 1}])
def test_bad_policy_settings_are_refused(table):
    from faxgw.config_error import ConfigError
    from faxgw.webhooks.settings import parse_settings
    with pytest.raises(ConfigError):
        parse_settings(table)
