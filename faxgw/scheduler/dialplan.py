"""What the line dials for a fax's phone number.

The API keeps numbers as E.164 (``+15551234567``) or national digits; a modem needs what a
person at that line would dial: maybe an outside-line prefix behind a PBX, the national
form of numbers in our own country, an international prefix for the others.
"""

from __future__ import annotations

from dataclasses import dataclass

from faxgw.config import DialPlanConfig
from faxgw.store import destination_key


@dataclass(frozen=True)
class DialPlan:
    outside_line_prefix: str = ""
    country_code: str = ""
    national_prefix: str = ""
    international_prefix: str = ""

    @classmethod
    def from_config(cls, c: DialPlanConfig) -> "DialPlan":
        return cls(c.outside_line_prefix, c.country_code, c.national_prefix,
                   c.international_prefix)

    def dial_string(self, number: str) -> str:
        """``+<cc><national>`` in our country -> national prefix + national number; another
        country -> international prefix + all digits; digits without ``+`` as given."""
        return self.outside_line_prefix + self._public_number(number)

    def destination_key(self, number: str) -> str:
        """The key of what was learned about ``number`` (digits, E.164 where we can)."""
        return destination_key(number, self.country_code, self.national_prefix)

    def _public_number(self, number: str) -> str:
        if not number.startswith("+"):
            return number
        digits = number[1:]
        if self.country_code and digits.startswith(self.country_code):
            return self.national_prefix + digits[len(self.country_code):]
        return self.international_prefix + digits
