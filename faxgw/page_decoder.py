"""The one G3 page decoder of received pages: a session's page (its data and format) into
an image and its bad-line report, with ``faxgw.g3``. The Class 1 and Class 2 receivers
and the received-fax record all use it (they take it by injection as a ``PageDecoder``).
"""

from __future__ import annotations

from typing import Any

from faxgw.session import PageFormat
from faxgw.t30.negotiate import PageQuality


class G3Decoder:
    """``PageDecoder`` with ``faxgw.g3``: the image and its bad-line report."""

    def decode(self, data: bytes, fmt: PageFormat) -> tuple[Any, PageQuality]:
        from faxgw import g3

        image, report = g3.decode(data, fmt.width_px, fmt.coding.value)
        return image, PageQuality(report.lines, report.bad_lines, report.longest_bad_run)

    def warm_up(self) -> None:
        """Compile the codec's kernels of every coding (MH, MR, MMR) now."""
        from faxgw import g3

        g3.warm_up()
