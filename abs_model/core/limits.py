"""Input limits: every size a hostile input could blow up, bounded by what one machine can hold.

Each bound is a named constant with the reason in its comment; validators quote it in their
messages so the user sees the limit, the value received and why.
"""

from __future__ import annotations

import datetime as _dt
import unicodedata

__all__ = [
    "EARLIEST_DATE",
    "LATEST_DATE",
    "MAX_NAME_LENGTH",
    "MAX_PERIODS",
    "MAX_POOL_BALANCE",
    "MAX_RECOVERY_LAG",
    "MAX_SEED",
    "MAX_SYNTHETIC_LOANS",
    "MIN_POOL_BALANCE",
    "RESERVED_TRANCHE_NAMES",
    "name_problem",
]

#: Longest projection in periods (months): 50 years, beyond any consumer or auto receivable. A
#: period-by-scenario array of this length stays small; 1e8 periods would need tens of gigabytes.
MAX_PERIODS = 600
#: Longest recovery lag in months (the same horizon).
MAX_RECOVERY_LAG = MAX_PERIODS
#: Most receivables in a synthetic pool: about 40 float64/int arrays of this length (~2 GB).
MAX_SYNTHETIC_LOANS = 5_000_000
#: Largest pool balance a deal may be scaled to (1e15 in the deal currency: a thousand times the
#: biggest consumer ABS programme). Beyond about 1e16 float64 can no longer hold cents, and
#: beyond 1e301 sums overflow to infinity.
MAX_POOL_BALANCE = 1e15
#: Smallest pool balance a deal may be scaled to: the waterfall's checks work to a cent, so a
#: pool of less than 1 unit of currency would pass them with meaningless numbers.
MIN_POOL_BALANCE = 1.0
#: Deal dates accepted (cut-off, closing, first payment, legal final).
EARLIEST_DATE = _dt.date(1900, 1, 1)
LATEST_DATE = _dt.date(2200, 12, 31)
#: Seeds are what numpy's generators accept: 0 .. 2**32 − 1 for a plain integer seed.
MAX_SEED = 2**32 - 1
#: Longest name (deal, tranche, fee, trigger, segment value) accepted.
MAX_NAME_LENGTH = 200
#: Column names the outputs put beside tranche names (a tranche named ``period`` would collide
#: with the period column of the note-balance table); compared case-insensitively.
RESERVED_TRANCHE_NAMES = ("period", "date")

#: Invisible characters that reorder or hide text (bidirectional overrides and isolates).
_BIDI = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}


def name_problem(value: object) -> str | None:
    """Why ``value`` is not acceptable as a name, or ``None``. Defined as: a name is non-blank text of at
    most :data:`MAX_NAME_LENGTH` characters with no control character (``\\x00``–``\\x1f``,
    ``\\x7f``–``\\x9f``, e.g. ESC), no surrogate, no bidirectional override, no other invisible
    format character (Unicode category Cf: zero-width space, soft hyphen, BOM, word joiner, tags —
    ``Senior A`` and ``Senior A`` + U+200B look the same) and no Unicode line break (U+2028, U+2029)."""
    if not isinstance(value, str):
        return None
    if not value.strip():
        return f"must not be blank; got {value!r}"
    if len(value) > MAX_NAME_LENGTH:
        return f"must be at most {MAX_NAME_LENGTH} characters; got {len(value)} characters"
    for i, ch in enumerate(value):
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Cs", "Cf", "Zl", "Zp") or ch in _BIDI or ch in ("\ufffe", "\uffff"):
            return (
                f"must not contain control or invisible characters; got {ch!r} (U+{ord(ch):04X}) at position {i + 1} "
                f"in {value!r}"
            )
    return None
