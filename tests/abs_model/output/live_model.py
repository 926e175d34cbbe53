"""Helpers of the live-workbook tests (not a test module): the engine's numbers each Outputs row
must equal, the comparison to a cent, LibreOffice recalculation and editing an input cell."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl

CENT = 0.005
RATIO_TOL = 1e-9
"""Trigger values (ratios such as the cumulative default rate) agree to 1e-9 (relative above 1)."""
SUPPORTERS = ("originator", "guarantor")


def keys(ws: Any) -> dict[str, int]:
    """Row key (column A) → row number."""
    return {str(ws.cell(row=r, column=1).value): r for r in range(3, ws.max_row + 1) if ws.cell(row=r, column=1).value}


def expected(res: Any) -> dict[str, np.ndarray]:
    """Output row key → the engine's per-period values (periods 1..T): every tranche's and fee's
    cash flows, the accounts, purchases, what supporters paid in (ledger rows by step label),
    the commingling loss and the collection costs paid."""
    out: dict[str, np.ndarray] = {}
    T = len(res.pool) - 1
    for k, f in enumerate(res.tranches.values()):
        for col in ("interest_paid", "principal_paid", "residual_paid", "writedown", "balance_end"):
            out[f"out.{k}.{col}"] = f[col].to_numpy(dtype=float)
    for j, f in enumerate(res.fees.values()):
        out[f"out.fee.{j}.paid"] = f["paid"].to_numpy(dtype=float)
    for col in ("interest_account_end", "principal_account_end", "pdl_credit", "pdl_end", "reserve_deposit", "reserve_draw", "reserve_end", "cleanup_proceeds"):
        out[f"out.{col}"] = res.accounts[col].to_numpy(dtype=float)
    if res.deal.revolving.active:
        out["out.purchased"] = res.revolving["purchased"].to_numpy(dtype=float)
    for j, f in enumerate(res.triggers.values()):
        out[f"out.trig.{j}.value"] = f["value"].to_numpy(dtype=float)
        out[f"out.trig.{j}.breached"] = f["breached"].to_numpy(dtype=float)
    led = res.ledger

    def per_period(mask: Any) -> np.ndarray:
        return led[mask].groupby("period")["amount"].sum().reindex(range(1, T + 1), fill_value=0.0).to_numpy(dtype=float)

    labels = {st.label for wf in res.deal.structure.waterfalls.values() for st in wf.steps if st.label.startswith(("shortfall_support", "default_cover"))}
    for lab in labels:
        out[f"out.support.{lab}"] = per_period(led.source.isin(SUPPORTERS) & (led.step == lab))
    out["out.commingling"] = per_period(led.step.str.startswith("commingling_loss"))
    out["out.collection_costs_paid"] = res.pool["collection_costs_paid"].to_numpy(dtype=float)[1:]
    return out


def compare(ws: Any, res: Any) -> int:
    """Assert every Outputs row equals the engine to a cent; returns the number of rows compared."""
    rows = keys(ws)
    T = len(res.pool) - 1
    n = 0
    for key, want in expected(res).items():
        if key not in rows:
            assert not np.any(want), key  # a row the model leaves out must be all zero in the run
            continue
        got = np.array([ws.cell(row=rows[key], column=5 + t).value or 0.0 for t in range(T)], dtype=float)
        tol = RATIO_TOL * np.maximum(1.0, np.abs(want)) if key.endswith(".value") else CENT  # trigger values: ratios
        bad = np.flatnonzero(~(np.abs(got - want) <= tol))
        assert bad.size == 0, (key, int(bad[0]) + 1, got[bad[0]], want[bad[0]])
        n += 1
    return n


def recalc(paths: list[Path], tmp: Path) -> Path:
    """Recalculate ``paths`` in headless LibreOffice; returns the folder of the results."""
    out = tmp / "recalc"
    subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation=file://{tmp / 'profile'}", "--convert-to", "xlsx",
         "--outdir", str(out), *map(str, paths)],
        check=True, capture_output=True, timeout=600,
    )
    return out


def set_input(path: Path, dest: Path, name: str, value: float | None = None, *, add: float = 0.0) -> Path:
    """The workbook with the input cell of defined name ``name`` set to ``value`` (or raised by ``add``)."""
    wb = openpyxl.load_workbook(path)
    sheet, ref = next(iter(wb.defined_names[name].destinations))
    cell = wb[sheet][ref.replace("$", "")]
    cell.value = float(value) if value is not None else float(cell.value) + add
    wb.save(dest)
    return dest


_ALLOWED = {"0", "1", "2", "3", "4", "12", "1E+300"}


def check_layout(path: Path) -> int:
    """Assert the Model sheet's layout rules and return the number of formula rows: one formula
    per row (the same after removing column letters), inputs only from the Inputs sheet (in the
    input style), and no number typed in a formula besides 0, 1, the phase codes, 12 and
    'unlimited'."""
    wb = openpyxl.load_workbook(path)
    ws = wb["Model"]
    T = ws.max_column - 4
    n_rows = 0
    for r in range(3, ws.max_row + 1):
        cells = [ws.cell(row=r, column=5 + t).value for t in range(T)]
        if not isinstance(cells[0], str) or not cells[0].startswith("="):
            continue
        n_rows += 1
        shape = {re.sub(r"\$?[A-Z]{1,3}\$?(\d+)", r"R\1", c) for c in cells if "SUMPRODUCT" not in c}
        assert len(shape) <= 1, (ws.cell(row=r, column=1).value, shape)
        body = re.sub(r"(Inputs!)?\$?[A-Z]{1,3}\$?\d+|in_\w+", "", cells[-1])
        for num in re.findall(r"(?<![A-Za-z_])\d+(?:\.\d+)?(?:E[+-]?\d+)?", body):
            assert num in _ALLOWED, (ws.cell(row=r, column=1).value, cells[-1], num)
    for cell in wb["Inputs"]["C"][2:]:
        if cell.value is not None:
            assert cell.fill.fgColor.rgb.endswith("FFF2CC"), cell.coordinate
    return n_rows


def assert_labels_chinese(wb: Any, given: list[str]) -> int:
    """Every row label of the live sheets Chinese but for ``given`` names and day-count codes;
    returns the number of labels read."""
    n = 0
    for title in ("Inputs", "Model", "Outputs"):
        ws = wb[title]
        for r in range(1, ws.max_row + 1):
            text = ws.cell(row=r, column=2).value
            if not isinstance(text, str):
                continue
            n += 1
            for name in sorted(given, key=len, reverse=True):
                text = text.replace(name, "")
            text = re.sub(r"ACT/365F|30/360|OC", "", text)
            assert not re.search(r"[A-Za-z]{3,}", text), (title, r, ws.cell(row=r, column=2).value)
    return n
