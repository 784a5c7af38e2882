"""faxgw.logs: one JSON line per event, carrying the ids bound for the code that logged it."""
import asyncio
import io
import json
import logging
import os
from datetime import datetime, timedelta, timezone

import pytest

from faxgw.logs import current_context, log_context, setup_logging


@pytest.fixture
def output():
    """Logging set up as the daemon does, into a buffer; torn down afterwards."""
    buffer = io.StringIO()
    root = logging.getLogger()
    saved_level = root.level
    handler = setup_logging("INFO", stream=buffer)
    yield buffer
    root.removeHandler(handler)
    root.setLevel(saved_level)


def events(buffer: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


def test_a_plain_event_has_time_level_logger_message(output):
    logging.getLogger("faxgw.scheduler").warning("modem %s is %s", "ttyACM0", "gone")
    [event] = events(output)
    assert event.keys() == {"time", "level", "logger", "message"}
    assert (event["level"], event["logger"], event["message"]) == (
        "WARNING", "faxgw.scheduler", "modem ttyACM0 is gone")
    logged_at = datetime.fromisoformat(event["time"].replace("Z", "+00:00"))
    assert abs(datetime.now(timezone.utc) - logged_at) < timedelta(seconds=5)


def test_bound_ids_appear_inside_the_block_only(output):
    log = logging.getLogger("faxgw.t30")
    with log_context(faxId="fx-1", modem="/dev/ttyACM0"):
        log.info("dialing")
        with log_context(attemptId="at-7", modem="/dev/ttyACM1"):
            log.info("DIS received")
        log.info("hung up")
    log.info("idle")
    dialing, dis, hung_up, idle = events(output)
    assert (dialing["faxId"], dialing["modem"]) == ("fx-1", "/dev/ttyACM0")
    assert "attemptId" not in dialing
    assert (dis["faxId"], dis["attemptId"], dis["modem"]) == ("fx-1", "at-7", "/dev/ttyACM1")
    assert (hung_up["modem"], "attemptId" in hung_up) == ("/dev/ttyACM0", False)
    assert not {"faxId", "attemptId", "modem"} & idle.keys()
    assert current_context() == {}


def test_unknown_id_names_are_refused():
    with pytest.raises(TypeError, match="faxid"):
        with log_context(faxid="fx-1"):
            pass


def test_none_ids_are_left_out(output):
    with log_context(faxId="fx-2", attemptId=None):
        logging.getLogger("faxgw").info("queued")
    [event] = events(output)
    assert event["faxId"] == "fx-2" and "attemptId" not in event


async def test_concurrent_calls_keep_their_own_ids(output):
    log = logging.getLogger("faxgw.scheduler")

    async def call(fax_id: str, modem: str) -> None:
        with log_context(faxId=fax_id, modem=modem):
            for page in (1, 2, 3):
                log.info("page sent", extra={"page": page})
                await asyncio.sleep(0)  # let the other call log in between

    await asyncio.gather(call("fx-a", "ttyS0"), call("fx-b", "ttyS1"))
    pairs = [(event["faxId"], event["modem"], event["page"]) for event in events(output)]
    assert sorted(pairs) == [("fx-a", "ttyS0", 1), ("fx-a", "ttyS0", 2), ("fx-a", "ttyS0", 3),
                             ("fx-b", "ttyS1", 1), ("fx-b", "ttyS1", 2), ("fx-b", "ttyS1", 3)]
    assert [p[0] for p in pairs][:2] == ["fx-a", "fx-b"], "the calls really interleaved"


async def test_a_task_started_in_a_block_keeps_the_ids(output):
    async def later() -> None:
        await asyncio.sleep(0.01)
        logging.getLogger("faxgw").info("done")

    with log_context(faxId="fx-3"):
        task = asyncio.create_task(later())
    logging.getLogger("faxgw").info("left the block")
    await task
    left, done = events(output)
    assert "faxId" not in left and done["faxId"] == "fx-3"


def test_extra_fields_and_tracebacks_stay_on_one_line(output):
    try:
        raise ConnectionResetError("modem went away\nmid-page")
    except ConnectionResetError:
        logging.getLogger("faxgw.modem").exception("call failed", extra={"page": 2})
    lines = output.getvalue().splitlines()
    assert len(lines) == 1
    event = json.loads(lines[0])
    assert event["page"] == 2
    assert "ConnectionResetError: modem went away\nmid-page" in event["exception"]


def test_text_format_for_a_terminal():
    buffer = io.StringIO()
    handler = setup_logging("INFO", fmt="text", stream=buffer)
    try:
        with log_context(faxId="fx-4", modem="ttyUSB0"):
            logging.getLogger("faxgw.api").info("accepted")
        logging.getLogger("faxgw.api").debug("below the level")
    finally:
        logging.getLogger().removeHandler(handler)
    [line] = buffer.getvalue().splitlines()
    assert line.endswith(" INFO faxgw.api: accepted [faxId=fx-4 modem=ttyUSB0]")


def test_setting_up_twice_does_not_print_twice(output):
    again = io.StringIO()
    handler = setup_logging("INFO", stream=again)
    try:
        logging.getLogger("faxgw").info("once")
    finally:
        logging.getLogger().removeHandler(handler)
    assert output.getvalue() == "" and len(again.getvalue().splitlines()) == 1


@pytest.mark.parametrize("level, fmt", [("LOUD", "json"), ("INFO", "xml")])
def test_bad_settings_are_refused(level, fmt):
    with pytest.raises(ValueError, match="LOUD|xml"):
        setup_logging(level, fmt=fmt, stream=io.StringIO())


def test_journald_gets_a_priority_prefix(tmp_path, monkeypatch):
    """When stdout is the journal (JOURNAL_STREAM names it), lines start with <N>."""
    with open(tmp_path / "journal", "w+") as journal:
        info = os.fstat(journal.fileno())
        monkeypatch.setenv("JOURNAL_STREAM", f"{info.st_dev}:{info.st_ino}")
        handler = setup_logging("INFO", stream=journal)
        try:
            logging.getLogger("faxgw").error("modem gone")
            logging.getLogger("faxgw").info("modem back")
        finally:
            logging.getLogger().removeHandler(handler)
        journal.seek(0)
        error, info_line = journal.read().splitlines()
    assert error.startswith("<3>{") and json.loads(error[3:])["message"] == "modem gone"
    assert info_line.startswith("<6>{")


def test_no_prefix_when_stdout_is_not_the_journal(tmp_path, monkeypatch):
    monkeypatch.setenv("JOURNAL_STREAM", "1:2")
    with open(tmp_path / "log", "w+") as elsewhere:
        handler = setup_logging("INFO", stream=elsewhere)
        try:
            logging.getLogger("faxgw").error("modem gone")
        finally:
            logging.getLogger().removeHandler(handler)
        elsewhere.seek(0)
        assert json.loads(elsewhere.read())["message"] == "modem gone"


def test_a_repeated_record_is_limited_and_the_drops_are_counted():
    from faxgw.logs import RepeatLimit
    now = [0.0]
    limit = RepeatLimit(burst=3, window_s=60, clock=lambda: now[0])
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.addFilter(limit)
    logger = logging.getLogger("faxgw.test.repeats")
    logger.addHandler(handler)
    logger.propagate = False
    records: list[logging.LogRecord] = []
    handler.emit = records.append

    def accept_failed():  # one logging call, as a loop that keeps failing makes it
        logger.error("accept() failed: %s", "EMFILE")
    try:
        for _ in range(1000):
            accept_failed()
        logger.error("another call is not limited by the first")
        for n in range(20):  # the same call with other words: not a repeat
            logger.error("fax %d failed", n)
        assert len(records) == 24
        records[4:] = []
        now[0] = 61.0
        accept_failed()
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
    assert len(records) == 5
    assert records[-1].suppressedRepeats == 997


def test_secrets_and_metadata_are_redacted_at_every_level(output):
    logging.getLogger("aiosqlite").debug("executing %s", ("INSERT", {"secret": "whsec_abcdefghijkl"}))
    logging.getLogger("faxgw.api").error("refused Authorization: Bearer fgw_abcdefghij, key fgw_zyxwvutsrq",
                                          extra={"metadata": {"patient": "Jane Roe"}})
    text = output.getvalue()
    assert "whsec_abcdefghijkl" not in text and "fgw_abcdefghij" not in text and "fgw_zyxwvutsrq" not in text
    assert "Jane Roe" not in text
    [event] = events(output)
    assert event["metadata"] == "[redacted]"


def test_debug_level_still_keeps_the_database_library_quiet():
    buffer = io.StringIO()
    root = logging.getLogger()
    saved = root.level
    handler = setup_logging("DEBUG", stream=buffer)
    try:
        logging.getLogger("aiosqlite").debug("executing %s", "a statement and its parameters")
        logging.getLogger("faxgw.scheduler").debug("our own debug line")
    finally:
        root.removeHandler(handler)
        root.setLevel(saved)
    assert [e["logger"] for e in events(buffer)] == ["faxgw.scheduler"]


def test_the_daemon_logging_limits_repeats(output):
    for _ in range(500):
        logging.getLogger("asyncio").error("socket.accept() out of system resource")
    assert len(events(output)) <= 10
