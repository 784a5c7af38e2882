"""The scheduler: from a queued fax to a call on a modem, and back to the record.

    dialplan   E.164 / national numbers -> the digits the line dials
    policy     a SessionResult -> the store's AttemptResult (reason, backoff, give-up)
    pages      a fax's pages.tif (documents service) -> the unconfirmed pages as a PageSource
    encoding   coding those pages for the line in worker processes (the codec holds the GIL)
    pool       the modems: probe, idle/busy/offline/probing, take out and put back
    attempt    one outgoing call: claim in, session, pages confirmed, result out
    dispatcher the claim loop: round-robin between tenants, one call per number
    receiver   modems that answer: T.30 receive; each call handed to faxgw.inbound
    service    all of it started and stopped as one; crash recovery at start
    looplag    event-loop lag and modem idle-gap statistics (benchmark, status file)
    simbank    the built-in hw-sim bank (demo, and configs without [[modem]])
    modem_status  the modems as plain data, for the API and the status line
"""
