"""Tape columns as the numpy arrays a :class:`~abs_model.collateral.pool.Pool` stores.

:func:`text_array` turns a segment column into the fixed-width unicode array
``np.asarray(column.to_numpy()).astype(str)``, converting each distinct value once instead of
making a Python string per loan (a 1M-loan pool: about 0.1 s per column instead of 0.25 s).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["text_array"]


def text_array(s: pd.Series) -> np.ndarray:
    """``np.asarray(s.to_numpy()).astype(str)``, the same dtype and values. For an Arrow-backed
    ``str`` column without missing cells each distinct value is converted once and the array
    taken from them: its width is the longest distinct value's, the same as the whole column's."""
    if isinstance(s.dtype, pd.StringDtype) and s.dtype.storage == "pyarrow" and len(s) and not s.hasnans:
        try:
            import pyarrow.compute as pc
        except ImportError:
            pass
        else:
            enc = pc.dictionary_encode(s.array.__arrow_array__().combine_chunks())
            values = np.asarray(enc.dictionary.to_numpy(zero_copy_only=False)).astype(str)
            return values[np.asarray(enc.indices.to_numpy(zero_copy_only=False), dtype=np.intp)]
    return np.asarray(s.to_numpy()).astype(str)
