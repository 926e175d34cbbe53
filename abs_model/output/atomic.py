"""Atomic file writes: a failed write never leaves a half file nor overwrites a good one.

The content goes to a temporary file in the destination's directory (same file system, so the
final rename is atomic), is flushed and ``fsync``-ed, and only then replaces the destination with
:func:`os.replace`. If the block raises, the temporary file is deleted and the destination is
left exactly as it was.

A run writes several outputs: :func:`staging_folder` and :func:`replace_all` make them one set
(all replaced or none), and :func:`prepare_output_folder` removes staging folders that killed
runs left behind.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any, Literal

from abs_model.errors import OutputError

__all__ = ["OutputError", "atomic_write", "check_output_file", "prepare_output_folder", "refuse_overwriting_inputs", "remove_stale_staging", "replace_all", "staging_folder"]



@contextlib.contextmanager
def atomic_write(
    path: str | os.PathLike[str],
    mode: Literal["w", "wb"] = "w",
    *,
    encoding: str = "utf-8",
) -> Iterator[IO[Any]]:
    """Open a temporary file next to ``path``; on a clean exit it replaces ``path`` atomically.

    ``mode`` is ``"w"`` (text, ``encoding``) or ``"wb"`` (bytes). Usage::

        with atomic_write("report.html") as fh:
            fh.write(html)
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"mode: must be 'w' or 'wb'; got {mode!r}")
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    tmp = Path(tmp_name)
    try:
        if mode == "wb":
            fh: IO[Any] = os.fdopen(fd, "wb")
        else:
            fh = os.fdopen(fd, "w", encoding=encoding, newline="")
        with fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        # mkstemp creates 0600; give the file the permissions an ordinary open() would.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except OSError as exc:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        if exc.filename is None:  # e.g. ENOSPC from a write: name the file the user asked for
            raise OSError(exc.errno, exc.strerror or str(exc), str(target)) from exc
        raise
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


#: Staging folders are named ``.abs-model-<pid>-<random>.tmp`` inside the output folder.
STAGING_PREFIX = ".abs-model-"
#: A staging folder whose name carries no process id is stale after this many seconds.
STALE_AFTER_S = 3600.0


def check_output_folder(out: str | os.PathLike[str]) -> Path:
    """Refuse, before any work is done, an output folder that cannot be used: an empty path
    (which would silently mean the current folder), a file, or a place that cannot be written."""
    if not str(out).strip():
        raise OutputError("--out: must name a folder; got an empty path (use --out . for the current folder)")
    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"--out: must be a folder; got {str(out)!r}, which is a file")
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if existing.exists() and not existing.is_dir():
        raise OutputError(f"--out: cannot create {str(out)!r}: {existing} is a file")
    if existing.exists() and not os.access(existing, os.W_OK | os.X_OK):
        raise OutputError(f"--out: cannot write into {existing} (permission denied); got {str(out)!r}")
    return folder


def check_output_file(out: str | os.PathLike[str], *, option: str = "--out") -> Path:
    """Refuse, before any work is done, an output file that cannot be written: an empty path, a
    folder, a place whose folder does not exist (or is a file) or cannot be written. Once these
    were found only after the run, by the write itself (``[Errno 21] Is a directory:
    '/.tmp.x.tmp' -> '/tmp'``), or an empty path wrote nothing without a word."""
    if not str(out).strip():
        raise OutputError(f"{option}: must name a file; got an empty path")
    target = Path(out)
    if target.is_dir():
        raise OutputError(f"{option}: must name a file; got {str(out)!r}, which is a folder")
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise OutputError(f"{option}: the folder {str(parent)!r} does not exist (or is a file); got {str(out)!r}")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"{option}: cannot write into {str(parent)!r} (permission denied); got {str(out)!r}")
    return target


def refuse_overwriting_inputs(
    targets: Sequence[str | os.PathLike[str]], inputs: Sequence[str | os.PathLike[str]], *, option: str = "--out"
) -> None:
    """Refuse outputs that would replace one of the run's input files (the deal file, a tape, an
    assumptions or actuals file ...), compared after resolving links: a tape saved as
    ``out/cashflows.parquet``, or ``compare-strategies --out deal.yaml``, was overwritten by the
    output it had just fed, without a word."""
    given = {Path(f).resolve(): os.fspath(f) for f in inputs if Path(f).is_file()}
    for t in targets:
        source = given.get(Path(t).resolve())
        if source is not None:
            raise OutputError(
                f"{option}: writing {Path(t).name} would replace the input file {source!r}; "
                "choose another output place or move the input"
            )


def prepare_output_folder(out: str | os.PathLike[str]) -> Path:
    """The output folder (checked by :func:`check_output_folder`), created if needed, after
    removing staging folders that runs killed before they could clean up (their process is gone)."""
    folder = check_output_folder(out)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # e.g. under /proc or on a read-only file system, which the check cannot foresee
        raise OutputError(f"--out: cannot create {str(out)!r}: {exc.strerror or exc}") from None
    remove_stale_staging(folder)
    return folder


def staging_folder(out: Path) -> Path:
    """A new, empty staging folder inside ``out`` (same file system: moves out of it are atomic)."""
    return Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{os.getpid()}-", suffix=".tmp", dir=out))


def remove_stale_staging(out: Path) -> list[Path]:
    """Remove staging folders in ``out`` left by a run that was killed (SIGKILL, power loss): its
    process id is no longer running (or, for an unnamed one, it is older than an hour)."""
    removed = []
    for d in out.glob(f"{STAGING_PREFIX}*.tmp"):
        if d.is_dir() and _stale(d):
            shutil.rmtree(d, ignore_errors=True)
            removed.append(d)
    return removed


def _stale(d: Path) -> bool:
    pid_text = d.name[len(STAGING_PREFIX) :].split("-", 1)[0]
    if pid_text.isdigit():
        pid = int(pid_text)
        if pid == os.getpid():
            return False
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:  # alive, another user's
            return False
        return False
    try:
        return time.time() - d.stat().st_mtime > STALE_AFTER_S
    except FileNotFoundError:
        return False


def replace_all(staged: Sequence[Path], out: Path) -> list[Path]:
    """Move every staged file into ``out`` as one set: all of them replace the old outputs, or
    none does. The old files are first moved aside (into the staging folder), then the new ones
    moved in; if any move fails (a file locked by Excel, a permission, an interrupt) the new ones
    already placed are removed and the old set is put back, and the error is raised."""
    if not staged:
        return []
    aside = staged[0].parent / ".previous"
    aside.mkdir(exist_ok=True)
    moved_aside: list[str] = []
    placed: list[str] = []
    try:
        for p in staged:
            target = out / p.name
            if target.exists() or target.is_symlink():
                os.replace(target, aside / p.name)
                moved_aside.append(p.name)
        for p in staged:
            os.replace(p, out / p.name)
            placed.append(p.name)
    except BaseException:
        for name in placed:
            with contextlib.suppress(OSError):
                (out / name).unlink()
        for name in moved_aside:
            with contextlib.suppress(OSError):
                os.replace(aside / name, out / name)
        raise
    return [out / p.name for p in staged]
