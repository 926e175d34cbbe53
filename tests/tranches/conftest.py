"""Liability-test configuration; shared helpers live in ``tests/tranches/support.py``."""

from __future__ import annotations

from tests.tranches.support import month_ends

__all__ = ["month_ends"]
