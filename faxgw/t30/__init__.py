"""The T.30 fax protocol engine (ITU-T T.30): no I/O, no clock, no asyncio.

    frames      FCF codes by their ITU names, frame building/parsing, CSI/TSI idents
    bits, dis   DIS/DTC/DCS information fields <-> named capabilities (T.30 Table 2)
    negotiate   LocalCapabilities, the choice of DCS from both sides, TCF, page verdict
    timers      T1-T5 and the repeat limits, as named data
    events      what goes into an engine (events, with the time) and what comes out
    states      State/Phase enums and the TRANSITIONS table
    engine      the shared machinery; transmitter.Transmitter, receiver.Receiver
    link        the Class1Link seam the async runner (faxgw.modem.class1.session) drives

An engine is driven by ``actions = engine.handle(event)``: notifications, then exactly one
line action to perform; its result is the next event. Nothing else is needed to embed it
(hw-sim's Class 2.0 firmware may).
"""
