"""Values a deal file may legally hold but that are almost certainly a typing slip: a coupon of
51 % (meant 5.1 %), a servicing fee of 0.5 a year (meant 0.5 %), a flat fee of 10 % a period.
They are warned about, not refused: a distressed deal can carry a high coupon. The limits are
named constants, quoted in every message."""

from __future__ import annotations

from typing import TYPE_CHECKING

import tranches as tr

if TYPE_CHECKING:
    from abs_model.deal.model import Deal

__all__ = ["MAX_COUPON", "MAX_FEE_RATE", "MAX_PERIOD_FEE", "MAX_TAX_RATE", "implausible"]

#: Note coupon, a year: above this it is probably a percentage typed as a decimal.
MAX_COUPON = 0.20
#: Trustee / servicer fee on a balance, a year.
MAX_FEE_RATE = 0.05
#: Tax on interest income (VAT is about 3.26 %).
MAX_TAX_RATE = 0.20
#: Fee of a revolving purchase's instalment plan, a period (Baitiao: 0–1.2 % a period).
MAX_PERIOD_FEE = 0.05


def _pct(v: float) -> str:
    return f"{v:.2%}"


def implausible(deal: Deal) -> list[str]:
    """One message per implausible value of ``deal`` (a :class:`~abs_model.deal.model.Deal`),
    naming its path, the value and the limit it passes."""
    out: list[str] = []
    for t in deal.structure.tranches:
        for i, c in enumerate(t.coupons):
            if c > MAX_COUPON:
                at = f"[{i}]" if len(t.coupons) > 1 else ""
                out.append(
                    f"tranches[{t.name!r}].coupon{at}: {_pct(c)} a year is implausible for a note coupon "
                    f"(above {_pct(MAX_COUPON)}); got {c!r} — rates are decimals (0.051 = 5.1 %)"
                )
                break
    for f in deal.structure.fees:
        if isinstance(f, tr.Tax) and f.rate > MAX_TAX_RATE:
            out.append(
                f"fees[{f.name!r}].rate: a tax of {_pct(f.rate)} of interest income is implausible "
                f"(above {_pct(MAX_TAX_RATE)}); got {f.rate!r} — rates are decimals (0.0326 = 3.26 %)"
            )
        elif isinstance(f, tr.Fee) and f.basis != "fixed" and f.rate > MAX_FEE_RATE:
            out.append(
                f"fees[{f.name!r}].rate: {_pct(f.rate)} of the {f.basis.replace('_', ' ')} a year is implausible "
                f"for a fee (above {_pct(MAX_FEE_RATE)}); got {f.rate!r} — rates are decimals and annual (0.005 = 0.5 % a year)"
            )
    for i, line in enumerate(deal.revolving.replenishment):
        if line.rate > MAX_PERIOD_FEE and line.product == "flat_fee":
            out.append(
                f"revolving.replenishment[{i}].rate: a flat fee of {_pct(line.rate)} a period is implausible "
                f"(above {_pct(MAX_PERIOD_FEE)}); got {line.rate!r} — rates are decimals (0.006 = 0.6 % a period)"
            )
    return out
