"""Commands of the daemon: serve, tenant create / list, demo."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path

from faxgw import config as configuration
from faxgw.config import Config, ConfigError

DEFAULT_CONFIG = os.environ.get("FAXGW_CONFIG", "/etc/faxgw/faxgw.toml")
DEMO_TENANT = "demo"
DEMO_KEY_FILE = "demo-api-key"
DEMO_ADMIN_KEY_FILE = "demo-admin-key"
DEMO_SENDER_NAME = "faxgw demo"
DEMO_SENDER_NUMBER = "+1 555 0101"  # the simulated bank's first outgoing line
# sysexits.h EX_CONFIG: faxgw.service has RestartPreventExitStatus=78, so systemd does not
# restart a daemon whose config it refused (it would only be refused again).
EXIT_CONFIG = 78


def register(subparsers: argparse._SubParsersAction) -> None:
    serve = subparsers.add_parser("serve", help="run the daemon")
    serve.add_argument("--config", default=DEFAULT_CONFIG, help="TOML config file (default: %(default)s)")
    serve.set_defaults(func=cmd_serve)

    tenant = subparsers.add_parser("tenant", help="manage tenants")
    tsub = tenant.add_subparsers(dest="tenant_command", metavar="ACTION", required=True)
    create = tsub.add_parser("create", help="create a tenant; prints its id and API key as JSON")
    create.add_argument("name")
    create.add_argument("--config", default=DEFAULT_CONFIG)
    create.set_defaults(func=cmd_tenant_create)
    lst = tsub.add_parser("list", help="list tenants as JSON")
    lst.add_argument("--config", default=DEFAULT_CONFIG)
    lst.set_defaults(func=cmd_tenant_list)
    _register_keys(tsub)

    admin = subparsers.add_parser(
        "admin-key", help="make an admin key (GET /modems, /metrics); prints the key and "
                          "the [server] admin_key_sha256 line for the config")
    admin.set_defaults(func=cmd_admin_key)

    demo = subparsers.add_parser("demo", help="run the daemon with a demo tenant in ./state")
    demo.add_argument("--state-dir", default="state", help="state directory (default: %(default)s)")
    demo.add_argument("--listen", default="127.0.0.1:8025", help="HOST:PORT (default: %(default)s)")
    demo.set_defaults(func=cmd_demo)


def _register_keys(tsub: argparse._SubParsersAction) -> None:
    key = tsub.add_parser("key", help="a tenant's API keys: create, list, revoke, rotate")
    ksub = key.add_subparsers(dest="key_command", metavar="ACTION", required=True)
    create = ksub.add_parser("create", help="an additional API key for TENANT (id or name); "
                                            "prints it once, as JSON")
    create.add_argument("tenant")
    create.set_defaults(func=cmd_key_create)
    lst = ksub.add_parser("list", help="TENANT's keys (their ids, never the keys) as JSON")
    lst.add_argument("tenant")
    lst.set_defaults(func=cmd_key_list)
    revoke = ksub.add_parser("revoke", help="revoke the key KEY_ID (from `key list`, or the key "
                                            "itself): refused (401) from the next request on")
    revoke.add_argument("key", metavar="KEY_ID")
    revoke.set_defaults(func=cmd_key_revoke)
    rotate = ksub.add_parser("rotate", help="a new key for TENANT; every other key of it is "
                                            "revoked, at once or after --grace-seconds")
    rotate.add_argument("tenant")
    rotate.add_argument("--grace-seconds", type=float, default=0.0,
                        help="how long the old keys keep working (default: 0, revoked at once)")
    rotate.set_defaults(func=cmd_key_rotate)
    for parser in (create, lst, revoke, rotate):
        parser.add_argument("--config", default=DEFAULT_CONFIG)


def _load(path: str) -> Config | None:
    try:
        return configuration.load(path)
    except ConfigError as exc:
        print(f"faxgw: config error: {exc}", file=sys.stderr)
        return None


def cmd_serve(args) -> int:
    from faxgw import daemon

    config = _load(args.config)
    return EXIT_CONFIG if config is None else daemon.run(config, args.config)


def cmd_admin_key(args) -> int:
    from faxgw.api.access import new_admin_key

    key, digest = new_admin_key()
    print(f"admin key (shown once): {key}\n"
          f"put in the config, section [server]:\nadmin_key_sha256 = \"{digest}\"")
    return 0


async def _with_store(config: Config, fn):
    from faxgw.store import Store

    config.state_dir.mkdir(parents=True, exist_ok=True)
    store = await Store.open(config.state_dir, config.retry.max_automatic_retries)
    try:
        return await fn(store)
    finally:
        await store.close()


def cmd_tenant_create(args) -> int:
    config = _load(args.config)
    if config is None:
        return 2
    name = args.name.strip()
    if not name or len(name) > 200:
        print("faxgw: a tenant name is 1 to 200 characters", file=sys.stderr)
        return 2
    tenant_id, key = asyncio.run(_with_store(config, lambda s: s.create_tenant(name)))
    print(json.dumps({"tenantId": tenant_id, "apiKey": key}))
    return 0


def cmd_tenant_list(args) -> int:
    config = _load(args.config)
    if config is None:
        return 2
    rows = asyncio.run(_with_store(config, lambda s: s.tenants()))
    from faxgw.store.rows import iso

    print(json.dumps([{"tenantId": r["id"], "name": r["name"], "createdOn": iso(r["created_ms"]),
                       "apiKeys": r["key_count"]} for r in rows], indent=2))
    return 0


def _key_object(row: dict) -> dict:
    from faxgw.store.rows import iso

    return {"keyId": row["key_id"], "tenantId": row["tenant_id"], "createdOn": iso(row["created_ms"]),
            "revokedOn": iso(row["revoked_ms"])}


def key_id(api_key: str) -> str:
    from faxgw.store.tenants import key_id as of

    return of(api_key)


def _run_key_command(args, action) -> int:
    """Load the config, run `action(store)` and print its JSON; a KeyError is the user's
    mistake (unknown tenant or key): its message, exit 2."""
    config = _load(args.config)
    if config is None:
        return 2
    try:
        result = asyncio.run(_with_store(config, action))
    except KeyError as exc:
        print(f"faxgw: {exc.args[0]}", file=sys.stderr)
        return 2
    print(json.dumps(result, indent=2))
    return 0


def cmd_key_create(args) -> int:
    async def action(store):
        tenant = await store.find_tenant(args.tenant)
        key = await store.add_api_key(tenant["id"])
        return {"tenantId": tenant["id"], "keyId": key_id(key), "apiKey": key}
    return _run_key_command(args, action)


def cmd_key_list(args) -> int:
    async def action(store):
        tenant = await store.find_tenant(args.tenant)
        return [_key_object(k) for k in await store.api_keys(tenant["id"])]
    return _run_key_command(args, action)


def cmd_key_revoke(args) -> int:
    async def action(store):
        # The key itself is accepted too: whoever holds a leaked key can name it that way.
        from faxgw.store.tenants import API_KEY_PREFIX

        ref = key_id(args.key) if args.key.startswith(API_KEY_PREFIX) else args.key
        return _key_object(await store.revoke_api_key(ref))
    return _run_key_command(args, action)


def cmd_key_rotate(args) -> int:
    if not 0 <= args.grace_seconds <= 30 * 86400:
        print("faxgw: --grace-seconds is 0 to 2592000 (30 days)", file=sys.stderr)
        return 2

    async def action(store):
        tenant = await store.find_tenant(args.tenant)
        key, old_until = await store.rotate_api_key(tenant["id"], args.grace_seconds)
        from faxgw.store.rows import iso

        return {"tenantId": tenant["id"], "keyId": key_id(key), "apiKey": key,
                "oldKeysRevokedOn": iso(old_until)}
    return _run_key_command(args, action)


async def _demo_key(store, key_file: Path) -> tuple[str, str]:
    """(tenantId, API key) of the demo tenant: the key kept in the state dir is reused; the
    tenant is created the first time."""
    tenant = await store.tenant_by_name(DEMO_TENANT)
    if tenant and key_file.exists():
        key = key_file.read_text().strip()
        if await store.tenant_for_key(key):
            return tenant["id"], key
    if tenant:
        tenant_id, key = tenant["id"], await store.add_api_key(tenant["id"])
    else:
        tenant_id, key = await store.create_tenant(DEMO_TENANT)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key + "\n")
    return tenant_id, key


def cmd_demo(args) -> int:
    from faxgw import daemon

    state = Path(args.state_dir).resolve()
    try:
        config = configuration.from_dict({"server": {"listen": args.listen},
                                          "storage": {"state_dir": str(state)}})
    except ConfigError as exc:
        print(f"faxgw: {exc}", file=sys.stderr)
        return 2
    from faxgw.preflight import EXIT_IN_USE, CannotStart, check

    try:
        check(config)  # before a key is minted or the banner printed
    except CannotStart as exc:
        print(f"faxgw demo: {exc}", file=sys.stderr)
        return EXIT_IN_USE
    tenant_id, key = asyncio.run(_with_store(config, lambda s: _demo_key(s, state / DEMO_KEY_FILE)))
    admin_key, admin_digest = _demo_admin_key(state / DEMO_ADMIN_KEY_FILE)
    config = demo_config(args.listen, state, tenant_id, admin_digest)
    base = f"http://{args.listen}"
    # Imported here: the simulated fax machine (hw-sim) is only loaded for the demo.
    from faxgw.scheduler.simbank import FAX_MACHINE_E164, demo_instructions

    print(f"faxgw demo: state in {state}\nAPI key of tenant '{DEMO_TENANT}': {key}\n"
          f"admin key (GET /modems, /metrics): {admin_key}\n"
          + demo_instructions(base, key, state) + f"API docs: {base}/docs\n"
          + "Or with faxgw's own commands, in another terminal:\n"
          f"  export FAXGW_URL={base} FAXGW_API_KEY={key} FAXGW_ADMIN_KEY={admin_key}\n"
          f"  faxgw send {FAX_MACHINE_E164} some.pdf --wait\n"
          "  faxgw status\n  faxgw modems\n", flush=True)
    return daemon.run(config)


def demo_config(listen: str, state: Path, tenant_id: str, admin_digest: str) -> Config:
    """The demo's config: faxes its own receiving line answers belong to the demo tenant,
    and pages carry a sample sender (a real config must name its own)."""
    from faxgw.scheduler.simbank import SIM_COUNTRY_CODE

    return configuration.from_dict({
        "server": {"listen": listen, "admin_key_sha256": admin_digest},
        "storage": {"state_dir": str(state)},
        "inbound": {"default_tenant": tenant_id},
        "sender": {"name": DEMO_SENDER_NAME, "number": DEMO_SENDER_NUMBER},
        # The simulated exchange's country: 5550100 and +15550100 are one number.
        "dialplan": {"country_code": SIM_COUNTRY_CODE},
    })


def _demo_admin_key(key_file: Path) -> tuple[str, str]:
    """(admin key, its SHA-256) of the demo: kept in the state dir, so a restarted demo
    keeps the key its terminal lines name."""
    from faxgw.api.access import admin_key_digest, new_admin_key

    if key_file.exists():
        key = key_file.read_text().strip()
        return key, admin_key_digest(key)
    key, digest = new_admin_key()
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key + "\n")
    return key, digest
