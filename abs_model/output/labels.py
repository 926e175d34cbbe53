"""One label registry: snake_case column → display label (English and 中文) and number format.

Both the HTML report (:mod:`abs_model.output.report`) and the Excel workbook (:mod:`abs_model.output.workbook`)
read it, so a column is called the same thing, and formatted the same way, everywhere. Terms follow
the usage of Chinese trustee reports (受托管理报告): 收款期间 collection period, 兑付日 payment date,
本金/利息回收, 早偿, 违约, 回收, 循环购买金额, 期初/期末余额, 证券兑付, 优先/次优先/次级.

Formats: ``amount`` (money, 2 decimals), ``rate`` (a decimal shown as a percentage), ``factor``
(7 decimals, as trustee reports quote note factors), ``int``, ``date`` (ISO), ``text``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
import pandas as pd

__all__ = ["EXCEL_FORMATS", "LABELS", "Format", "Label", "display", "excel_format", "fmt", "label"]

Format = Literal["amount", "rate", "factor", "int", "date", "text"]
Lang = Literal["en", "zh"]

#: Excel number format per display format.
EXCEL_FORMATS: Mapping[str, str] = MappingProxyType(
    {
        "amount": "#,##0.00",
        "rate": "0.00%",
        "factor": "0.0000000",
        "int": "#,##0",
        "date": "yyyy-mm-dd",
        "text": "@",
    }
)


@dataclass(frozen=True, slots=True)
class Label:
    """Display label of one column: English, Chinese and number format."""

    en: str
    zh: str
    fmt: Format = "amount"

    def text(self, lang: str = "en") -> str:
        """The label in ``lang`` (``"en"`` or ``"zh"``)."""
        return self.zh if lang == "zh" else self.en


def _l(en: str, zh: str, fmt: Format = "amount") -> Label:
    return Label(en, zh, fmt)


_BUCKETS = {f"balance_m{i}": _l(f"Balance M{i}", f"M{i}余额") for i in range(7)}

_REGISTRY: dict[str, Label] = {
    # timeline
    "period": _l("Collection period", "收款期间", "int"),
    "date": _l("Period end", "期末日", "date"),
    "payment_date": _l("Payment date", "兑付日", "date"),
    "cutoff_date": _l("Cut-off date", "初始起算日", "date"),
    # pool cash flows
    "opening_balance": _l("Opening balance", "期初余额"),
    "scheduled_principal": _l("Scheduled principal", "正常本金回收"),
    "prepayment": _l("Prepayment", "早偿本金"),
    "fee_interest": _l("Fee / interest collections", "利息（费用）回收"),
    "prepayment_fee": _l("Prepayment fee", "提前还款手续费"),
    "defaults": _l("Defaults", "违约金额"),
    "recoveries": _l("Recoveries", "违约回收"),
    "net_loss": _l("Net loss", "净损失"),
    "closing_balance": _l("Closing balance", "期末余额"),
    **_BUCKETS,
    "count": _l("Loan count", "笔数", "int"),
    "principal_collections": _l("Principal collections", "本金回收"),
    "total_collections": _l("Total collections", "回收款合计"),
    "purchases": _l("Revolving purchases", "循环购买金额"),
    "purchased": _l("Revolving purchases", "循环购买金额"),
    "cleanup_sale": _l("Clean-up call sale", "清仓回购出售"),
    "prepay_base": _l("Prepayment base", "早偿计算基数"),
    "period_end": _l("Period end", "期末日", "date"),
    "spent": _l("Spent on purchases", "循环购买支出"),
    "unreinvested": _l("Not reinvested", "未再投资金额"),
    "called": _l("Clean-up call exercised", "是否清仓回购", "text"),
    "available_funds": _l("Available funds", "可分配资金"),
    "smm": _l("SMM", "月早偿率", "rate"),
    "cpr": _l("CPR", "年化早偿率", "rate"),
    "mdr": _l("MDR", "月违约率", "rate"),
    "cdr": _l("CDR (annual)", "年化违约率", "rate"),
    "cumulative_default_rate": _l("Cumulative default rate", "累计违约率", "rate"),
    "cumulative_net_loss_rate": _l("Cumulative net loss rate", "累计净损失率", "rate"),
    "pool_factor": _l("Pool factor", "资产池因子", "factor"),
    "delinquency_30p": _l("Delinquent 30+", "逾期30天以上", "rate"),
    "delinquency_60p": _l("Delinquent 60+", "逾期60天以上", "rate"),
    "delinquency_90p": _l("Delinquent 90+", "逾期90天以上", "rate"),
    "payment_rate": _l("Monthly payment rate", "月还款率", "rate"),
    "pool_yield": _l("Pool yield (annualised)", "资产池年化收益率", "rate"),
    "balance_restructured": _l("Restructured balance", "重组(逾期分期)余额"),
    "restructured_entries": _l("Entered restructuring", "新增重组金额"),
    "collection_costs": _l("Collection costs", "催收费用"),
    "collection_costs_paid": _l("Collection costs paid", "已付催收费用"),
    "defaults_count": _l("Defaulted accounts", "违约笔数", "int"),
    "late_fees": _l("Late fees collected", "违约金收入"),
    "late_fees_accrued": _l("Late fees accrued", "应计违约金"),
    "late_fees_waived": _l("Late fees waived", "减免违约金"),
    "late_fees_written_off": _l("Late fees written off", "核销违约金"),
    "late_fees_capitalised": _l("Late fees capitalised into plans", "计入分期计划的违约金"),
    "late_fees_outstanding": _l("Late fees outstanding", "未收违约金余额"),
    "repurchases": _l("Repurchased by the originator", "原始权益人赎回"),
    "restructured_redefaults": _l("Restructured re-defaults", "重组后再违约"),
    "balance_spread_arrears": _l("Arrears-spread plans balance", "逾期分期余额"),
    "balance_re_age": _l("Re-aged plans balance", "重新分期余额"),
    "balance_freeze": _l("Frozen plans balance (停息挂账)", "停息挂账余额"),
    "npv_collections": _l("NPV of collections after costs", "扣除费用后回收现值"),
    "net_loss_rate": _l("Net loss rate", "净损失率", "rate"),
    "avg_delinquency_30p": _l("Average delinquent 30+", "平均逾期30天以上", "rate"),
    "peak_delinquency_30p": _l("Peak delinquent 30+", "最高逾期30天以上", "rate"),
    "excess_spread": _l("Excess spread", "超额利差"),
    "excess_spread_rate": _l("Excess spread (annualised)", "年化超额利差", "rate"),
    # tranches
    "tranche": _l("Class", "证券档次", "text"),
    "class": _l("Seniority", "优先级", "text"),
    "senior": _l("Senior", "优先级", "text"),
    "mezzanine": _l("Mezzanine", "次优先级", "text"),
    "subordinated": _l("Subordinated", "次级", "text"),
    "coupon": _l("Coupon", "票面利率", "rate"),
    "balance_begin": _l("Opening balance", "期初余额"),
    "interest_due": _l("Interest due", "应付利息"),
    "interest_paid": _l("Interest paid", "实付利息"),
    "interest_shortfall": _l("Interest shortfall", "利息差额"),
    "principal_paid": _l("Principal paid", "偿付本金"),
    "writedown": _l("Writedown", "本金核销"),
    "residual_paid": _l("Residual paid", "剩余收益"),
    "balance_end": _l("Closing balance", "期末余额"),
    "factor": _l("Factor", "本金因子", "factor"),
    "note_payments": _l("Note payments", "证券兑付", "amount"),
    # per-tranche summary
    "original_balance": _l("Original balance", "初始余额"),
    "wal_years": _l("WAL (years)", "加权平均期限（年）", "factor"),
    "first_principal_period": _l("First principal period", "首次还本期", "int"),
    "last_principal_period": _l("Last principal period", "末次还本期", "int"),
    "total_interest": _l("Total interest", "利息合计"),
    "total_principal": _l("Total principal", "本金合计"),
    "principal": _l("Principal", "本金"),
    "interest": _l("Interest", "利息"),
    "loss": _l("Loss", "损失"),
    "loss_pct": _l("Loss %", "损失比例", "rate"),
    # fees and accounts
    "fee": _l("Fee", "费用", "text"),
    "accrued": _l("Accrued", "应付"),
    "paid": _l("Paid", "实付"),
    "unpaid": _l("Unpaid", "未付"),
    "interest_account_end": _l("Interest account (end)", "收入分账户期末余额"),
    "principal_account_end": _l("Principal account (end)", "本金分账户期末余额"),
    "reserve_begin": _l("Reserve (begin)", "储备账户期初余额"),
    "reserve_end": _l("Reserve (end)", "储备账户期末余额"),
    "reserve_check": _l("Check: reserve roll-forward", "校验：储备账户勾稽"),
    "pdl_debit": _l("PDL debit", "本金亏损借记"),
    "pdl_credit": _l("PDL credit", "本金亏损贷记"),
    "pdl_end": _l("PDL (end)", "本金亏损账期末余额"),
    "pdl_check": _l("Check: PDL roll-forward", "校验：本金亏损账勾稽"),
    "cleanup_proceeds": _l("Clean-up call proceeds", "清仓回购价款"),
    "phase": _l("Phase", "阶段", "text"),
    "ending_balance": _l("Ending balance", "期末余额"),
    "reserve": _l("Reserve account", "储备账户"),
    "reserve_target": _l("Reserve target", "储备目标金额"),
    "reserve_deposit": _l("Reserve deposit", "储备账户存入"),
    "reserve_draw": _l("Reserve draw", "储备账户提取"),
    "pdl": _l("Principal deficiency ledger", "本金亏损账"),
    "cash": _l("Cash", "现金"),
    # triggers
    "trigger": _l("Trigger", "触发事件", "text"),
    "value": _l("Value", "实际值", "rate"),
    "threshold": _l("Threshold", "阈值", "rate"),
    "breached": _l("Breached", "是否触发", "text"),
    "status": _l("Status", "状态", "text"),
    # ledger
    "source": _l("Source", "资金来源", "text"),
    "step": _l("Step", "分配步骤", "text"),
    "target": _l("Paid to", "支付对象", "text"),
    "amount": _l("Amount", "金额"),
    # pool statistics
    "balance": _l("Balance", "余额"),
    "average_balance": _l("Average balance", "平均余额"),
    "share": _l("Share of balance", "余额占比", "rate"),
    "wa_rate": _l("WA rate", "加权平均费率", "rate"),
    "wa_fee_rate": _l("WA fee rate (per period)", "加权平均期费率", "rate"),
    "wa_interest_rate": _l("WA interest rate", "加权平均利率", "rate"),
    "wa_apr": _l("WA APR", "加权平均年化利率", "rate"),
    "wa_original_term": _l("WA original term (months)", "加权平均合同期限（月）", "factor"),
    "wa_remaining_term": _l("WA remaining term (months)", "加权平均剩余期限（月）", "factor"),
    "wa_age": _l("WA age (months)", "加权平均账龄（月）", "factor"),
    "zero_fee_share": _l("Zero-fee share", "免息占比", "rate"),
    "delinquent_share": _l("Delinquent share", "逾期余额占比", "rate"),
    "delinquent_count_share": _l("Delinquent share (count)", "逾期笔数占比", "rate"),
    # checks and scenarios
    "check": _l("Check", "校验", "text"),
    "check_roll_forward": _l("Check: pool roll-forward", "校验：资产池余额勾稽"),
    "check_note_balance": _l("Check: note balance", "校验：证券余额勾稽"),
    "check_sources_uses": _l("Check: sources = uses", "校验：资金来源 = 资金运用"),
    "ledger_inflow": _l("Cash in (formula)", "流入（公式）"),
    "ledger_outflow": _l("Cash out (formula)", "流出（公式）"),
    "inflow": _l("Cash into collection account", "流入收款账户"),
    "outflow": _l("Cash out of collection account", "流出收款账户"),
    "pot_change": _l("Change in account balances", "账户余额变动"),
    "direction": _l("Direction", "方向", "text"),
    "name": _l("Name", "名称", "text"),
    "max_abs_error": _l("Max abs error", "最大绝对误差", "text"),
    "tolerance": _l("Tolerance", "容差", "text"),
    "passed": _l("Passed", "通过", "text"),
    "formula_check": _l("Check (formula)", "校验（公式）"),
    "scenario": _l("Scenario", "情景", "text"),
    "metric": _l("Metric", "指标", "text"),
    "breakeven": _l("Breakeven", "临界值", "rate"),
    "multiple": _l("Coverage multiple", "覆盖倍数", "factor"),
    "yield": _l("Yield", "收益率", "rate"),
    "price": _l("Price", "价格", "factor"),
    "wal": _l("WAL (years)", "加权平均期限（年）", "factor"),
    "cdr_multiple": _l("Default multiple", "违约倍数", "factor"),
    "cpr_multiple": _l("Prepayment multiple", "早偿倍数", "factor"),
    "assumption": _l("Assumption", "假设", "text"),
    "convention": _l("Projection convention", "现金流预测口径", "text"),
    "recovery": _l("Recovery", "回收", "text"),
    "default": _l("Default", "违约", "text"),
    "recovery_rate": _l("Recovery rate", "回收率", "rate"),
    "recovery_lag": _l("Recovery lag (months)", "回收滞后（月）", "int"),
    "unearned_fee_on_prepayment": _l("Unearned fee on prepayment", "早偿未实现费用处理", "text"),
    "servicing_fee": _l("Servicing fee", "资产服务费", "text"),
    "stress": _l("Stress", "压力情景", "text"),
    "segment_overrides": _l("Segment overrides", "分组假设", "text"),
}

#: Every known column, read-only.
LABELS: Mapping[str, Label] = MappingProxyType(_REGISTRY)

_RATE_HINT = re.compile(r"(_rate|_pct|_share|^cpr|^cdr|^smm|^mdr|^yield)", re.IGNORECASE)
_INT_HINT = re.compile(r"(^count$|_count$|_period$|^period)", re.IGNORECASE)


def _lookup(column: object) -> Label | None:
    return LABELS.get(str(column))


def label(column: object, lang: str = "en") -> str:
    """Display label of ``column`` in ``lang`` (``"en"`` or ``"zh"``).

    Unknown columns fall back to the title-cased column name (``"foo_bar"`` → ``"Foo Bar"``).
    """
    entry = _lookup(column)
    if entry is not None:
        return entry.text(lang)
    return str(column).replace("_", " ").strip().title()


def fmt(column: object) -> Format:
    """Display format of ``column``: the registry's, else guessed from the name, else ``amount``."""
    entry = _lookup(column)
    if entry is not None:
        return entry.fmt
    name = str(column)
    if _RATE_HINT.search(name):
        return "rate"
    if _INT_HINT.search(name):
        return "int"
    return "amount"


def excel_format(column: object) -> str:
    """Excel number format of ``column`` (amount ``#,##0.00``, rate ``0.00%``, factor ``0.0000000``,
    int ``#,##0``, date ``yyyy-mm-dd``, text ``@``)."""
    return EXCEL_FORMATS[fmt(column)]


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def display(value: Any, column: object, *, kind: Format | None = None) -> str:
    """``value`` formatted for HTML as ``column``'s format says (or as ``kind`` when given).

    amount ``1,234.56``; rate ``12.34%``; factor ``0.9876543``; int ``1,234``; date ``2025-01-31``;
    missing values (None/NaN/NaT) show as an em dash; booleans as ✓ / ✗.
    """
    if _is_missing(value):
        return "—"
    if isinstance(value, bool | np.bool_):
        return "✓" if value else "✗"
    f = kind or fmt(column)
    if f == "date":
        if isinstance(value, np.datetime64):
            return str(np.datetime_as_string(value.astype("datetime64[D]")))
        if isinstance(value, pd.Timestamp):
            return value.strftime("%Y-%m-%d")
        return str(value)
    if f == "text" or not isinstance(value, int | float | np.integer | np.floating):
        return str(value)
    x = float(value)
    if math.isinf(x):
        return "∞" if x > 0 else "−∞"
    # ``+ 0.0`` turns a rounded -0.0 into 0.0, so a float residue never shows as "-0.00".
    if f == "rate":
        return f"{round(x, 4) + 0.0:.2%}"
    if f == "factor":
        return f"{round(x, 7) + 0.0:.7f}"
    if f == "int":
        return f"{round(x):,d}"
    return f"{round(x, 2) + 0.0:,.2f}"
