"""``abs-model compare-strategies DEAL.yaml [--strategies FILE] [--discount-rate R] [--out FILE]``.

Compares collection strategies on a deal (:func:`abs_model.analytics.strategies.compare_strategies`,
one row per strategy). The strategies file is read by the deal files' strict reader
(:func:`abs_model.deal.loader.read_document`: duplicate keys, merge keys, aliases and tabs
refused, naming the file and line); the CSV goes through the one formula-injection rule
(:func:`abs_model.output.safe_text.csv_safe`) and is written atomically.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

__all__ = ["add_compare_command", "cmd_compare_strategies"]


def add_compare_command(sub: Any) -> None:
    """Register ``abs-model compare-strategies DEAL`` on the CLI's sub-parsers."""
    c = sub.add_parser("compare-strategies", help="compare collection strategies on a deal (one row per strategy)")
    c.add_argument("deal")
    c.add_argument("--strategies", help="YAML file with the strategies (default: the built-in three)")
    c.add_argument("--discount-rate", type=float, default=0.10, help="annual rate for the NPV (default 0.10)")
    c.add_argument("--out", help="also write the table as CSV here")
    c.set_defaults(func=cmd_compare_strategies)


def cmd_compare_strategies(args: argparse.Namespace) -> int:
    from abs_model.analytics.strategies import compare_strategies, strategies_from_document
    from abs_model.deal.loader import read_document
    from abs_model.deal.model import load_deal
    from abs_model.output.atomic import atomic_write, check_output_file
    from abs_model.output.safe_text import csv_safe

    if args.out is not None:  # refused before the run, not by the write after it
        check_output_file(args.out)
    deal = load_deal(args.deal)
    strategies = None
    if args.strategies:
        path = Path(args.strategies)
        strategies = strategies_from_document(read_document(path, what="strategies file"), source=str(path))
    table = compare_strategies(deal, strategies, discount_rate=args.discount_rate)
    money = ["npv_collections", "collection_costs", "late_fees", "restructured_entries"]
    ratios = ["cumulative_default_rate", "net_loss_rate"]  # on the initial pool: shown as percentages
    fmt = {c: (lambda v: f"{v:,.2f}") for c in money} | {c: (lambda v: f"{v:.2%}") for c in ratios}
    print(table[money + ratios].to_string(formatters=fmt))
    if args.out is not None:
        with atomic_write(args.out) as fh:  # text from inputs stays text (a name starting a formula)
            csv_safe(table).to_csv(fh)
        print(f"Wrote {args.out}")
    return 0
