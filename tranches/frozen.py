"""A read-only mapping that pickles (``types.MappingProxyType`` does not), so frozen value
objects holding mappings — a deal's structure, a pool's segments — can travel to worker
processes.

Public (``tranches.FrozenMap``): the one small value type ``abs_model`` shares with the liability
engine, which sits below it (``abs_model`` may import ``tranches``, never the reverse)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class FrozenMap(Mapping[K, V], Generic[K, V]):
    """An immutable copy of a mapping."""

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[K, V] | None = None) -> None:
        self._data: dict[K, V] = dict(data or {})

    def __getitem__(self, key: K) -> V:
        return self._data[key]

    def __iter__(self) -> Iterator[K]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"FrozenMap({self._data!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenMap, (self._data,))
