"""The AT layer: bytes on a serial port (``transport``), one command at a time with its
results, data state and DLE (``channel``, ``transaction``, ``results``, ``dle``), the
recovery ladder back to command state (``recovery``) and the errors of it all."""
