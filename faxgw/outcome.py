"""The one catalogue of call outcomes (architecture habit 8).

Every fax call, whatever the modem class, ends with one ``Outcome``. Each member carries
the sentence a user reads (the API's ``failedReason``) and a ``RetryClass`` that the
scheduler's backoff keys on. The member *value* is the stable string stored in the
database and returned by the API: never rename a value, only add members.
"""

from __future__ import annotations

from enum import Enum


class RetryClass(str, Enum):
    """How the scheduler should treat a failed attempt (its backoff keys on this)."""

    NONE = "none"  # success: nothing to retry
    SOON = "soon"  # busy line: try again in a minute or two
    LATER = "later"  # nobody answered: wait longer before trying again
    PROTOCOL = "protocol"  # the call connected but T.30 failed: a middle backoff
    NO_FAX = "no_fax"  # a person or data modem answered: stop after the second time
    MODEM = "modem"  # our side failed: retry on another modem, check this one
    PERMANENT = "permanent"  # retrying cannot help (the document or far end is incompatible)
    STOPPED = "stopped"  # the attempt was ended on purpose (cancelled, daemon stopped)


class Outcome(str, Enum):
    """Results of one fax session; ``sentence`` and ``retry`` are per member."""

    SUCCESS = "success"
    BUSY = "busy"
    NO_ANSWER = "no_answer"
    NO_CARRIER = "no_carrier"
    NO_DIALTONE = "no_dialtone"
    BAD_NUMBER = "bad_number"
    NO_FAX_AT_FAR_END = "no_fax_at_far_end"
    INCOMPATIBLE = "incompatible"
    TRAINING_FAILED = "training_failed"
    PAGE_REJECTED = "page_rejected"
    FAR_END_HUNG_UP = "far_end_hung_up"
    PROTOCOL_TIMEOUT = "protocol_timeout"
    PROTOCOL_ERROR = "protocol_error"
    EOP_UNANSWERED = "eop_unanswered"
    MODEM_FAULT = "modem_fault"
    DOCUMENT_ERROR = "document_error"
    CANCELLED = "cancelled"
    INTERRUPTED = "interrupted"
    WORKER_LOST = "worker_lost"
    RECIPIENT_MISMATCH = "recipient_mismatch"

    @property
    def sentence(self) -> str:
        return _SENTENCES[self][0]

    @property
    def retry(self) -> RetryClass:
        return _SENTENCES[self][1]

    @property
    def is_success(self) -> bool:
        return self is Outcome.SUCCESS


_SENTENCES: dict[Outcome, tuple[str, RetryClass]] = {
    Outcome.SUCCESS: ("The fax was delivered and the receiver confirmed every page.",
                      RetryClass.NONE),
    Outcome.BUSY: ("The number was busy.", RetryClass.SOON),
    Outcome.NO_ANSWER: ("Nobody answered the call.", RetryClass.LATER),
    # Answered, but no fax tone: a person, an answering machine or silence. The scheduler
    # counts this as "answered without a fax machine" (stop calling after the second time).
    Outcome.NO_CARRIER: ("The call was answered but no fax tone was heard.",
                         RetryClass.NO_FAX),
    Outcome.NO_DIALTONE: ("The modem heard no dial tone: check the phone line.",
                          RetryClass.MODEM),
    Outcome.BAD_NUMBER: ("The number cannot be dialled as written.", RetryClass.PERMANENT),
    Outcome.NO_FAX_AT_FAR_END: ("The number answered, but not with a fax machine "
                                "(a person, an answering machine or a data modem).",
                                RetryClass.NO_FAX),
    Outcome.INCOMPATIBLE: ("The fax machine at the far end cannot receive this document "
                           "(no common speed, size or coding).", RetryClass.PERMANENT),
    Outcome.TRAINING_FAILED: ("The line was too poor: the fax machines could not agree "
                              "on any speed.", RetryClass.PROTOCOL),
    Outcome.PAGE_REJECTED: ("The receiving fax machine rejected a page repeatedly "
                            "because of line errors.", RetryClass.PROTOCOL),
    Outcome.FAR_END_HUNG_UP: ("The far end hung up before the fax was complete.",
                              RetryClass.PROTOCOL),
    Outcome.PROTOCOL_TIMEOUT: ("The far-end fax machine stopped answering during the call.",
                               RetryClass.PROTOCOL),
    Outcome.PROTOCOL_ERROR: ("The far-end fax machine sent something the fax protocol "
                             "does not allow at that point.", RetryClass.PROTOCOL),
    Outcome.EOP_UNANSWERED: ("All pages were sent, but the receiver never confirmed the "
                             "last one; it may or may not have been printed.",
                             RetryClass.PROTOCOL),
    Outcome.MODEM_FAULT: ("The fax modem stopped working during the call.",
                          RetryClass.MODEM),
    Outcome.DOCUMENT_ERROR: ("The document could not be prepared as fax pages.",
                             RetryClass.PERMANENT),
    Outcome.CANCELLED: ("The fax was cancelled.", RetryClass.STOPPED),
    Outcome.INTERRUPTED: ("The call was interrupted when the gateway stopped or "
                          "restarted.", RetryClass.PROTOCOL),
    # Our own page coder died mid-call: nothing is wrong with the document or the line.
    Outcome.WORKER_LOST: ("The gateway lost the process coding a page during the call; "
                          "the fax will be tried again.", RetryClass.PROTOCOL),
    # The sender asked to verify the recipient and the machine that answered named itself
    # otherwise: no page was sent. Calling again would reach the same machine.
    Outcome.RECIPIENT_MISMATCH: ("The fax machine that answered is not the expected "
                                 "recipient, so no page was sent.", RetryClass.PERMANENT),
}
