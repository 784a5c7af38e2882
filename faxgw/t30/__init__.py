"""The T.30 fax protocol engine (ITU-T T.30): no I/O, no clock, no asyncio."""
