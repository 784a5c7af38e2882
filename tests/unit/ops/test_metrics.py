"""faxgw.metrics, read back through the Prometheus text parser."""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from faxgw.metrics import CALL_SECONDS_BUCKETS, Metrics

REPO = Path(__file__).resolve().parents[3]


def samples(metrics: Metrics) -> dict[tuple[str, frozenset], float]:
    """(sample name, labels) -> value, from the rendered exposition."""
    text = metrics.render().decode()
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def value(metrics: Metrics, name: str, **labels: str) -> float | None:
    return samples(metrics).get((name, frozenset(labels.items())))


def test_attempt_counter_moves_per_outcome():
    metrics = Metrics(known_outcomes=["Success", "LineBusy"])
    assert value(metrics, "faxgw_attempts_total", outcome="LineBusy") == 0
    metrics.attempt_finished("LineBusy", call_seconds=14.0)
    metrics.attempt_finished("LineBusy", call_seconds=16.0)
    metrics.attempt_finished("Success", call_seconds=95.5)
    metrics.attempt_finished("NoModem")  # never dialled: counted, no call duration
    assert value(metrics, "faxgw_attempts_total", outcome="LineBusy") == 2
    assert value(metrics, "faxgw_attempts_total", outcome="Success") == 1
    assert value(metrics, "faxgw_attempts_total", outcome="NoModem") == 1
    assert value(metrics, "faxgw_call_duration_seconds_count") == 3
    assert value(metrics, "faxgw_call_duration_seconds_sum") == pytest.approx(125.5)


def test_call_and_page_durations_land_in_their_buckets():
    metrics = Metrics()
    metrics.attempt_finished("Success", call_seconds=95.5)
    for seconds in (12.0, 25.0, 400.0):
        metrics.page_sent(seconds)
    assert value(metrics, "faxgw_call_duration_seconds_bucket", le="90.0") == 0
    assert value(metrics, "faxgw_call_duration_seconds_bucket", le="120.0") == 1
    assert value(metrics, "faxgw_page_duration_seconds_bucket", le="15.0") == 1
    assert value(metrics, "faxgw_page_duration_seconds_bucket", le="30.0") == 2
    assert value(metrics, "faxgw_page_duration_seconds_bucket", le="+Inf") == 3
    assert value(metrics, "faxgw_page_duration_seconds_count") == 3
    le_labels = {dict(labels)["le"] for name, labels in samples(metrics)
                 if name == "faxgw_call_duration_seconds_bucket"}
    assert le_labels == {str(float(b)) for b in CALL_SECONDS_BUCKETS} | {"+Inf"}


def test_modem_state_is_one_for_the_current_state_only():
    metrics = Metrics()
    metrics.set_modem_state("/dev/faxmodem0", "idle")
    metrics.set_modem_state("/dev/faxmodem0", "dialing")
    metrics.set_modem_state("/dev/ttyS0", "error")
    assert value(metrics, "faxgw_modem_state", modem="/dev/faxmodem0", state="dialing") == 1
    assert value(metrics, "faxgw_modem_state", modem="/dev/faxmodem0", state="idle") == 0
    metrics.set_modem_state("/dev/faxmodem0", "idle")
    assert value(metrics, "faxgw_modem_state", modem="/dev/faxmodem0", state="idle") == 1
    assert value(metrics, "faxgw_modem_state", modem="/dev/faxmodem0", state="dialing") == 0
    metrics.remove_modem("/dev/faxmodem0")
    modems = {dict(labels)["modem"] for name, labels in samples(metrics)
              if name == "faxgw_modem_state"}
    assert modems == {"/dev/ttyS0"}


async def test_store_counts_come_from_the_daemons_callbacks():
    counts = {"FaxReceived": 4, "Success": 7}
    backlog = [0]

    async def faxes_by_status():  # async, like a query through aiosqlite
        return dict(counts)

    metrics = Metrics(faxes_by_status=faxes_by_status, queue_depth=lambda: counts["FaxReceived"],
                      webhook_backlog=lambda: backlog[0])
    assert value(metrics, "faxgw_queue_depth") is None, "nothing is reported before a refresh"
    await metrics.refresh()
    assert value(metrics, "faxgw_faxes", status="FaxReceived") == 4
    assert value(metrics, "faxgw_faxes", status="Success") == 7
    assert value(metrics, "faxgw_queue_depth") == 4
    assert value(metrics, "faxgw_webhook_backlog") == 0
    counts.update(FaxReceived=3, Success=8)
    backlog[0] = 2
    await metrics.refresh()
    assert value(metrics, "faxgw_faxes", status="Success") == 8
    assert value(metrics, "faxgw_queue_depth") == 3
    assert value(metrics, "faxgw_webhook_backlog") == 2


async def test_a_failing_callback_fails_the_refresh():
    def broken():
        raise RuntimeError("database is locked")

    metrics = Metrics(queue_depth=broken)
    with pytest.raises(RuntimeError, match="locked"):
        await metrics.refresh()


def test_gauges_without_a_callback_are_absent():
    names = {name for name, _ in samples(Metrics())}
    assert not names & {"faxgw_faxes", "faxgw_queue_depth", "faxgw_webhook_backlog"}


def test_two_instances_do_not_share_numbers():
    first, second = Metrics(), Metrics()
    first.attempt_finished("Success", call_seconds=60)
    assert value(first, "faxgw_attempts_total", outcome="Success") == 1
    assert value(second, "faxgw_attempts_total", outcome="Success") is None


def test_process_and_build_info_are_exported():
    metrics = Metrics(version="1.2.3")
    assert value(metrics, "faxgw_build_info", version="1.2.3") == 1
    assert value(metrics, "process_resident_memory_bytes") > 0


# The /proc that faxgw.service gives the daemon (ProtectProc=invisible, ProcSubset=pid),
# mounted in a private mount namespace for one child process.
SANDBOXED_PROC = "mount -t proc -o subset=pid,hidepid=invisible proc /proc && exec \"$@\""
READ_PROCESS_METRICS = """
import time
from prometheus_client.parser import text_string_to_metric_families
from faxgw.metrics import Metrics
text = Metrics().render().decode()
values = {s.name: s.value for f in text_string_to_metric_families(text) for s in f.samples}
assert values["process_resident_memory_bytes"] > 0, values
assert abs(values["process_start_time_seconds"] - time.time()) < 60, values
print("PROCESS_METRICS_OK")
"""


def test_process_metrics_survive_the_units_proc_sandbox():
    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.fail("unshare not found (util-linux)")
    probe = subprocess.run([unshare, "--mount", "sh", "-c", "mount -t proc -o subset=pid "
                            "proc /proc && test ! -e /proc/stat"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("cannot mount a private /proc here (needs root with CAP_SYS_ADMIN)")
    done = subprocess.run(
        [unshare, "--mount", "sh", "-c", SANDBOXED_PROC, "sh",
         sys.executable, "-c", READ_PROCESS_METRICS],
        capture_output=True, text=True, timeout=60, cwd=REPO)
    assert "PROCESS_METRICS_OK" in done.stdout, done.stderr
