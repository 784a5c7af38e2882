"""The T.30 state machine as data (architecture habit 4).

``State`` names follow the T.30 flow diagrams (clause 5.2, Figure 5-2): the calling
transmitter (``T_*``) waits for DIS, sends DCS and TCF, waits for CFR/FTT, sends the page,
the post-page message (MPS/EOP) and waits for its response; the answering receiver
(``R_*``) sends DIS, waits for commands, checks TCF, takes the page and answers
MCF/RTP/RTN. After MCF to EOM (a new document follows) the transmitter waits for DIS
again: phase B once more. ``TRANSITIONS`` lists every move a state may make; the engine checks each
move against it, so a handler cannot wander off the diagram unnoticed.

ECM (T.30 Annex A) is more rows, not flags in these: the transmitter fetches the page
(T_FETCH_PAGE), sends a partial page of FCD frames and RCP at the image speed
(T_SEND_PARTIAL_PAGE), then PPS, RR, CTC or EOR (T_SEND_PPS) and waits for MCF, PPR, RNR,
CTR or ERR (T_WAIT_PPS_RESPONSE); the receiver takes the frames of a carrier
(R_RECEIVE_ECM_FRAMES) and answers PPS/RR/CTC/EOR (R_SEND_PPS_RESPONSE).
"""

from __future__ import annotations

from enum import Enum


class Phase(str, Enum):
    """The five phases of a fax call (T.30 clause 2)."""

    A = "A"  # call set-up
    B = "B"  # pre-message procedure: identification, capabilities, training
    C = "C"  # message transmission
    D = "D"  # post-message procedure
    E = "E"  # call release


class State(str, Enum):
    IDLE = "idle"
    # calling transmitter
    T_WAIT_DIS = "t_wait_dis"
    T_SEND_DCS = "t_send_dcs"
    T_SILENCE_BEFORE_TCF = "t_silence_before_tcf"
    T_SEND_TCF = "t_send_tcf"
    T_WAIT_CFR = "t_wait_cfr"
    T_SILENCE_BEFORE_PAGE = "t_silence_before_page"
    T_SEND_PAGE = "t_send_page"
    T_SILENCE_BEFORE_PPM = "t_silence_before_ppm"
    T_SEND_PPM = "t_send_ppm"
    T_WAIT_PPM_RESPONSE = "t_wait_ppm_response"
    T_SEND_DCN = "t_send_dcn"
    # calling transmitter, ECM
    T_FETCH_PAGE = "t_fetch_page"
    T_SEND_PARTIAL_PAGE = "t_send_partial_page"
    T_SILENCE_BEFORE_PPS = "t_silence_before_pps"
    T_SEND_PPS = "t_send_pps"
    T_WAIT_PPS_RESPONSE = "t_wait_pps_response"
    # answering receiver
    R_SEND_DIS = "r_send_dis"
    R_WAIT_COMMAND = "r_wait_command"
    R_RECEIVE_TCF = "r_receive_tcf"
    R_SEND_CFR = "r_send_cfr"
    R_SEND_FTT = "r_send_ftt"
    R_RECEIVE_PAGE = "r_receive_page"
    R_WAIT_PPM = "r_wait_ppm"
    R_AWAIT_QUALITY = "r_await_quality"
    R_SEND_PPM_RESPONSE = "r_send_ppm_response"
    R_SEND_CRP = "r_send_crp"
    # answering receiver, ECM
    R_RECEIVE_ECM_FRAMES = "r_receive_ecm_frames"
    R_SEND_PPS_RESPONSE = "r_send_pps_response"
    DONE = "done"


PHASE_OF: dict[State, Phase] = {
    State.IDLE: Phase.A,
    State.T_WAIT_DIS: Phase.B, State.T_SEND_DCS: Phase.B,
    State.T_SILENCE_BEFORE_TCF: Phase.B, State.T_SEND_TCF: Phase.B,
    State.T_WAIT_CFR: Phase.B, State.T_SILENCE_BEFORE_PAGE: Phase.C,
    State.T_SEND_PAGE: Phase.C, State.T_SILENCE_BEFORE_PPM: Phase.D,
    State.T_SEND_PPM: Phase.D, State.T_WAIT_PPM_RESPONSE: Phase.D,
    State.T_SEND_DCN: Phase.E,
    State.T_FETCH_PAGE: Phase.C, State.T_SEND_PARTIAL_PAGE: Phase.C,
    State.T_SILENCE_BEFORE_PPS: Phase.D, State.T_SEND_PPS: Phase.D,
    State.T_WAIT_PPS_RESPONSE: Phase.D,
    State.R_RECEIVE_ECM_FRAMES: Phase.C, State.R_SEND_PPS_RESPONSE: Phase.D,
    State.R_SEND_DIS: Phase.B, State.R_WAIT_COMMAND: Phase.B,
    State.R_RECEIVE_TCF: Phase.B, State.R_SEND_CFR: Phase.B, State.R_SEND_FTT: Phase.B,
    State.R_RECEIVE_PAGE: Phase.C, State.R_WAIT_PPM: Phase.D,
    State.R_AWAIT_QUALITY: Phase.D, State.R_SEND_PPM_RESPONSE: Phase.D,
    State.R_SEND_CRP: Phase.D,
    State.DONE: Phase.E,
}

S = State
TRANSITIONS: dict[State, frozenset[State]] = {
    S.IDLE: frozenset({S.T_WAIT_DIS, S.R_SEND_DIS}),
    S.T_WAIT_DIS: frozenset({S.T_WAIT_DIS, S.T_SEND_DCS, S.T_SEND_DCN}),
    S.T_SEND_DCS: frozenset({S.T_SILENCE_BEFORE_TCF}),
    S.T_SILENCE_BEFORE_TCF: frozenset({S.T_SEND_TCF}),
    S.T_SEND_TCF: frozenset({S.T_WAIT_CFR}),
    S.T_WAIT_CFR: frozenset({S.T_WAIT_CFR, S.T_SEND_DCS, S.T_SILENCE_BEFORE_PAGE,
                             S.T_SEND_DCN}),
    S.T_SILENCE_BEFORE_PAGE: frozenset({S.T_SEND_PAGE, S.T_FETCH_PAGE,
                                        S.T_SEND_PARTIAL_PAGE}),
    S.T_SEND_PAGE: frozenset({S.T_SILENCE_BEFORE_PPM, S.T_SEND_DCN}),
    S.T_SILENCE_BEFORE_PPM: frozenset({S.T_SEND_PPM}),
    S.T_SEND_PPM: frozenset({S.T_WAIT_PPM_RESPONSE}),
    S.T_WAIT_PPM_RESPONSE: frozenset({S.T_WAIT_PPM_RESPONSE, S.T_SEND_PPM,
                                      S.T_SILENCE_BEFORE_PAGE, S.T_SEND_DCS,
                                      S.T_SEND_DCN, S.T_WAIT_DIS}),
    S.T_SEND_DCN: frozenset(),
    S.T_FETCH_PAGE: frozenset({S.T_SEND_PARTIAL_PAGE, S.T_SEND_DCN}),
    S.T_SEND_PARTIAL_PAGE: frozenset({S.T_SILENCE_BEFORE_PPS, S.T_SEND_DCN}),
    S.T_SILENCE_BEFORE_PPS: frozenset({S.T_SEND_PPS}),
    S.T_SEND_PPS: frozenset({S.T_WAIT_PPS_RESPONSE}),
    S.T_WAIT_PPS_RESPONSE: frozenset({S.T_WAIT_PPS_RESPONSE, S.T_SEND_PPS,
                                      S.T_SILENCE_BEFORE_PAGE, S.T_SEND_DCN,
                                      S.T_WAIT_DIS}),
    S.R_SEND_DIS: frozenset({S.R_WAIT_COMMAND}),
    S.R_WAIT_COMMAND: frozenset({S.R_WAIT_COMMAND, S.R_SEND_DIS, S.R_RECEIVE_TCF,
                                 S.R_SEND_CFR, S.R_SEND_FTT, S.R_AWAIT_QUALITY,
                                 S.R_SEND_PPM_RESPONSE, S.R_SEND_CRP,
                                 S.R_SEND_PPS_RESPONSE}),
    S.R_RECEIVE_TCF: frozenset({S.R_SEND_CFR, S.R_SEND_FTT}),
    S.R_SEND_CFR: frozenset({S.R_RECEIVE_PAGE, S.R_RECEIVE_ECM_FRAMES}),
    S.R_SEND_FTT: frozenset({S.R_WAIT_COMMAND}),
    S.R_RECEIVE_PAGE: frozenset({S.R_RECEIVE_PAGE, S.R_WAIT_PPM, S.R_WAIT_COMMAND}),
    S.R_WAIT_PPM: frozenset({S.R_WAIT_PPM, S.R_WAIT_COMMAND, S.R_AWAIT_QUALITY,
                             S.R_SEND_PPM_RESPONSE, S.R_RECEIVE_TCF, S.R_SEND_FTT,
                             S.R_SEND_CRP, S.R_SEND_PPS_RESPONSE}),
    S.R_AWAIT_QUALITY: frozenset({S.R_SEND_PPM_RESPONSE, S.R_SEND_PPS_RESPONSE}),
    S.R_SEND_PPM_RESPONSE: frozenset({S.R_RECEIVE_PAGE, S.R_WAIT_COMMAND, S.R_SEND_DIS}),
    S.R_SEND_CRP: frozenset({S.R_WAIT_COMMAND, S.R_WAIT_PPM}),
    S.R_RECEIVE_ECM_FRAMES: frozenset({S.R_RECEIVE_ECM_FRAMES, S.R_WAIT_PPM,
                                       S.R_WAIT_COMMAND}),
    S.R_SEND_PPS_RESPONSE: frozenset({S.R_RECEIVE_ECM_FRAMES, S.R_WAIT_COMMAND,
                                      S.R_WAIT_PPM, S.R_SEND_DIS}),
    S.DONE: frozenset(),
}
# The wildcard row: every state may also end the session (move to DONE). The line can
# drop and the modem can fail during any line action, so the end is reachable from
# anywhere (T.30 5.4.3: on a failure the procedure ends in phase E, whatever it was doing).
FROM_ANY_STATE: frozenset[State] = frozenset({S.DONE})
del S


class IllegalTransition(RuntimeError):
    """A handler tried a move the table does not allow: a bug in the engine."""


class UnexpectedEvent(RuntimeError):
    """The runner fed an event the current state does not take: a bug in the runner."""
