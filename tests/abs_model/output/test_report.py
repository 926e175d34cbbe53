"""Investor report, read off real deal results (the shipped Baitiao example on a smaller pool):
every section is there, the numbers equal the result's frames, the distribution statements and
the waterfall as paid add up, triggers are found by their metric, the Chinese report holds no
English, no absolute path leaks, deal strings are escaped; a headless Chromium renders it
(skipped where Chromium is not installed)."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import abs_model as am
from abs_model.output.report import SECTION_IDS, build_context, render_report

from .conftest import HOSTILE, deal_file, result, small_sweep
from .png import read_png

CENT = 0.005


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(tmp_path_factory.mktemp("deal"))


@pytest.fixture(scope="module")
def base(folder: str) -> am.DealResult:
    return result(folder)


@pytest.fixture(scope="module")
def stressed(folder: str) -> am.DealResult:
    """Defaults × 3: the cumulative-default trigger breaches and the deal accelerates."""
    return result(folder, stress=3.0)


def num(text: str) -> float:
    return float(text.replace(",", "").rstrip("%"))


# --- context --------------------------------------------------------------------------------


def test_context_has_every_section(base: am.DealResult) -> None:
    ctx = build_context(base, sweep=small_sweep())
    assert [s["id"] for s in ctx["sections"]] == list(SECTION_IDS)
    for sid in SECTION_IDS:
        assert sid.replace("-", "_") in ctx, sid
    assert ctx["scenarios"]["present"] and ctx["scenarios"]["sweep"]
    assert ctx["integrity"]["all_passed"]
    assert ctx["integrity"]["passed"] == [c.name for c in base.checks]
    assert ctx["footer"]["version"] == am.__version__


def test_tranche_table_factor_seven_decimals_and_wal_two(base: am.DealResult) -> None:
    summary = build_context(base)["tranches"]["summary"]
    factor_col = summary["header"].index("Factor")
    wal_col = summary["header"].index("WAL (years)")
    for row, (name, df) in zip(summary["rows"], base.tranches.items(), strict=True):
        assert re.fullmatch(r"\d\.\d{7}", row[factor_col]["text"])
        assert float(row[factor_col]["text"]) == pytest.approx(df["balance_end"].iloc[-1] / df["balance_begin"].iloc[0], abs=1e-7)
        # WAL by hand: Σ t·principal_t / Σ principal_t / 12
        p = df["principal_paid"].to_numpy()
        wal = float((df.index.to_numpy() * p).sum() / p.sum() / 12)
        assert row[wal_col]["text"] == f"{wal:.2f}", name


def test_collections_match_pool(base: am.DealResult) -> None:
    tbl = build_context(base)["collections"]["table"]
    col = tbl["header"].index("Prepayment")
    for row, v in zip(tbl["rows"], base.pool["prepayment"].iloc[1:], strict=True):
        assert num(row[col]["text"]) == pytest.approx(v, abs=CENT)


def test_excess_spread_definition(base: am.DealResult) -> None:
    """The report shows the trigger's excess spread (accrual basis, monthly), worked out here from
    the frames in an amortising month, where every class is paid monthly and its interest due is
    exactly that month's accrual: interest collected + late fees collected (违约金, their own line)
    − fees accrued − note interest due."""
    from abs_model.output.report import excess_spread

    es = excess_spread(base)
    rev = base.revolving
    t = int(rev.index[(rev["phase"] == "amortising") & rev["payment_date"]][1])
    assert not any(df["interest_shortfall"].loc[t - 1] for df in base.tranches.values())
    expected = (
        es["interest_collected"].loc[t]
        + es["late_fees_collected"].loc[t]
        - sum(f["accrued"].loc[t] for f in base.fees.values())
        - sum(df["interest_due"].loc[t] for df in base.tranches.values())
    )
    assert es["excess_spread"].loc[t] == pytest.approx(expected, abs=CENT)
    assert es["excess_spread"].loc[t] == pytest.approx(base.excess_spread["excess_spread"].loc[t], abs=1e-9)
    ctx = build_context(base)["excess_spread"]
    assert "accrual basis" in ctx["note"]


def test_reserve_and_pdl_reconcile(stressed: am.DealResult) -> None:
    tbl = build_context(stressed)["accounts"]["table"]
    for key in ("Check: reserve roll-forward", "Check: PDL roll-forward"):
        col = tbl["header"].index(key)
        for row in tbl["rows"]:
            assert abs(num(row[col]["text"])) < CENT, (key, row[0]["text"])


def test_distribution_statement_per_payment_date(base: am.DealResult) -> None:
    """Per payment date and class: interest and principal as the tranche frame has them, per 100 of
    original balance = 100 × amount ÷ original balance; the waterfall as paid lists that period's
    ledger in order and its amounts add up to the ledger's."""
    blocks = build_context(base)["distribution"]["blocks"]
    pay = base.revolving.index[base.revolving["payment_date"].to_numpy(dtype=bool)].tolist()
    assert [int(b["id"].removeprefix("payment-")) for b in blocks] == pay
    assert pay[:4] == [3, 6, 9, 12], "quarterly while revolving"
    b = blocks[0]
    t = 3
    for row, (_name, df) in zip(b["statement"]["rows"], base.tranches.items(), strict=True):
        orig = float(df["balance_begin"].iloc[0])
        assert num(row[1]["text"]) == pytest.approx(df.loc[t, "interest_paid"], abs=CENT)
        assert num(row[2]["text"]) == pytest.approx(df.loc[t, "principal_paid"], abs=CENT)
        assert num(row[3]["text"]) == pytest.approx(100 * df.loc[t, "interest_paid"] / orig, abs=1e-7)
        assert num(row[6]["text"]) == pytest.approx(df.loc[t, "balance_end"] / orig, abs=1e-7)
    led = base.ledger[base.ledger["period"] == t]
    rows = b["waterfall"]["rows"]
    assert len(rows) == len(led)
    assert sum(num(r[4]["text"]) for r in rows) == pytest.approx(float(led["amount"].sum()), abs=CENT * len(rows))
    assert [r[3]["text"] for r in rows if "Senior A" in r[3]["text"]] == ["Senior A: Interest"]


def test_trigger_status_reports_breaches(stressed: am.DealResult) -> None:
    ctx = build_context(stressed)
    rows = {r[0]["text"]: r for r in ctx["triggers"]["summary"]["rows"]}
    cdr = stressed.triggers["Cumulative default (加速清偿)"]
    first = int(cdr.index[np.argmax(cdr["breached"].to_numpy())])
    assert rows["Cumulative default (加速清偿)"][1]["text"] == str(first)
    assert rows["Cumulative default (加速清偿)"][-1]["cls"] == "fail"
    assert rows["Missed senior interest (违约事件)"][1]["text"] == "never"
    assert rows["Missed senior interest (违约事件)"][-1]["cls"] == "pass"


def test_trigger_definitions_state_metric_denominator_schedule_effect(base: am.DealResult) -> None:
    defs = build_context(base)["triggers"]["definitions"]
    row = [c["text"] for c in defs["rows"][0]]
    assert row[1] == "Cumulative default rate"
    assert row[2] == "initial pool + purchases before the period"
    assert row[3] == "breached when above: 2.00% from period 1; 3.50% from period 13"
    assert row[4].startswith("acceleration")


def test_triggers_are_charted_by_metric_not_by_name(folder: str, tmp_path: Path) -> None:
    """A cumulative-default trigger whose name says nothing about losses still sits beside the loss
    curves; a trigger on another metric does not."""
    res = result(str(tmp_path), trigger_name="Event A")
    ctx = build_context(res)
    assert any("Event A" in h for h in ctx["losses"]["table"]["header"])
    assert ctx["losses"]["statement"] == ["Event A: Pass"]
    assert not any("Missed senior" in h for h in ctx["losses"]["table"]["header"])
    assert ctx["delinquency"]["statement"] == []


def test_assumptions_stated_as_sentences_with_the_roll_rate_matrix(base: am.DealResult) -> None:
    a = build_context(base)["assumptions"]
    assert "Borrowers prepay 20.00% of the performing balance a year (CPR), constant." in a["sentences"]
    assert "10.00% of each default is recovered, 6 months later." in a["sentences"]
    m = a["roll_rates"]
    assert m["header"][1:] == [f"M{i}" for i in range(8)]
    # the deal file: roll M0→M1 1 %, cure M1→M0 40 %, roll M1→M2 40 % (rows sum to 1)
    assert [c["text"] for c in m["rows"][0][1:3]] == ["99.00%", "1.00%"]
    assert [c["text"] for c in m["rows"][1][1:4]] == ["40.00%", "20.00%", "40.00%"]
    assert "deal.yaml" in a["roll_rate_source"]


def test_unknown_language_is_rejected(base: am.DealResult) -> None:
    with pytest.raises(ValueError, match="lang"):
        build_context(base, lang="fr")


# --- rendered page --------------------------------------------------------------------------


class _Text(HTMLParser):
    """The page's visible text (no CSS, no attribute values)."""

    def __init__(self) -> None:
        super().__init__()
        self.skip = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self.skip += tag in ("style", "script")

    def handle_endtag(self, tag: str) -> None:
        self.skip -= tag in ("style", "script")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    p = _Text()
    p.feed(html)
    return " ".join(p.parts)


def test_rendered_page_has_sections_and_no_urls(base: am.DealResult, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    html = render_report(base, out, sweep=small_sweep())
    assert out.read_text(encoding="utf-8") == html
    for sid in SECTION_IDS:
        assert f'id="{sid}"' in html, sid
    assert "http" not in html.lower(), "the report must be self-contained: no URL of any kind"
    assert "<script" not in html.lower() and "<link" not in html.lower()
    assert html.count("<svg") >= 6
    assert "@media print" in html


def test_chinese_report_has_no_english(base: am.DealResult) -> None:
    """Every English word left in the zh report, except the deal's own names (deal, fees, input
    files: text the user wrote) and codes a Chinese reader uses as they are."""
    html = render_report(base, lang="zh", sweep=small_sweep())
    text = visible_text(html)
    own = [str(base.deal.name), *(f.name for f in base.deal.structure.fees), "deal.yaml", am.__version__,
           *base.deal.disclosure.parties.values(), *base.deal.disclosure.ratings.values(),
           *([base.assumptions.collections.name] if base.assumptions.collections else [])]  # the strategy's own name
    for s in sorted(own, key=len, reverse=True):  # longest first: a fee named 'Rating' inside 'Demo Ratings'
        text = text.replace(s, " ")
    text = re.sub(r"\b[0-9a-f]{64}\b", " ", text)  # SHA-256 digests
    text = re.sub(r"\d[eE][-+]\d", " ", text)  # check errors in scientific notation (2.4e-07)
    allowed = {"SHA-", "SIFMA", "BMA", "abs-model"}
    words = {w for w in re.findall(r"[A-Za-z][A-Za-z-]+", text) if w not in allowed}
    assert not words, sorted(words)
    for term in ("受托管理报告", "收款期间", "早偿本金", "期初余额", "循环购买金额", "优先A级", "次级", "兑付日", "滚动率矩阵"):
        assert term in html, term
    assert '<html lang="zh-CN">' in html
    assert "亿" in html, "chart axes in 亿"


def test_no_absolute_path_and_inputs_named_with_hashes(base: am.DealResult, folder: str) -> None:
    html = render_report(base)
    assert str(Path(folder).resolve()) not in html and folder not in html
    digest = hashlib.sha256(deal_file(folder).read_bytes()).hexdigest()
    assert "<td class=\"txt\">deal.yaml</td>" in html and digest in html


def test_report_states_the_input_file_hashes_relative_to_the_deal() -> None:
    deal_path = Path(__file__).resolve().parents[3] / "examples" / "us_auto_static.yaml"
    r = am.run(am.load_deal(deal_path))
    html = render_report(r)
    for f in (deal_path, deal_path.parent / "us_auto_tape.csv"):
        assert hashlib.sha256(f.read_bytes()).hexdigest() in html, f.name
    assert "us_auto_tape.csv" in html and str(deal_path.parent) not in html
    assert am.__version__ in html


def test_hostile_names_are_escaped_and_not_mathtext(tmp_path: Path) -> None:
    """A tranche name with markup and ``$…$`` renders as text: escaped in HTML, literal in the SVG
    charts (drawn as text, never typeset: ``$A$`` is not math)."""
    import dataclasses

    res = result(str(tmp_path), sub_name=HOSTILE)
    res = dataclasses.replace(res, deal=dataclasses.replace(res.deal, name=HOSTILE))
    html = render_report(res)
    assert "<script" not in html
    assert "&lt;script&gt;alert(" in html
    assert "&amp; $A$ Co" in html
    assert "<i>A</i>" not in html and "\\$" not in html


def test_chart_label_with_dollars_is_drawn_literally() -> None:
    from abs_model.output.charts import Series, line_chart

    svg = line_chart([1, 2], [Series("Class $A$ costs $5", np.array([1.0, 2.0]))], title="odd $ count")
    assert "Class $A$ costs $5" in svg and "odd $ count" in svg


def test_heat_map_colours_long_wal_neutrally_and_losses_red(base: am.DealResult) -> None:
    tables = {t["title"]: t["table"] for t in build_context(base, sweep=small_sweep())["scenarios"]["sweep"]}
    wal_styles = [c["style"] for r in tables["Senior A: WAL (years)"]["rows"] for c in r[1:]]
    loss_styles = [c["style"] for r in tables["Senior B: Loss %"]["rows"] for c in r[1:]]
    reds = [s for s in wal_styles if s.startswith("background-color: rgb(255,") and not s.endswith("255)")]
    assert not reds, "a long WAL is not an alarm: blue scale"
    assert any(s.startswith("background-color: rgb(255, 120, 40)") for s in loss_styles), "the worst loss is red"


def test_report_without_triggers_accounts_or_scenarios(base: am.DealResult) -> None:
    from dataclasses import replace

    res = replace(base, triggers={}, accounts=pd.DataFrame())
    html = render_report(res)
    for sid in SECTION_IDS:
        assert f'id="{sid}"' in html
    assert "No scenario analysis was run" in html
    assert "The deal has no triggers." in html


def test_failed_write_keeps_previous_report(base: am.DealResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "report.html"
    out.write_text("good", encoding="utf-8")

    def boom(*_a: object, **_k: object) -> dict[str, object]:
        raise RuntimeError("render failed")

    monkeypatch.setattr("abs_model.output.report.build_context", boom)
    with pytest.raises(RuntimeError):
        render_report(base, out)
    assert out.read_text(encoding="utf-8") == "good"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


# --- headless browser -----------------------------------------------------------------------


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        exe = shutil.which(name)
        if exe:
            return exe
    return None


_CHROME_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run")


@pytest.mark.slow
@pytest.mark.skipif(
    _chromium() is None, reason="Chromium is not installed here (CI installs it): cannot render the page in a browser"
)
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_chromium_renders_report(base: am.DealResult, tmp_path: Path, lang: str) -> None:
    exe = _chromium()
    assert exe is not None
    page = tmp_path / "report.html"
    render_report(base, page, lang=lang, sweep=small_sweep())
    shot = tmp_path / "shot.png"
    url = page.resolve().as_uri()
    subprocess.run([exe, *_CHROME_FLAGS, f"--screenshot={shot}", "--window-size=1400,1200", url],
                   check=True, capture_output=True, timeout=120)
    dom = subprocess.run([exe, *_CHROME_FLAGS, "--enable-logging=stderr", "--v=0", "--dump-dom", url],
                         check=True, capture_output=True, timeout=120, text=True)
    console_errors = [ln for ln in dom.stderr.splitlines() if "CONSOLE" in ln and ("ERROR" in ln or "Uncaught" in ln)]
    assert not console_errors, console_errors
    for sid in SECTION_IDS:
        assert f'id="{sid}"' in dom.stdout, sid

    img = read_png(shot)
    assert img.ndim == 3 and img.shape[0] > 100
    rgb = img[..., :3].reshape(-1, 3)
    assert np.ptp(rgb, axis=0).max() > 0.1, "screenshot is blank (one colour)"
    # the first screen is the overview: KPI boxes (#eef3f8) and the note-balance chart's colours
    colours = {tuple(c) for c in np.unique((rgb * 255).round().astype(np.uint8), axis=0)}
    assert (0xEE, 0xF3, 0xF8) in colours, "KPI boxes on the first screen"
    assert len(colours) > 16, "screenshot has too few colours to hold text and charts"


def test_deal_section_states_dates_parties_and_ratings(base: am.DealResult) -> None:
    """As the deal file writes them: closing 2026-07-15, first payment 2026-10-26, legal final
    2028-09-26; parties by role in the schema's order; Senior A rated AAA, the sub class not rated."""
    ctx = build_context(base, today=np.datetime64("2026-12-01", "D"))
    facts = {f["label"]: f["value"] for f in ctx["deal"]["facts"]}
    assert facts["Report date"] == "2026-12-01"
    assert facts["Closing date"] == "2026-07-15"
    assert facts["First payment date"] == "2026-10-26"
    assert facts["Legal final maturity"] == "2028-09-26"
    assert facts["Payment dates"] == "every 3 months while revolving; monthly while amortising"
    roles = [r[0]["text"] for r in ctx["deal"]["parties"]["rows"]]
    assert roles == ["Originator", "Servicer", "Programme manager", "Custodian", "Rating agency"]
    notes = ctx["overview"]["notes"]
    ratings = [r[notes["header"].index("Rating")]["text"] for r in notes["rows"]]
    assert ratings == ["AAA", "AA+", "not rated"]


def test_a_deal_without_parties_says_so(base: am.DealResult) -> None:
    import dataclasses

    from abs_model.deal.disclosure import Disclosure

    res = dataclasses.replace(base, deal=dataclasses.replace(base.deal, disclosure=Disclosure()))
    ctx = build_context(res, lang="zh")
    assert ctx["deal"]["no_parties"] == "交易文件未载明"
    assert [f["value"] for f in ctx["deal"]["facts"] if f["label"] == "首个兑付日"] == ["交易文件未载明"]


@pytest.mark.slow
@pytest.mark.skipif(
    _chromium() is None or shutil.which("pdftotext") is None,
    reason="Chromium or pdftotext (poppler-utils) is not installed here: cannot print the page to PDF",
)
def test_overview_prints_on_the_first_page(base: am.DealResult, tmp_path: Path) -> None:
    """Printed (A4 landscape), page 1 holds the KPIs, the note balances and both overview charts;
    the next section starts on page 2."""
    exe = _chromium()
    assert exe is not None
    page = tmp_path / "report.html"
    render_report(base, page)
    pdf = tmp_path / "report.pdf"
    subprocess.run([exe, *_CHROME_FLAGS, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.resolve().as_uri()],
                   check=True, capture_output=True, timeout=120)

    def text(n: int) -> str:
        return subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), str(pdf), "-"], check=True,
                              capture_output=True, text=True, timeout=60).stdout

    first = text(1)
    for words in ("Deal overview", "Initial pool balance", "Integrity checks passed", "Senior A", "Subordinated",
                  "Note balances by class", "Cumulative default and net loss vs trigger"):
        assert words in first, words
    assert text(2).lstrip().startswith("Deal, parties and dates")


def test_pool_section_keeps_fees_per_period_apart_from_annual_rates(base: am.DealResult) -> None:
    """Every stratification shows a fee-per-period column, an annual-interest column and an APR
    column, each labelled with its basis; the rate bands are per kind of product."""
    for lang, words in (("en", ("per period", "annual", "APR by IRR")), ("zh", ("每期手续费率", "年利率", "内部收益率"))):
        strats = build_context(base, lang=lang)["pool"]["strats"]
        names = [s["name"] for s in strats]
        assert "rate_band" not in names and {"fee_band", "apr_band"} <= set(names)
        for s in strats:
            header = " ".join(s["table"]["header"])
            for w in words:
                assert w in header, (lang, s["name"], w)
