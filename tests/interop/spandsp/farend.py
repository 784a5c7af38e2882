"""The spandsp far end as the tests use it: started at the suite's time factor with its log
kept beside the test, and pages read back through libtiff (not through faxgw's codec)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hwsim.spandsp_far_end import FarEndResult, SpandspFarEnd, SpandspUnavailable, build
from tests.interop.g3.tools import libtiff_black_masks

# efax is what limits the factor. Sending, it divides by the whole seconds a page's image
# data took and dies of SIGFPE when that is 0, that is when the page goes out within one
# tick of the wall clock: a whole fine A4 page at 14400 (6.4 s of line) must stay above 1 s,
# so factor 6 at most; receiving, it passed at 20. 4 keeps such a page at 1.6 s on a loaded
# machine; efax sends only fine pages here (a standard one is half as long).
TIME_FACTOR = 4


def require_spandsp() -> None:
    """A missing libspandsp-dev fails loudly (shared/design/testing.md): .ci/run installs it."""
    try:
        build()
    except SpandspUnavailable as error:
        pytest.fail(str(error))


def far_end(tmp_path: Path, role: str, tiff: Path, **options) -> SpandspFarEnd:
    options.setdefault("time_factor", TIME_FACTOR)
    options.setdefault("time_limit", 120.0)
    return SpandspFarEnd(role, tiff, log_path=tmp_path / "spandsp.log", log_level=7, **options)


def tiff_pages(path: Path) -> list[np.ndarray]:
    """Every page of a TIFF as a True-is-ink array, decoded by libtiff."""
    return libtiff_black_masks(path.read_bytes())


def assert_success(result: FarEndResult, far: SpandspFarEnd, pages: int) -> None:
    assert result.success and result.pages == pages, f"{result}\n{far.log()[-4000:]}"


def assert_same_pages(got: list[np.ndarray], want: list[np.ndarray],
                      decoy: np.ndarray | None = None) -> None:
    """Pixel for pixel; a decoy (a page that was not sent) must not pass for the first page,
    or the comparison would prove nothing."""
    assert len(got) == len(want)
    for index, (page, expected) in enumerate(zip(got, want)):
        assert page.shape == expected.shape, f"page {index}: {page.shape} != {expected.shape}"
        assert np.array_equal(page, expected), \
            f"page {index}: {np.sum(page != expected)} pixels differ"
    if decoy is not None:
        assert not (decoy.shape == got[0].shape and np.array_equal(decoy, got[0]))
