"""Optional packages behind extras: ``pip install 'abs-model[parquet,sql]'`` (``dev`` pulls them in).

:func:`require` imports an optional package or raises :class:`~abs_model.errors.MissingExtraError`
naming the feature, the package and the extra that installs it.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from abs_model.errors import MissingExtraError

__all__ = ["EXTRAS", "available", "require"]

#: Optional package → the extra that installs it.
EXTRAS = {"pyarrow": "parquet", "sqlalchemy": "sql"}


def require(module: str, *, feature: str) -> ModuleType:
    """``module`` imported, or a :class:`MissingExtraError` saying which extra provides it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        extra = EXTRAS.get(module, module)
        raise MissingExtraError(
            f"{feature} needs the optional package {module!r}, which is not installed; "
            f"install it with: pip install 'abs-model[{extra}]'"
        ) from None


def available(module: str) -> bool:
    """Whether the optional ``module`` can be imported."""
    try:
        importlib.import_module(module)
    except ImportError:
        return False
    return True
