"""Imported once by the pool's fork server: every worker forked from it then starts with
PDFium, fonts, reportlab and the codec's compiled kernels ready (about 1.5 s per worker
otherwise, paid again after each crash)."""

import logging

from .pipeline import warm_up_worker

try:
    warm_up_worker()
except Exception:  # a failed warm-up only costs speed; the fork server must still start
    logging.getLogger(__name__).exception("documents: warming up the fork server failed")
