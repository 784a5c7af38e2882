"""page_seconds: the page durations of faxgw_page_duration_seconds, read from a T.30 trace."""

from faxgw.scheduler.attempt import page_seconds
from faxgw.session import TraceEntry as T


def test_each_confirmed_page_counts_from_its_last_image_data_to_its_confirmation():
    trace = [T(0.0, "cmd", "dial"), T(0.4, "cmd", "SendImage", "TCF"), T(1.6, "rx", "CFR"),
             T(1.7, "cmd", "SendImage"), T(3.0, "note", "MCF: page 1 confirmed"),
             T(3.1, "cmd", "SendImage"), T(4.0, "note", "RTN: page 2 sent again"),
             T(4.5, "cmd", "SendImage"), T(6.0, "note", "RTP: page 2 confirmed"),
             T(6.2, "cmd", "SendImage"), T(7.0, "event", "timeout")]
    assert [round(s, 3) for s in page_seconds(trace)] == [1.3, 1.5]


def test_an_ecm_page_counts_from_its_first_frames_to_its_confirmation():
    trace = [T(0.4, "cmd", "SendImage", "TCF"), T(1.6, "rx", "CFR"),
             T(1.7, "cmd", "SendHdlcFrames"), T(2.5, "note", "PPR 1: 2 of 9 frames again"),
             T(2.6, "cmd", "SendHdlcFrames"), T(3.0, "note", "MCF: page 1 confirmed"),
             T(3.2, "cmd", "SendHdlcFrames"), T(4.2, "note", "MCF: page 2 confirmed")]
    assert [round(s, 3) for s in page_seconds(trace)] == [1.3, 1.0]
