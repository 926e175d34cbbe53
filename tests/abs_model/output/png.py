"""A minimal PNG reader for the screenshot tests (8-bit RGB/RGBA, not interlaced: what Chromium
writes), so the tests need no imaging library. PNG: https://www.w3.org/TR/png/ §7 (filters)."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np

_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _sequential(line: list[int], prev: list[int], bpp: int, ftype: int) -> list[int]:
    """Average (3) and Paeth (4): each byte depends on the one ``bpp`` before it (plain ints: fast)."""
    cur = line[:]
    for i, x in enumerate(line):
        a = cur[i - bpp] if i >= bpp else 0
        b = prev[i]
        if ftype == 3:
            cur[i] = (x + (a + b) // 2) & 0xFF
            continue
        c = prev[i - bpp] if i >= bpp else 0
        p = a + b - c
        pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
        cur[i] = (x + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
    return cur


def _unfilter(raw: bytes, height: int, stride: int, bpp: int) -> np.ndarray:
    out = np.zeros((height, stride), dtype=np.uint8)
    prev = np.zeros(stride, dtype=np.int64)
    for r in range(height):
        start = r * (stride + 1)
        ftype = raw[start]
        line = np.frombuffer(raw, dtype=np.uint8, count=stride, offset=start + 1).astype(np.int64)
        if ftype == 0:
            cur = line
        elif ftype == 1:  # sub: a running sum along the row, per channel
            cur = np.cumsum(line.reshape(-1, bpp), axis=0).reshape(-1) & 0xFF
        elif ftype == 2:  # up
            cur = (line + prev) & 0xFF
        elif ftype in (3, 4):
            cur = np.array(_sequential(line.tolist(), prev.tolist(), bpp, ftype), dtype=np.int64)
        else:
            raise ValueError(f"PNG filter type {ftype} on row {r} is not one of 0-4")
        out[r] = cur
        prev = cur
    return out


def read_png(path: Path) -> np.ndarray:
    """The image as a (height, width, channels) array of floats in [0, 1], as matplotlib's
    ``imread`` gives it."""
    data = Path(path).read_bytes()
    if not data.startswith(_SIGNATURE):
        raise ValueError(f"{path}: not a PNG file")
    pos, idat, header = len(_SIGNATURE), [], None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        pos += 12 + length
    if header is None:
        raise ValueError(f"{path}: no IHDR chunk")
    width, height, depth, colour, _, _, interlace = header
    channels = {2: 3, 6: 4}.get(colour)
    if depth != 8 or channels is None or interlace:
        raise ValueError(f"{path}: only 8-bit RGB/RGBA non-interlaced PNGs are read; got depth {depth}, colour {colour}")
    pixels = _unfilter(zlib.decompress(b"".join(idat)), height, width * channels, channels)
    return pixels.reshape(height, width, channels).astype(np.float32) / 255.0
