"""hw-sim: simulated Class 1 fax modems on pseudo-terminals, joined by a virtual phone line.

hw-sim imports nothing from faxgw: a framing bug must not sit on both sides.
"""

from .bank import ModemBank, ModemInfo
from .faults import Faults
from .profile import ModemProfile, load_profile
from .timing import ACCELERATED, REALTIME, Timing

__all__ = ["ModemBank", "ModemInfo", "Faults", "ModemProfile", "load_profile",
           "Timing", "REALTIME", "ACCELERATED"]
