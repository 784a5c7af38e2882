"""T.30 timers, repeat limits and line timing, as named data (architecture habit 6).

The engine has no clock: the runner feeds it the time in each event, and the engine
compares it with these. Values are the nominal ones of T.30 clause 5.4.3 (time-outs);
the tolerance is noted where a choice within it was made.
"""

from __future__ import annotations

T1_S = 35.0  # T.30 5.4.3: 35 ± 5 s to identify the far end as a fax machine (phase B)
T2_S = 6.0  # T.30 5.4.3: 6 ± 1 s waiting for a command (or for the image carrier)
T3_S = 10.0  # T.30 5.4.3: 10 ± 5 s for an operator after PIP/PIN (we have none)
T4_S = 3.0  # T.30 5.4.3: 3 s ± 15 % waiting for a response (automatic units)
T5_S = 60.0  # T.30 5.4.3 / Annex A: 60 ± 5 s of RNR before ECM gives up

# T.30 clause 5.4.2 (command repeats): a command that gets no valid response is sent at
# most three times before the procedure gives up.
MAX_COMMAND_TRIES = 3
# Training (DCS + TCF) is tried up to three times at one speed before falling back
# (HylaFAX and spandsp both retry a speed before dropping it).
MAX_TRAINING_TRIES_PER_SPEED = 3
# A page answered RTN is sent again at most this often before the call gives up.
MAX_PAGE_TRIES = 3
# A far end that sends DIS again after our DCS missed it; we resend, this often at most.
MAX_DIS_REPEATS = 3
# CRP asks us to repeat our last command; a far end that asks forever is broken.
MAX_CRP_REPEATS = 3
# ECM (T.30 Annex A): a receiver that is still storing the page answers RNR; it waits
# this share of T4 for its decoder before each RNR, so that its answer comes within T4.
ECM_READY_WAIT_SHARE_OF_T4 = 0.3

# Re-listens after +FCERROR (wrong carrier), our own echo, or a garbled frame, per wait:
# bounded so that a confused modem can never make the session spin.
MAX_RELISTENS = 4
# While waiting for DIS, T1 bounds the wait; this bounds carriers that are not V.21
# (+FCERROR, NO CARRIER) so that a data modem or a voice is recognised, not spun on.
MAX_NOISE_BEFORE_DIS = 12

# T.30 clause 5.3.2.4 / T.31 clause 8.2: 75 ± 20 ms of silence before a change of
# modulation (+FTS=8 rounds up to 80 ms, well within the tolerance).
SILENCE_BEFORE_MODULATION_MS = 75

# TCF (T.30 clause 5.3.6.2.10 note): 1.5 s ± 10 % of continuous zeros at the new speed.
TCF_DURATION_S = 1.5
# The receiver judges TCF by its longest run of zero bits: a line that carries about a
# second of clean zeros will carry the page (spandsp and HylaFAX judge the same way).
TCF_GOOD_ZERO_RUN_S = 1.0


from dataclasses import dataclass  # noqa: E402 - kept beside the values it groups


@dataclass(frozen=True, slots=True)
class Timers:
    """The timers one engine runs with: the T.30 values, or all of them scaled by one
    factor for an accelerated simulation (hw-sim's fast mode, loopback tests)."""

    t1_s: float = T1_S
    t2_s: float = T2_S
    t4_s: float = T4_S
    t5_s: float = T5_S  # ECM: how long a receiver may keep answering RNR

    def scaled(self, factor: float) -> Timers:
        return Timers(self.t1_s * factor, self.t2_s * factor, self.t4_s * factor,
                      self.t5_s * factor)
