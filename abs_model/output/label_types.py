"""The value types of the label registry: a display format, a bilingual label, the Excel number
format of each display format (shared by :mod:`abs_model.output.labels` and
:mod:`abs_model.output.phrases`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

__all__ = ["EXCEL_FORMATS", "Format", "Label", "Lang"]

Format = Literal["amount", "rate", "factor", "int", "date", "text", "years"]
Lang = Literal["en", "zh"]

#: Excel number format per display format.
EXCEL_FORMATS: Mapping[str, str] = MappingProxyType(
    {
        "amount": "#,##0.00",
        "rate": "0.00%",
        "factor": "0.0000",
        "int": "#,##0",
        "date": "yyyy-mm-dd",
        "text": "@",
        "years": "0.00",
    }
)


@dataclass(frozen=True, slots=True)
class Label:
    """Display label of one column: English, Chinese and number format."""

    en: str
    zh: str
    fmt: Format = "amount"

    def text(self, lang: str = "en") -> str:
        """The label in ``lang`` (``"en"`` or ``"zh"``)."""
        return self.zh if lang == "zh" else self.en


def _l(en: str, zh: str, fmt: Format = "amount") -> Label:
    return Label(en, zh, fmt)
