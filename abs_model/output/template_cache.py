"""The jinja2 environment of the shipped templates, with their compiled code kept between runs.

Compiling the report's twenty templates takes some 70 ms, every run. Python keeps a module's
compiled code in the ``__pycache__`` folder beside it; :func:`environment` does the same for the
templates, with jinja2's own bytecode cache (:class:`jinja2.FileSystemBytecodeCache`) in the
templates' ``__pycache__`` folder:

- a template's cached code is used only while its source is the one it was compiled from
  (jinja2 stores a checksum of the source with the code and recompiles on a mismatch), and only
  by an environment with the same options (they are part of the cache key: ``trim_blocks`` and
  the like change the compiled code);
- a folder that cannot be written (a read-only install) or a cache file that cannot be read
  means compiling, as without the cache: never an error. A damaged cache file is compiled over.

The rendered page is the same with or without the cache (tests/abs_model/output/test_template_cache.py).
"""

from __future__ import annotations

import hashlib
import os
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from jinja2.bccache import Bucket

__all__ = ["TemplateCodeCache", "environment"]

PACKAGE = "abs_model.templates"


class TemplateCodeCache(jinja2.FileSystemBytecodeCache):
    """jinja2's file-system bytecode cache in ``directory`` (made when first written), keyed also by
    ``tag`` (the environment's options), that never raises: what cannot be read is compiled, what
    cannot be written is not kept."""

    def __init__(self, directory: str | os.PathLike[str], *, tag: str) -> None:
        super().__init__(str(directory), "%s.jinja2-cache")
        self.tag = tag

    def get_cache_key(self, name: str, filename: str | None = None) -> str:
        return hashlib.sha1(f"{self.tag}\0{super().get_cache_key(name, filename)}".encode()).hexdigest()

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # unreadable or damaged (marshal raises EOFError, ValueError, TypeError): compile
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        try:
            os.makedirs(self.directory, exist_ok=True)
            super().dump_bytecode(bucket)
        except OSError:  # a read-only install, a full disk: compile again next time
            pass


def _cache_folder() -> Path | None:
    """The templates' ``__pycache__`` folder; None when the templates are not plain files."""
    root = resources.files(PACKAGE)
    path = Path(str(root))
    return path / "__pycache__" if isinstance(root, Path) or path.is_dir() else None


def environment(**options: Any) -> jinja2.Environment:
    """A jinja2 environment over the shipped templates with ``options`` (autoescape, undefined,
    whitespace control …), its compiled templates kept between runs (module doc)."""
    folder = _cache_folder()
    tag = repr(sorted((k, getattr(v, "__name__", repr(v))) for k, v in options.items()))
    cache = TemplateCodeCache(folder, tag=tag) if folder is not None else None
    return jinja2.Environment(loader=jinja2.PackageLoader(PACKAGE, "."), bytecode_cache=cache, **options)
