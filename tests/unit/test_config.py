"""The TOML config: defaults for every key, and a refusal that names the bad key."""

from __future__ import annotations

import pytest

from faxgw import config
from faxgw.config import ConfigError


def test_empty_config_is_all_defaults():
    c = config.from_dict({})
    assert c.server.listen == "127.0.0.1:8025" and c.state_dir.as_posix() == "/var/lib/faxgw"
    assert c.retry.max_automatic_retries == 5 and c.limits.max_upload_bytes == 20 * 1024 * 1024
    assert c.archive.archive_after_days < c.archive.purge_files_after_days
    assert c.modems == ()


def test_every_documented_key_exists():
    # The module docstring is the documentation: each key in it must be a real field.
    c = config.from_dict({})
    section = None
    for line in config.__doc__.split("```toml")[1].split("```")[0].splitlines():
        line = line.split("#")[0].strip()
        if line.startswith("[[modem]]"):
            section = "modem"
        elif line.startswith("["):
            section = line.strip("[]")
        elif "=" in line:
            target = config.ModemConfig if section == "modem" else getattr(c, section)
            assert line.split("=")[0].strip() in target.__dataclass_fields__, line


def test_full_config(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('[server]\nlisten = "[::1]:9000"\n[storage]\nstate_dir = "/srv/fax"\n'
                    '[retry]\nbackoff_busy_s = 5\n[[modem]]\nname = "m0"\nport = "/dev/ttyS0"\nreceive = true\n'
                    '[[modem]]\nname = "m1"\nport = "/dev/ttyS1"\nprofile = "hwsim-class1"\n')
    c = config.load(path)
    assert (c.server.host, c.server.port) == ("::1", 9000)
    assert c.retry.backoff_s("busy") == 5.0 and c.retry.backoff_s("unknown") == c.retry.backoff_protocol_s
    assert [(m.name, m.send, m.receive) for m in c.modems] == [("m0", True, True), ("m1", True, False)]


def test_ecm_is_on_per_modem_unless_turned_off():
    c = config.from_dict({"modem": [{"name": "m0", "port": "/a"},
                                    {"name": "m1", "port": "/b", "ecm": False},
                                    {"name": "m2", "port": "/c", "ecm_frame_size": 64}]})
    assert [(m.ecm, m.ecm_frame_size) for m in c.modems] == [(True, 256), (False, 256),
                                                             (True, 64)]


@pytest.mark.parametrize("raw, key", [
    ({"server": {"listen": "nohost"}}, "server.listen"),
    ({"server": {"listen": "h:70000"}}, "server.listen"),
    ({"server": {"port": 1}}, "server.port"),
    ({"storage": {"state_dir": ""}}, "storage.state_dir"),
    ({"limits": {"max_documents": 0}}, "limits.max_documents"),
    ({"limits": {"max_upload_bytes": True}}, "limits.max_upload_bytes"),
    ({"limits": {"search_page_size": 5000}}, "limits.search_page_size"),
    ({"retry": {"backoff_busy_s": -1}}, "retry.backoff_busy_s"),
    ({"archive": {"archive_after_days": 10, "purge_files_after_days": 5}}, "archive.purge_files_after_days"),
    ({"modem": [{"name": "m0"}]}, "modem[0].port"),
    ({"modem": [{"name": "m0", "port": "/a"}, {"name": "m0", "port": "/b"}]}, "modem[1].name"),
    ({"modem": [{"name": "m0", "port": "/a", "send": False, "receive": False}]}, "modem[0].send"),
    ({"modem": [{"name": "m0", "port": "/a", "speed": 9600}]}, "modem[0].speed"),
    ({"modem": [{"name": "m0", "port": "/a", "ecm_frame_size": 128}]}, "modem[0].ecm_frame_size"),
    ({"modem": [{"name": "m0", "port": "/a", "ecm": "no"}]}, "modem[0].ecm"),
    ({"modem": [{"name": "m0", "port": "/a", "rings_before_answer": 0}]}, "modem[0].rings_before_answer"),
    ({"modem": [{"name": "m0", "port": "/a", "rings_before_answer": "2"}]}, "modem[0].rings_before_answer"),
    ({"modem": {"name": "m0"}}, "modem"),
    ({"sever": {}}, "sever"),
])
def test_bad_values_name_the_key(raw, key):
    with pytest.raises(ConfigError) as exc:
        config.from_dict(raw)
    assert str(exc.value).startswith(key), str(exc.value)
