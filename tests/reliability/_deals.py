"""A small real deal for the reliability tests: the Baitiao structure on the bundled 2,000-loan
tape (instant to load and run), optionally with hostile names."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
BAITIAO = EXAMPLES / "baitiao_revolving.yaml"


def small_deal_file(folder: Path, *, deal_name: str | None = None, rename: dict[str, str] | None = None, region: str | None = None) -> Path:
    """Write ``deal.yaml`` (and ``tape.csv``) into ``folder``; ``rename`` maps tranche names to new
    ones everywhere they appear; ``region`` relabels the first 500 loans' region."""
    doc: dict[str, Any] = yaml.safe_load(BAITIAO.read_text(encoding="utf-8"))
    tape = pd.read_csv(EXAMPLES / "baitiao_tape.csv", dtype=str)
    if region is not None:
        tape.loc[:499, "region"] = region
    tape.to_csv(folder / "tape.csv", index=False)
    doc["pool"] = {"tape": "tape.csv", "scale_to": 1.2e9}
    if deal_name is not None:
        doc["name"] = deal_name
    if rename:
        text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
        doc = copy.deepcopy(yaml.safe_load(text))
        for t in doc["tranches"]:
            t["name"] = rename.get(t["name"], t["name"])
        for steps in doc["waterfalls"].values():
            for step in steps:
                ((kind, body),) = step.items()
                if kind in ("pay_interest", "pay_principal"):
                    names = body if isinstance(body, list) else body["tranches"]
                    names[:] = [rename.get(n, n) for n in names]
                elif isinstance(body, dict):  # steps naming classes in options (issue 12)
                    for key in ("tranches", "turbo"):
                        if key in body:
                            body[key] = [rename.get(n, n) for n in body[key]]
                    if "tranche" in body:
                        body["tranche"] = rename.get(body["tranche"], body["tranche"])
    path = folder / "deal.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path
