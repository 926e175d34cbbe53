"""Investor report: the context has every section, the page is self-contained and escapes deal
strings; a headless Chromium renders it (skipped where Chromium is not installed)."""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from abs_model.output.report import SECTION_IDS, build_context, render_report

T = 12
CENT = 0.005


# --- a small, internally consistent fake of the deal result ---------------------------------


@dataclass(frozen=True)
class FakeDeal:
    name: str
    currency: str = "CNY"
    cutoff_date: np.datetime64 = field(default_factory=lambda: np.datetime64("2025-01-31", "D"))


@dataclass(frozen=True)
class FakeAssumptions:
    convention: str = "roll_rate"

    def describe(self) -> dict[str, str]:
        return {
            "convention": self.convention,
            "prepayment": "CPR 12.00% constant",
            "default": "roll-rate matrix (1 month(s) on book), default at 90+ dpd",
            "recovery": "20.00% after 3 month(s)",
        }


@dataclass(frozen=True)
class FakeCheck:
    name: str
    max_abs_error: float
    tolerance: float
    passed: bool


@dataclass(frozen=True)
class FakeSummary:
    stats: pd.Series
    strats: dict[str, pd.DataFrame]


@dataclass(frozen=True)
class FakeResult:
    deal: FakeDeal
    dates: np.ndarray
    assumptions: FakeAssumptions
    pool: pd.DataFrame
    pool_summary: FakeSummary
    tranches: dict[str, pd.DataFrame]
    tranche_classes: dict[str, str]
    coupons: dict[str, float]
    fees: dict[str, pd.DataFrame]
    accounts: pd.DataFrame
    triggers: dict[str, pd.DataFrame]
    revolving: pd.DataFrame
    ledger: pd.DataFrame
    checks: list[FakeCheck]

    def summary(self) -> pd.DataFrame:
        rows = []
        for name, df in self.tranches.items():
            paid = df["principal_paid"].to_numpy()
            nz = np.flatnonzero(paid > 0)
            rows.append(
                {
                    "tranche": name,
                    "wal_years": float((paid * df.index.to_numpy()).sum() / max(paid.sum(), 1e-12) / 12),
                    "first_principal_period": int(df.index[nz[0]]) if nz.size else None,
                    "last_principal_period": int(df.index[nz[-1]]) if nz.size else None,
                    "total_interest": float(df["interest_paid"].sum()),
                    "principal": float(paid.sum()),
                    "loss": float(df["writedown"].sum()),
                    "loss_pct": float(df["writedown"].sum() / df["balance_begin"].iloc[0]),
                }
            )
        return pd.DataFrame(rows).set_index("tranche")


def _tranche(balance: float, principal: np.ndarray, coupon: float, writedown: np.ndarray | None = None) -> pd.DataFrame:
    wd = np.zeros(T) if writedown is None else writedown
    begin = np.empty(T)
    end = np.empty(T)
    b = balance
    for i in range(T):
        begin[i] = b
        b = b - principal[i] - wd[i]
        end[i] = b
    due = begin * coupon / 12
    return pd.DataFrame(
        {
            "balance_begin": begin,
            "interest_due": due,
            "interest_paid": due,
            "interest_shortfall": np.zeros(T),
            "principal_paid": principal,
            "writedown": wd,
            "residual_paid": np.zeros(T),
            "balance_end": end,
            "factor": end / balance,
        },
        index=pd.Index(np.arange(1, T + 1), name="period"),
    )


def fake_result(name: str = "Baitiao 2025-1 京东白条") -> FakeResult:
    """A 12-period deal: 1,000,000 pool, 3 classes, a reserve, two triggers, a ledger that balances."""
    opening = np.empty(T + 1)
    closing = np.empty(T + 1)
    sched = np.zeros(T + 1)
    prepay = np.zeros(T + 1)
    defaults = np.zeros(T + 1)
    opening[0] = closing[0] = 1_000_000.0
    for t in range(1, T + 1):
        opening[t] = closing[t - 1]
        sched[t] = round(opening[t] / (T + 1 - t) * 0.8, 2)
        prepay[t] = round(opening[t] * 0.01, 2)
        defaults[t] = round(opening[t] * 0.004, 2)
        closing[t] = opening[t] - sched[t] - prepay[t] - defaults[t]
    opening[0] = 0.0  # as the projection reports it: the cut-off row has only a closing balance
    fee = np.r_[0.0, opening[1:] * 0.006]
    rec = np.r_[0.0, 0.0, 0.0, 0.0, defaults[1 : T - 2] * 0.2]
    pool = pd.DataFrame(
        {
            "opening_balance": opening,
            "scheduled_principal": sched,
            "prepayment": prepay,
            "fee_interest": fee,
            "prepayment_fee": np.zeros(T + 1),
            "defaults": defaults,
            "recoveries": rec,
            "net_loss": defaults - rec,
            "closing_balance": closing,
            **{f"balance_m{i}": closing * (0.97 if i == 0 else 0.005) for i in range(7)},
            "count": np.linspace(5000, 800, T + 1).round(),
            "principal_collections": sched + prepay,
            "total_collections": sched + prepay + fee + rec,
            "smm": np.r_[0.0, np.full(T, 0.01)],
            "cpr": np.r_[0.0, np.full(T, 1 - 0.99**12)],
            "mdr": np.r_[0.0, np.full(T, 0.004)],
            "cdr": np.r_[0.0, np.full(T, 1 - 0.996**12)],
            "cumulative_default_rate": np.cumsum(defaults) / 1e6,
            "cumulative_net_loss_rate": np.cumsum(defaults - rec) / 1e6,
            "pool_factor": closing / 1e6,
            "delinquency_30p": np.linspace(0, 0.03, T + 1),
            "delinquency_60p": np.linspace(0, 0.02, T + 1),
            "delinquency_90p": np.linspace(0, 0.01, T + 1),
            "purchases": np.zeros(T + 1),
        },
        index=pd.Index(np.arange(T + 1), name="period"),
    )
    principal = (sched + prepay + rec)[1:]
    senior_p = np.minimum(principal, 800_000.0 - np.r_[0.0, np.cumsum(principal)[:-1]]).clip(0)
    tranches = {
        "A": _tranche(800_000.0, senior_p, 0.03),
        "B": _tranche(100_000.0, np.zeros(T), 0.045),
        name: _tranche(100_000.0, np.zeros(T), 0.0, writedown=np.r_[np.zeros(T - 1), 1000.0]),
    }
    idx = pd.Index(np.arange(1, T + 1), name="period")
    fees = {
        "trustee": pd.DataFrame(
            {"accrued": np.full(T, 100.0), "paid": np.full(T, 100.0), "unpaid": np.zeros(T)}, index=idx
        )
    }
    res_end = np.linspace(10_000.0, 8_000.0, T)
    res_begin = np.r_[10_000.0, res_end[:-1]]
    pdl_debit = np.r_[np.zeros(T - 2), 500.0, 300.0]
    pdl_credit = np.r_[np.zeros(T - 1), 200.0]
    accounts = pd.DataFrame(
        {
            "available_funds": pool["total_collections"].to_numpy()[1:],
            "interest_account_end": np.zeros(T),
            "principal_account_end": np.zeros(T),
            "reserve_begin": res_begin,
            "reserve_deposit": np.zeros(T),
            "reserve_draw": res_begin - res_end,
            "reserve_end": res_end,
            "reserve_target": np.full(T, 10_000.0),
            "pdl_debit": pdl_debit,
            "pdl_credit": pdl_credit,
            "pdl_end": np.cumsum(pdl_debit - pdl_credit),
        },
        index=idx,
    )
    cnl = pool["cumulative_net_loss_rate"].to_numpy()[1:]
    triggers = {
        "cumulative_loss": pd.DataFrame(
            {"value": cnl, "threshold": np.full(T, 0.03), "breached": cnl > 0.03}, index=idx
        ),
        "delinquency_90p": pd.DataFrame(
            {
                "value": pool["delinquency_90p"].to_numpy()[1:],
                "threshold": np.full(T, 0.008),
                "breached": pool["delinquency_90p"].to_numpy()[1:] > 0.008,
            },
            index=idx,
        ),
    }
    ledger_rows = []
    for t in range(1, T + 1):
        avail = float(pool["total_collections"].iloc[t])
        pays = [
            ("trustee", 100.0),
            ("A", float(tranches["A"]["interest_paid"].iloc[t - 1] + tranches["A"]["principal_paid"].iloc[t - 1])),
        ]
        used = sum(a for _, a in pays)
        pays.append((name, avail - used))
        for i, (target, amt) in enumerate(pays):
            ledger_rows.append(
                {"period": t, "source": "interest_account", "step": f"step {i + 1}", "target": target, "amount": amt}
            )
        ledger_rows.append(
            {"period": t, "source": "pool", "step": "collections", "target": "interest_account", "amount": avail}
        )
    ledger = pd.DataFrame(ledger_rows)
    stats = pd.Series(
        {
            "count": 5000.0,
            "balance": 1e6,
            "wa_apr": 0.13,
            "wa_original_term": 9.5,
            "wa_remaining_term": 7.2,
            "wa_age": 2.3,
        }
    )
    strats = {
        "term": pd.DataFrame(
            {
                "count": [2000, 3000, 5000],
                "balance": [4e5, 6e5, 1e6],
                "share": [0.4, 0.6, 1.0],
                "wa_rate": [0.006, 0.007, 0.0066],
                "wa_apr": [0.12, 0.14, 0.132],
                "wa_remaining_term": [4.0, 9.0, 7.0],
            },
            index=pd.Index([6, 12, "total"], dtype=object, name="original_term"),
        )
    }
    checks = [
        FakeCheck("pool roll-forward", 1e-9, 1e-6, True),
        FakeCheck("waterfall conservation", 2e-10, 1e-6, True),
    ]
    dates = np.array([np.datetime64("2025-01-31", "D") + np.timedelta64(30 * i, "D") for i in range(T + 1)])
    return FakeResult(
        deal=FakeDeal(name=name),
        dates=dates,
        assumptions=FakeAssumptions(),
        pool=pool,
        pool_summary=FakeSummary(stats, strats),
        tranches=tranches,
        tranche_classes={"A": "senior", "B": "mezzanine", name: "subordinated"},
        coupons={"A": 0.03, "B": 0.045, name: 0.0},
        fees=fees,
        accounts=accounts,
        triggers=triggers,
        revolving=pd.DataFrame({"purchased": np.zeros(T)}, index=idx),
        ledger=ledger,
        checks=checks,
    )


def fake_sweep() -> pd.DataFrame:
    rows = []
    for cdr in (1.0, 2.0, 3.0):
        for cpr in (0.5, 1.0):
            for tr in ("A", "B"):
                rows.append(
                    {
                        "cdr_multiple": cdr,
                        "cpr_multiple": cpr,
                        "tranche": tr,
                        "loss_pct": 0.01 * cdr * (tr == "B"),
                        "wal_years": 0.5 / cpr,
                    }
                )
    return pd.DataFrame(rows)


def fake_breakeven() -> pd.DataFrame:
    return pd.DataFrame({"tranche": ["A", "B"], "breakeven": [0.35, 0.12], "multiple": [8.1, 2.9]})


EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "baitiao_revolving.yaml"


@functools.lru_cache(maxsize=1)
def real_result() -> Any:
    """The shipped revolving Baitiao example, run end to end (cached: results are frozen)."""
    import abs_model as am

    return am.run(am.load_deal(EXAMPLE))


@functools.lru_cache(maxsize=4)
def get_result(kind: str = "real") -> Any:
    """``"real"``: the example deal run by the engine; ``"fake"``: the hand-built result above."""
    return real_result() if kind == "real" else fake_result()


KINDS = pytest.mark.parametrize("kind", ["real", "fake"])


# --- context --------------------------------------------------------------------------------


@KINDS
def test_context_has_every_section(kind: str) -> None:
    res = get_result(kind)
    ctx = build_context(res, sweep=fake_sweep(), breakeven=fake_breakeven())
    assert [s["id"] for s in ctx["sections"]] == list(SECTION_IDS)
    for sid in SECTION_IDS:
        assert sid.replace("-", "_") in ctx, sid
    assert ctx["scenarios"]["present"]
    assert ctx["scenarios"]["sweep"], "the sweep becomes heat-map tables"
    assert ctx["scenarios"]["breakeven"]["rows"]
    assert ctx["integrity"]["all_passed"]
    assert ctx["integrity"]["passed"] == [c.name for c in res.checks]
    assert ctx["footer"]["version"]


@KINDS
def test_context_tranche_table_factor_seven_decimals_and_totals(kind: str) -> None:
    res = get_result(kind)
    ctx = build_context(res)
    summary = ctx["tranches"]["summary"]
    assert len(summary["rows"]) == len(res.tranches)
    factor_col = summary["header"].index("Factor")
    for row, (_name, df) in zip(summary["rows"], res.tranches.items(), strict=True):
        text = row[factor_col]["text"]
        assert re.fullmatch(r"\d\.\d{7}", text), text
        assert float(text) == pytest.approx(df["balance_end"].iloc[-1] / df["balance_begin"].iloc[0], abs=1e-7)
    per = ctx["tranches"]["periods"][0]["table"]
    assert len(per["rows"]) == len(next(iter(res.tranches.values())))


@KINDS
def test_context_collections_match_pool(kind: str) -> None:
    res = get_result(kind)
    tbl = build_context(res)["collections"]["table"]
    col = tbl["header"].index("Prepayment")
    for row, v in zip(tbl["rows"], res.pool["prepayment"].iloc[1:], strict=True):
        assert float(row[col]["text"].replace(",", "")) == pytest.approx(v, abs=CENT)


@KINDS
def test_excess_spread_definition(kind: str) -> None:
    from abs_model.output.report import excess_spread

    res = get_result(kind)
    es = excess_spread(res)
    t = 3
    expected = (
        res.pool["fee_interest"].loc[t]
        + res.pool["prepayment_fee"].loc[t]
        - sum(f["paid"].loc[t] for f in res.fees.values())
        - sum(df["interest_paid"].loc[t] for n, df in res.tranches.items() if res.tranche_classes[n] != "subordinated")
    )
    assert es["excess_spread"].loc[t] == pytest.approx(expected, abs=1e-9)
    assert es["excess_spread_rate"].loc[t] == pytest.approx(12 * expected / res.pool["opening_balance"].loc[t])


@KINDS
def test_reserve_and_pdl_reconcile(kind: str) -> None:
    tbl = build_context(get_result(kind))["accounts"]["table"]
    for key in ("Check: reserve roll-forward", "Check: PDL roll-forward"):
        col = tbl["header"].index(key)
        for row in tbl["rows"]:
            assert abs(float(row[col]["text"].replace(",", ""))) < CENT, (key, row[0]["text"])


def test_trigger_status_reports_breaches() -> None:
    res = get_result("fake")
    ctx = build_context(res)
    rows = {r[0]["text"]: r for r in ctx["triggers"]["summary"]["rows"]}
    d = res.triggers["delinquency_90p"]
    first = int(d.index[np.argmax(d["breached"].to_numpy())])
    assert rows["delinquency_90p"][1]["text"] == str(first)
    assert rows["delinquency_90p"][-1]["cls"] == "fail"
    assert rows["cumulative_loss"][-1]["cls"] == "pass"


def test_unknown_language_is_rejected() -> None:
    with pytest.raises(ValueError, match="lang"):
        build_context(get_result(), lang="fr")


# --- rendered page --------------------------------------------------------------------------


@KINDS
def test_rendered_page_has_sections_and_no_urls(tmp_path: Path, kind: str) -> None:
    out = tmp_path / "report.html"
    html = render_report(get_result(kind), out, sweep=fake_sweep(), breakeven=fake_breakeven())
    assert out.read_text(encoding="utf-8") == html
    for sid in SECTION_IDS:
        assert f'id="{sid}"' in html, sid
    assert "http" not in html.lower(), "the report must be self-contained: no URL of any kind"
    assert "<script" not in html.lower()
    assert "<link" not in html.lower()
    assert html.count("<svg") >= 6
    assert "background-color: rgb(" in html, "sweep heat-map colours"
    assert "@media print" in html


def test_hostile_deal_name_is_escaped() -> None:
    """A deal name (and, in the fake, a tranche name) with markup renders as text, never as markup."""
    import dataclasses

    hostile = "<script>alert('x')</script> & Co"
    real = get_result("real")
    renamed = dataclasses.replace(real, deal=dataclasses.replace(real.deal, name=hostile))
    for res in (fake_result(hostile), renamed):
        html = render_report(res)
        assert "<script" not in html
        assert "&lt;script&gt;alert(" in html
        assert "&amp; Co" in html


def test_chinese_report() -> None:
    html = render_report(get_result("real"), lang="zh")
    for term in (
        "受托管理报告",
        "收款期间",
        "早偿本金",
        "期初余额",
        "期末余额",
        "违约回收",
        "循环购买金额",
        "次级",
        "优先级",
    ):
        assert term in html, term
    assert '<html lang="zh-CN">' in html


def test_report_without_triggers_accounts_or_scenarios() -> None:
    from dataclasses import replace

    res = replace(get_result("fake"), triggers={}, accounts=pd.DataFrame())
    html = render_report(res)
    for sid in SECTION_IDS:
        assert f'id="{sid}"' in html
    assert "No scenario analysis was run" in html
    assert "The deal has no triggers." in html


def test_failed_write_keeps_previous_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "report.html"
    out.write_text("good", encoding="utf-8")

    def boom(*_a: object, **_k: object) -> dict[str, Any]:
        raise RuntimeError("render failed")

    monkeypatch.setattr("abs_model.output.report.build_context", boom)
    with pytest.raises(RuntimeError):
        render_report(get_result(), out)
    assert out.read_text(encoding="utf-8") == "good"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


# --- headless browser -----------------------------------------------------------------------


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        exe = shutil.which(name)
        if exe:
            return exe
    return None


_CHROME_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
)


@pytest.mark.slow
@pytest.mark.skipif(
    _chromium() is None, reason="Chromium is not installed here (CI installs it): cannot render the page in a browser"
)
def test_chromium_renders_report(tmp_path: Path) -> None:
    exe = _chromium()
    assert exe is not None
    page = tmp_path / "report.html"
    render_report(get_result(), page, sweep=fake_sweep(), breakeven=fake_breakeven())
    shot = tmp_path / "shot.png"
    url = page.resolve().as_uri()
    subprocess.run(
        [exe, *_CHROME_FLAGS, f"--screenshot={shot}", "--window-size=1280,4000", url],
        check=True,
        capture_output=True,
        timeout=120,
    )
    dom = subprocess.run(
        [exe, *_CHROME_FLAGS, "--enable-logging=stderr", "--v=0", "--dump-dom", url],
        check=True,
        capture_output=True,
        timeout=120,
        text=True,
    )
    console_errors = [ln for ln in dom.stderr.splitlines() if "CONSOLE" in ln and ("ERROR" in ln or "Uncaught" in ln)]
    assert not console_errors, console_errors
    for sid in SECTION_IDS:
        assert f'id="{sid}"' in dom.stdout, sid

    from matplotlib import image

    img = image.imread(str(shot))
    assert img.ndim == 3 and img.shape[0] > 100
    rgb = img[..., :3].reshape(-1, 3)
    assert np.ptp(rgb, axis=0).max() > 0.1, "screenshot is blank (one colour)"
    assert len(np.unique((rgb * 255).astype(np.uint8), axis=0)) > 16, (
        "screenshot has too few colours to hold text and charts"
    )


def test_report_states_the_input_file_hashes() -> None:
    import hashlib

    import abs_model as am
    from abs_model.output.report import render_report

    deal_path = Path(__file__).resolve().parents[3] / "examples" / "us_auto_static.yaml"
    r = am.run(am.load_deal(deal_path))
    html = render_report(r)
    tape = deal_path.parent / "us_auto_tape.csv"
    for f in (deal_path, tape):
        assert hashlib.sha256(f.read_bytes()).hexdigest() in html, f.name
    assert am.__version__ in html
