"""``python3 -m hwsim``: the same as ``faxgw-sim``."""

import sys

from .cli import main

sys.exit(main())
