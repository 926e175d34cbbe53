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
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "CHECK_NAMES_ZH",
    "EXCEL_FORMATS",
    "LABELS",
    "PHRASES",
    "Format",
    "Label",
    "check_name",
    "display",
    "excel_format",
    "fmt",
    "label",
    "phrase",
    "phrases",
    "trigger_format",
]

from abs_model.output.label_types import EXCEL_FORMATS, Format, Label, Lang, _l  # noqa: F401 (re-exported)
from abs_model.output.phrases import CHECK_NAMES_ZH, PHRASES, check_name, phrase, phrases

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
    "recoveries_forgone": _l("Recoveries forgone at the clean-up call", "清仓回购放弃的回收款"),
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
    "cumulative_default_rate": _l("Cumulative default rate (on initial pool)", "累计违约率（以初始资产池为分母）", "rate"),
    "cumulative_net_loss_rate": _l("Cumulative net loss rate (on initial pool)", "累计净损失率（以初始资产池为分母）", "rate"),
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
    "late_fees_collected": _l("Late fees in available funds", "计入可分配资金的违约金"),
    "repurchases": _l("Repurchased by the originator", "原始权益人赎回"),
    "repurchases_ineligible": _l("Ineligible receivables bought back", "不合格资产赎回"),
    "repurchase_proceeds": _l("Buy-back proceeds (price × balance)", "赎回价款"),
    "repurchase_loss": _l("Buy-back discount (loss to the pool)", "赎回折价损失"),
    "restructured_redefaults": _l("Restructured re-defaults", "重组后再违约"),
    "balance_spread_arrears": _l("Arrears-spread plans balance", "逾期分期余额"),
    "balance_re_age": _l("Re-aged plans balance", "重新分期余额"),
    "balance_freeze": _l("Frozen plans balance (停息挂账)", "停息挂账余额"),
    # P&I advancing (sifma convention, projection/advancing.py)
    "expected_amortization": _l("Expected amortisation", "预期本金摊还"),
    "advanced_principal": _l("Advanced principal (amortisation from defaults)", "垫付本金（违约资产摊还）"),
    "expected_interest": _l("Expected interest", "预期利息"),
    "interest_lost": _l("Interest lost", "损失利息"),
    "advanced_interest": _l("Advanced interest", "垫付利息"),
    "amortized_default_balance": _l("Amortised default balance (liquidated)", "违约资产摊还后余额（处置）"),
    "foreclosure_balance": _l("Foreclosure balance", "处置中违约资产余额"),
    "principal_loss": _l("Principal loss (at liquidation)", "本金损失（处置时）"),
    "npv_collections": _l("NPV of collections after costs", "扣除费用后回收现值"),
    "net_loss_rate": _l("Net loss rate (on initial pool)", "净损失率（以初始资产池为分母）", "rate"),
    "avg_delinquency_30p": _l("Average delinquent 30+", "平均逾期30天以上", "rate"),
    "peak_delinquency_30p": _l("Peak delinquent 30+", "最高逾期30天以上", "rate"),
    "excess_spread": _l("Excess spread", "超额利差"),
    "excess_spread_rate": _l("Excess spread (annualised)", "年化超额利差", "rate"),
    "interest_collected": _l("Interest collected", "收入回收款"),
    "fees_accrued": _l("Taxes and fees accrued", "应计税费"),
    "note_interest_accrued": _l("Note interest accrued", "应计证券利息"),
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
    "wal_years": _l("WAL (years)", "加权平均期限（年）", "years"),
    "first_principal_period": _l("First principal period", "首次还本期", "int"),
    "last_principal_period": _l("Last principal period", "末次还本期", "int"),
    "total_interest": _l("Total interest", "利息合计"),
    "total_principal": _l("Total principal", "本金合计"),
    "principal": _l("Principal", "本金"),
    "interest": _l("Interest", "利息"),
    "loss": _l("Loss", "损失"),
    "loss_pct": _l("Loss %", "损失比例", "rate"),
    "first_breach": _l("First breach period (0 = never)", "首次触发期次（0 = 未触发）", "int"),
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
    "pdl_begin": _l("PDL (begin)", "本金亏损账期初余额"),
    "pdl_debit": _l("PDL debit", "本金亏损借记"),
    "pdl_credit": _l("PDL credit", "本金亏损贷记"),
    "pdl_end": _l("PDL (end)", "本金亏损账期末余额"),
    "pdl_check": _l("Check: PDL roll-forward", "校验：本金亏损账勾稽"),
    "cleanup_proceeds": _l("Clean-up call proceeds", "清仓回购价款"),
    "phase": _l("Phase", "阶段", "text"),
    "ending_balance": _l("Ending balance", "期末余额"),
    "paid_in_full": _l("Paid in full", "是否足额兑付", "text"),
    "payment_day": _l("Date paid", "兑付日期", "date"),
    "collections": _l("Collection strategy", "催收策略", "text"),
    "buy_back": _l("Originator buy-back", "原始权益人赎回", "text"),
    "advancing": _l("P&I advancing", "本息垫付", "text"),
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
    "wa_fee_rate": _l("WA fee per period (flat-fee products)", "加权平均每期手续费率（等本等费/免息分期）", "rate"),
    "wa_interest_rate": _l("WA annual interest rate (rate-based products)", "加权平均年利率（等额本息/等额本金）", "rate"),
    "wa_apr": _l("WA APR by IRR (all products)", "加权平均年化利率（内部收益率法，全部产品）", "rate"),
    "wa_original_term": _l("WA original term (months)", "加权平均合同期限（月）", "amount"),
    "wa_remaining_term": _l("WA remaining term (months)", "加权平均剩余期限（月）", "amount"),
    "wa_age": _l("WA age (months)", "加权平均账龄（月）", "amount"),
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
    "wal": _l("WAL (years)", "加权平均期限（年）", "years"),
    "cdr_multiple": _l("Default multiple", "违约倍数", "factor"),
    "cpr_multiple": _l("Prepayment multiple", "早偿倍数", "factor"),
    "assumption": _l("Assumption", "假设", "text"),
    "convention": _l("Projection convention", "现金流预测口径", "text"),
    "recovery": _l("Recovery", "回收", "text"),
    "default": _l("Default", "违约", "text"),
    "recovery_rate": _l("Recovery rate", "回收率", "rate"),
    "recovery_lag": _l("Recovery lag (months)", "回收滞后（月）", "int"),
    "unearned_fee_on_prepayment": _l("Unearned fee on prepayment", "早偿未实现费用处理", "text"),
    "schedule_rounding": _l("Instalment schedules", "还款计划取整", "text"),
    "servicing_fee": _l("Servicing fee", "资产服务费", "text"),
    "stress": _l("Stress", "压力情景", "text"),
    "segment_overrides": _l("Segment overrides", "分组假设", "text"),
    # live workbook model (abs_model.output.workbook_model): row labels and phrases, keyed "model:<English>"
    "model:Pool and calendar": _l('Pool and calendar', '资产池与日历', "text"),
    "model:Initial pool balance": _l('Initial pool balance', '初始资产池余额', "text"),
    "model:Revolving periods": _l('Revolving periods', '循环购买期数', "text"),
    "model:Months between payment dates": _l('Months between payment dates', '兑付间隔月数', "text"),
    "model:Purchase capacity per period (par)": _l('Purchase capacity per period (par)', '每期可购买资产（面值）', "text"),
    "model:Tranches (most senior first)": _l('Tranches (most senior first)', '证券分层（优先级由高到低）', "text"),
    "model:Fees and taxes": _l('Fees and taxes', '税费', "text"),
    "model:Reserve account": _l('Reserve account', '储备账户', "text"),
    "model:Triggers (thresholds)": _l('Triggers (thresholds)', '触发事件（阈值）', "text"),
    "model:Clean-up call": _l('Clean-up call', '清仓回购', "text"),
    "model:Timeline": _l('Timeline', '时间轴', "text"),
    "model:Period": _l('Period', '期数', "text"),
    "model:Last period (1 yes)": _l('Last period (1 yes)', '最后一期（1 是）', "text"),
    "model:Accrual fraction": _l('Accrual fraction', '计息期年化比例', "text"),
    "model:Within the revolving period (1 yes)": _l('Within the revolving period (1 yes)', '处于循环购买期（1 是）', "text"),
    "model:Pool inputs (values from the projection, without revolving purchases)": _l('Pool inputs (values from the projection, without revolving purchases)', '资产池输入（现金流预测值，不含循环购买）', "text"),
    "model:Base": _l('Base', '基础值', "text"),
    "model:One unit purchased": _l('One unit purchased', '单位新购资产', "text"),
    "model:profile by age, reversed (age T first)": _l('profile by age, reversed (age T first)', '按账龄的现金流，倒序（账龄 T 在前）', "text"),
    "model:Unit profile reversed": _l('Unit profile reversed', '单位资产现金流（倒序）', "text"),
    "model:Collections": _l('Collections', '回收款', "text"),
    "model:Deal live (not called before this period)": _l('Deal live (not called before this period)', '交易存续（此前未清仓回购）', "text"),
    "model:Cumulative defaults": _l('Cumulative defaults', '累计违约金额', "text"),
    "model:Cumulative recoveries received": _l('Cumulative recoveries received', '累计违约回收金额', "text"),
    "model:Accruals": _l('Accruals', '计提', "text"),
    "model:Note balance at the start": _l('Note balance at the start', '期初证券余额', "text"),
    "model:Performance triggers (tested before the waterfall)": _l('Performance triggers (tested before the waterfall)', '表现类触发事件（分配前测试）', "text"),
    "model:Purchases before this period": _l('Purchases before this period', '本期前累计购买（面值）', "text"),
    "model:Effects, phase, clean-up call, payment date, reserve target": _l('Effects, phase, clean-up call, payment date, reserve target', '触发后果、阶段、清仓回购、兑付日、储备目标', "text"),
    "model:Effect in force": _l('Effect in force', '生效的触发后果', "text"),
    "model:Revolving ended (1 yes)": _l('Revolving ended (1 yes)', '循环购买已结束（1 是）', "text"),
    "model:Clean-up call exercised (1 yes)": _l('Clean-up call exercised (1 yes)', '行使清仓回购（1 是）', "text"),
    "model:Phase (0 revolving, 1 amortising, 2 accelerated, 3 default, 4 clean-up)": _l('Phase (0 revolving, 1 amortising, 2 accelerated, 3 default, 4 clean-up)', '阶段（0 循环购买，1 摊还，2 加速清偿，3 违约事件，4 清仓回购）', "text"),
    "model:Payment date (1 yes)": _l('Payment date (1 yes)', '兑付日（1 是）', "text"),
    "model:Months since the last payment date": _l('Months since the last payment date', '距上一兑付日月数', "text"),
    "model:In phase (1 yes)": _l('In phase (1 yes)', '处于该阶段（1 是）', "text"),
    "model:Payment date in phase (1 yes)": _l('Payment date in phase (1 yes)', '该阶段兑付日（1 是）', "text"),
    "model:Reserve target (set on payment dates)": _l('Reserve target (set on payment dates)', '储备目标（兑付日设定）', "text"),
    "model:Reserve target this period": _l('Reserve target this period', '本期储备目标', "text"),
    "model:Collection account and interest due": _l('Collection account and interest due', '收款账户与应付利息', "text"),
    "model:Interest pot": _l('Interest pot', '收入分账户', "text"),
    "model:Principal pot": _l('Principal pot', '本金分账户', "text"),
    "model:carried + collected": _l('carried + collected', '结转 + 本期回收', "text"),
    "model:carried + collected + recoveries + call proceeds": _l('carried + collected + recoveries + call proceeds', '结转 + 本期回收 + 违约回收 + 清仓回购价款', "text"),
    "model:PDL": _l('PDL', '本金亏损账', "text"),
    "model:carried + new defaults": _l('carried + new defaults', '结转 + 新增违约', "text"),
    "model:carried + new defaults + commingled principal": _l('carried + new defaults + commingled principal', '结转 + 新增违约 + 混同损失的本金', "text"),
    "model:carried + new defaults + buy-back discount": _l('carried + new defaults + buy-back discount', '结转 + 新增违约 + 赎回折价', "text"),
    "model:carried + new defaults + commingled principal + buy-back discount": _l('carried + new defaults + commingled principal + buy-back discount', '结转 + 新增违约 + 混同损失的本金 + 赎回折价', "text"),
    "model:Reserve": _l('Reserve', '储备账户', "text"),
    "model:Reserve at the start": _l('Reserve at the start', '期初储备账户余额', "text"),
    "model:Waterfall (active in its phase)": _l('Waterfall (active in its phase)', '分配顺序（仅在该阶段生效）', "text"),
    "model:Interest pot after": _l('Interest pot after', '收入分账户余额', "text"),
    "model:Principal pot after": _l('Principal pot after', '本金分账户余额', "text"),
    "model:Principal pot after the PDL credit": _l('Principal pot after the PDL credit', '弥补本金亏损后本金分账户余额', "text"),
    "model:Reserve after": _l('Reserve after', '储备账户余额', "text"),
    "model:PDL after": _l('PDL after', '本金亏损账余额', "text"),
    "model:PDL credited": _l('PDL credited', '本金亏损账贷记', "text"),
    "model:Recoveries still to come in the PDL (0 in the last period)": _l('Recoveries still to come in the PDL (0 in the last period)', '计入本金亏损账的待收违约回收（最后一期为 0）', "text"),
    "model:PDL credit by recoveries (received + change in those still to come)": _l('PDL credit by recoveries (received + change in those still to come)', '违约回收贷记本金亏损账（已收 + 待收变动）', "text"),
    "model:PDL credit by recoveries applied (below 0 a debit)": _l('PDL credit by recoveries applied (below 0 a debit)', '违约回收实际贷记本金亏损账（负数为借记）', "text"),
    "model:PDL credited by recoveries": _l('PDL credited by recoveries', '违约回收贷记本金亏损账金额', "text"),
    "model:PDL after the recoveries": _l('PDL after the recoveries', '违约回收贷记后本金亏损账余额', "text"),
    "model:PDL debited with the recoveries that go with the called pool": _l('PDL debited with the recoveries that go with the called pool', '随清仓回购转出的待收违约回收借记本金亏损账', "text"),
    "model:PDL after the clean-up call": _l('PDL after the clean-up call', '清仓回购后本金亏损账余额', "text"),
    "model:Purchased so far this period (par)": _l('Purchased so far this period (par)', '本期已购买（面值）', "text"),
    "model:After the waterfall": _l('After the waterfall', '分配后', "text"),
    "model:shortfalls, writedowns, balances": _l('shortfalls, writedowns, balances', '利息差额、减记、余额', "text"),
    "model:Interest pot carried": _l('Interest pot carried', '收入分账户结转', "text"),
    "model:Principal pot carried": _l('Principal pot carried', '本金分账户结转', "text"),
    "model:PDL at the end": _l('PDL at the end', '期末本金亏损账', "text"),
    "model:Reserve at the end": _l('Reserve at the end', '期末储备账户余额', "text"),
    "model:Receivables purchased (par)": _l('Receivables purchased (par)', '循环购买资产（面值）', "text"),
    "model:Purchases to date (par)": _l('Purchases to date (par)', '累计购买（面值）', "text"),
    "model:Note balance after principal": _l('Note balance after principal', '本金偿付后证券余额', "text"),
    "model:Notes not covered by the pool, principal cash and recoveries to come": _l('Notes not covered by the pool, principal cash and recoveries to come', '未被资产池、本金现金及待收违约回收覆盖的证券', "text"),
    "model:Writedown left for more senior classes": _l('Writedown left for more senior classes', '留待更优先档次的减记', "text"),
    "model:Called by the end of this period (1 yes)": _l('Called by the end of this period (1 yes)', '本期末已清仓回购（1 是）', "text"),
    "model:Accounts": _l('Accounts', '账户', "text"),
    "model:original balance": _l('original balance', '初始本金', "text"),
    "model:coupon (annual)": _l('coupon (annual)', '票面利率（年）', "text"),
    "model:interest on shortfall (1 yes, 0 no)": _l('interest on shortfall (1 yes, 0 no)', '欠付利息计息（1 是，0 否）', "text"),
    "model:tax rate on interest collected": _l('tax rate on interest collected', '税率（按利息回收）', "text"),
    "model:amount per year": _l('amount per year', '每年金额', "text"),
    "model:rate per year on the pool_balance": _l('rate per year on the pool balance', '年费率（按资产池余额）', "text"),
    "model:rate per year on the note_balance": _l('rate per year on the note balance', '年费率（按证券余额）', "text"),
    "model:cap per payment date": _l('cap per payment date', '每兑付日上限', "text"),
    "model:initial balance": _l('initial balance', '初始余额', "text"),
    "model:target amount": _l('target amount', '目标金额', "text"),
    "model:target rate of the note_balance": _l('target rate of the note balance', '目标比例（按证券余额）', "text"),
    "model:target rate of the pool_balance": _l('target rate of the pool balance', '目标比例（按资产池余额）', "text"),
    "model:floor": _l('floor', '下限', "text"),
    "model:threshold (breached above)": _l('threshold (breached above)', '阈值（高于即触发）', "text"),
    "model:threshold (breached below)": _l('threshold (breached below)', '阈值（低于即触发）', "text"),
    "model:threshold (breached at_least)": _l('threshold (breached at or above)', '阈值（不低于即触发）', "text"),
    "model:tolerance": _l('tolerance', '容差', "text"),
    "model:pool factor threshold": _l('pool factor threshold', '资产池因子阈值', "text"),
    "model:price (share of pool balance)": _l('price (share of pool balance)', '价格（占资产池余额）', "text"),
    "model:advance rate (1 − target OC)": _l('advance rate (1 − target OC)', '垫付比例（1 − 目标超额抵押）', "text"),
    "model:purchase price (par = 1)": _l('purchase price (par = 1)', '购买价格（面值 = 1）', "text"),
    "model:interest accrued": _l('interest accrued', '当期应计利息', "text"),
    "model:interest accrued since the last payment date": _l('interest accrued since the last payment date', '上一兑付日以来应计利息', "text"),
    "model:accrued": _l('accrued', '当期计提', "text"),
    "model:due": _l('due', '应付', "text"),
    "model:value": _l('value', '指标值', "text"),
    "model:breached (1 yes)": _l('breached (1 yes)', '触发（1 是）', "text"),
    "model:in force (1 yes)": _l('in force (1 yes)', '生效（1 是）', "text"),
    "model:interest due": _l('interest due', '应付利息', "text"),
    "model:wanted": _l('wanted', '应付额', "text"),
    "model:from the interest pot": _l('from the interest pot', '从收入分账户支付', "text"),
    "model:from the principal pot": _l('from the principal pot', '从本金分账户支付', "text"),
    "model:drawn": _l('drawn', '合计支付', "text"),
    "model:still due": _l('still due', '仍欠付', "text"),
    "model:paid on this payment date": _l('paid on this payment date', '本兑付日已付', "text"),
    "model:interest owed": _l('interest owed', '欠付利息', "text"),
    "model:owed in all": _l('owed in all', '欠付合计', "text"),
    "model:interest paid (pro rata)": _l('interest paid (pro rata)', '已付利息（按比例）', "text"),
    "model:interest paid so far": _l('interest paid so far', '已付利息累计', "text"),
    "model:interest": _l('interest', '利息', "text"),
    "model:principal": _l('principal', '本金', "text"),
    "model:balance of the classes named": _l('balance of the classes named', '所列档次余额', "text"),
    "model:principal payable": _l('principal payable', '可付本金', "text"),
    "model:share of each balance paid": _l('share of each balance paid', '偿付比例', "text"),
    "model:principal (pro rata)": _l('principal (pro rata)', '本金（按比例）', "text"),
    "model:balance after": _l('balance after', '偿付后余额', "text"),
    "model:payable left": _l('payable left', '剩余可付', "text"),
    "model:capacity left (cash)": _l('capacity left (cash)', '剩余可购买额（现金）', "text"),
    "model:cash spent": _l('cash spent', '购买支出', "text"),
    "model:interest paid": _l('interest paid', '已付利息', "text"),
    "model:interest shortfall carried": _l('interest shortfall carried', '结转利息差额', "text"),
    "model:accrued interest carried": _l('accrued interest carried', '结转应计利息', "text"),
    "model:balance after principal": _l('balance after principal', '本金偿付后余额', "text"),
    "model:unpaid, carried": _l('unpaid, carried', '未付结转', "text"),
    "model:written down": _l('written down', '减记', "text"),
    "model:written down, repaid": _l('written down, repaid', '偿还减记本金', "text"),
    "model:owed at the deal's end": _l("owed at the deal's end", '交易终止时应付本金', "text"),
    "model:interest still due": _l('interest still due', '尚欠利息', "text"),
    "model:principal owed, repaid": _l('principal owed, repaid', '偿付应付本金', "text"),
    "model:of which the balance": _l('of which the balance', '其中：偿付余额', "text"),
    "model:written down, still to repay": _l('written down, still to repay', '减记本金待偿', "text"),
    "model:written down, repaid this period": _l('written down, repaid this period', '本期偿还的减记本金', "text"),
    "model:written down less repaid this period": _l('written down less repaid this period', '减记（扣除本期偿还）', "text"),
    "model:written down, not yet repaid": _l('written down, not yet repaid', '尚未偿还的减记本金', "text"),
    "model:balance at the end": _l('balance at the end', '期末余额', "text"),
    "model:senior interest unpaid": _l('senior interest unpaid', '优先级未付利息', "text"),
    "model:consecutive months not reinvested": _l('consecutive months not reinvested', '连续未再投资月数', "text"),
    "model:payment date": _l('payment date', '兑付日', "text"),
    "model:other months, principal only": _l('other months, principal only', '非兑付月：仅用本金', "text"),
    "model:pro rata": _l('pro rata', '按比例', "text"),
    "model:revolving": _l('revolving', '循环购买期', "text"),
    "model:amortising": _l('amortising', '摊还期', "text"),
    "model:accelerated": _l('accelerated', '加速清偿', "text"),
    "model:default": _l('default', '违约事件', "text"),
    "model:cleanup": _l('cleanup', '清仓回购', "text"),
    "model:end_revolving": _l('end revolving', '结束循环购买', "text"),
    "model:accelerate": _l('accelerate', '加速清偿', "text"),
    "model:sequential": _l('sequential', '顺序偿付', "text"),
    "model:interest_collected": _l('Interest collected', '利息回收', "text"),
    "model:principal_collected": _l('Principal collected', '本金回收', "text"),
    "model:recoveries": _l('Recoveries', '违约回收', "text"),
    "model:new_defaults": _l('New defaults', '新增违约', "text"),
    "model:defaults_counted_only": _l('Restructured, counted as defaults (no PDL debit)', '计入违约的重组资产（不借记本金亏损账）', "text"),
    "model:recoveries_pending": _l('Recoveries still to come', '待收违约回收', "text"),
    "model:Recoveries still to come (running sum)": _l('Recoveries still to come (running sum)', '待收违约回收（累计）', "text"),
    "model:pool_balance_begin": _l('Pool balance (start)', '期初资产池余额', "text"),
    "model:pool_balance_end": _l('Pool balance (end)', '期末资产池余额', "text"),
    "model:ineligible_balance": _l('Restructured plans outside the collateral (sold with a clean-up call)', '不计入资产池的重组资产（清仓回购时一并出售）', "text"),
    "model:delinquent_balance": _l('Delinquent balance (31–180 dpd)', '逾期余额（31–180 天）', "text"),
    "model:key": _l('key', '键', "text"),
    "model:Input": _l('Input', '输入', "text"),
    "model:Line item": _l('Line item', '计算项', "text"),
    "model:Output": _l('Output', '输出', "text"),
    "model:Value": _l('Value', '数值', "text"),
    "model:Period end": _l('Period end', '期末日', "text"),
    "model:pay_tax": _l('pay_tax', '支付税收', "text"),
    "model:pay_fee": _l('pay_fee', '支付费用', "text"),
    "model:pay_interest": _l('pay_interest', '支付利息', "text"),
    "model:pay_principal": _l('pay_principal', '支付本金', "text"),
    "model:fund_reserve": _l('fund_reserve', '补足储备账户', "text"),
    "model:cover_pdl": _l('cover_pdl', '弥补本金亏损', "text"),
    "model:buy_receivables": _l('buy_receivables', '循环购买', "text"),
    "model:pay_residual": _l('pay_residual', '支付剩余收益', "text"),
    "model:draw_reserve": _l('draw_reserve', '提取储备账户', "text"),
    "model:step": _l('step', '第{}步', "text"),
    "model:Clean-up call proceeds": _l('Clean-up call proceeds', '清仓回购价款', "text"),
}

#: Every known column, read-only.
LABELS: Mapping[str, Label] = MappingProxyType(_REGISTRY)

_RATE_HINT = re.compile(r"(_rate|_pct|_share|^cpr|^cdr|^smm|^mdr|^yield)", re.IGNORECASE)
_INT_HINT = re.compile(r"(^count$|_count$|_period$|^period)", re.IGNORECASE)


#: Registered keys that prefix a per-class or per-trigger column (``wal_Senior A``,
#: ``loss_pct_Senior A``, ``first_breach_<trigger>``): the column takes the key's format, and its
#: label is the key's label followed by the rest of the name.
_PREFIXES: tuple[str, ...] = ("first_breach", "loss_pct", "wal")


def _prefixed(column: object) -> tuple[Label, str] | None:
    name = str(column)
    for p in _PREFIXES:
        if name.startswith(p + "_") and len(name) > len(p) + 1 and p in LABELS:
            return LABELS[p], name[len(p) + 1 :]
    return None


def _lookup(column: object) -> Label | None:
    entry = LABELS.get(str(column))
    if entry is None and (pre := _prefixed(column)) is not None:
        return Label(f"{pre[0].en}: {pre[1]}", f"{pre[0].zh}：{pre[1]}", pre[0].fmt)
    return entry


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


#: Display format of a trigger's value and threshold by its metric (rates unless listed): money for
#: missed senior interest, a count / flag for events. Read by the report and the workbook alike.
TRIGGER_METRIC_FORMATS: Mapping[str, Format] = MappingProxyType(
    {"missed_senior_interest": "amount", "unable_to_revolve": "int", "servicer_event": "int"}
)


def trigger_format(metric: object) -> Format:
    """Display format of the value and threshold of a trigger on ``metric``
    (:data:`TRIGGER_METRIC_FORMATS`, else ``rate``)."""
    return TRIGGER_METRIC_FORMATS.get(str(metric), "rate")


def excel_format(column: object) -> str:
    """Excel number format of ``column`` (amount ``#,##0.00``, rate ``0.00%``, factor ``0.0000``,
    years ``0.00``, int ``#,##0``, date ``yyyy-mm-dd``, text ``@``)."""
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

    amount ``1,234.56``; rate ``12.34%``; factor ``0.9876543``; years ``2.35``; int ``1,234``;
    date ``2025-01-31``;
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
    if f == "years":
        return f"{round(x, 2) + 0.0:.2f}"
    if f == "int":
        return f"{round(x):,d}"
    return f"{round(x, 2) + 0.0:,.2f}"


# ---------------------------------------------------------------------------- values shown as text
# Stratification keys and the categorical values in them (products, channels), waterfall step
# kinds and ledger accounts: registered like columns so the Chinese report has no English left.
_REGISTRY.update(
    {
        "original_term": _l("Original term (months)", "合同期限（月）", "int"),
        "product": _l("Product", "产品", "text"),
        "balance_band": _l("Balance band", "余额区间", "text"),
        "fee_band": _l("Fee-per-period band (flat-fee products)", "每期手续费率区间（等本等费/免息分期）", "text"),
        "interest_band": _l("Annual interest rate band (rate-based products)", "年利率区间（等额本息/等额本金）", "text"),
        "apr_band": _l("APR-by-IRR band (all products)", "年化利率区间（内部收益率法，全部产品）", "text"),
        "bucket": _l("Delinquency bucket", "逾期档", "text"),
        "region": _l("Region", "地区", "text"),
        "channel": _l("Channel", "渠道", "text"),
        "score_band": _l("Score band", "评分档", "text"),
        "total": _l("Total", "合计", "text"),
        "flat_fee": _l("Equal principal, flat fee", "等本等费", "text"),
        "level_payment": _l("Level payment", "等额本息", "text"),
        "equal_principal": _l("Equal principal", "等额本金", "text"),
        "bullet": _l("Interest-free bullet", "免息一次性还款", "text"),
        "app": _l("App", "移动应用", "text"),
        "partner": _l("Partner", "合作渠道", "text"),
        "web": _l("Web", "网页", "text"),
        "roll_rate": _l("Roll-rate state machine", "滚动率状态机", "text"),
        "sifma": _l("SIFMA/BMA standard", "SIFMA/BMA 标准口径", "text"),
        "absbox": _l("absbox / Hastructure order", "absbox / Hastructure 口径", "text"),
        "interest_per_100": _l("Interest per 100", "每百元利息", "factor"),
        "principal_per_100": _l("Principal per 100", "每百元本金", "factor"),
        "collect_interest": _l("Interest collections", "收入回收款", "text"),
        "collect_principal": _l("Principal collections", "本金回收款", "text"),
        "collect_recoveries": _l("Recoveries", "违约回收款", "text"),
        "collect_late_fees": _l("Late fees (违约金)", "违约金收入", "text"),
        "cleanup_proceeds_step": _l("Clean-up call proceeds", "清仓回购价款", "text"),
        "pay_tax": _l("Taxes", "税费", "text"),
        "pay_fee": _l("Fee", "费用", "text"),
        "pay_interest": _l("Note interest", "证券利息", "text"),
        "pay_principal": _l("Note principal", "证券本金", "text"),
        "pay_residual": _l("Residual to the subordinated class", "次级剩余收益", "text"),
        "fund_reserve": _l("Fund the reserve account", "补足储备账户", "text"),
        "draw_reserve": _l("Draw on the reserve account", "提取储备账户", "text"),
        "cover_pdl": _l("Cover the principal deficiency", "弥补本金亏损", "text"),
        "buy_receivables": _l("Buy new receivables", "循环购买", "text"),
        "draw_liquidity_reserve": _l("Draw on the liquidity reserve", "提取流动性储备", "text"),
        "fund_liquidity_reserve": _l("Fund the liquidity reserve", "补足流动性储备", "text"),
        "release_reserve": _l("Release the reserve above its target", "释放超额储备", "text"),
        "pay_period_return": _l("Subordinated period return", "次级期间收益", "text"),
        "shortfall_support": _l("Shortfall undertaking (差额支付)", "差额支付承诺", "text"),
        "default_cover": _l("Default cover (guarantee / insurance / buy-back)", "违约资产补偿（担保/保险/赎回）", "text"),
        "pool": _l("Pool", "资产池", "text"),
        "interest_account": _l("Interest account", "收入分账户", "text"),
        "principal_account": _l("Principal account", "本金分账户", "text"),
        "reserve_account": _l("Reserve account", "储备账户", "text"),
        "receivables_purchase": _l("Receivables purchased", "循环购买资产", "text"),
        "residual": _l("Residual", "剩余收益", "text"),
        "term": _l("Original term (months)", "合同期限（月）", "int"),
        "cleanup_call": _l("Clean-up call", "清仓回购", "text"),
        "CNY": _l("CNY", "人民币", "text"),
        "USD": _l("USD", "美元", "text"),
        "prepay_multiple": _l("Prepayment multiple", "早偿倍数", "factor"),
        "default_multiple": _l("Default multiple", "违约倍数", "factor"),
    }
)

# ---------------------------------------------------------------------------- deal parties
_REGISTRY.update(
    {
        "originator": _l("Originator", "发起机构", "text"),
        "servicer": _l("Servicer", "资产服务机构", "text"),
        "issuer": _l("Issuer", "发行人", "text"),
        "trustee": _l("Trustee", "受托人", "text"),
        "manager": _l("Programme manager", "计划管理人", "text"),
        "custodian": _l("Custodian", "资金保管机构", "text"),
        "lead_underwriter": _l("Lead underwriter", "主承销商", "text"),
        "rating_agency": _l("Rating agency", "评级机构", "text"),
        "registrar": _l("Registrar", "登记托管机构", "text"),
        "accountant": _l("Accountant", "会计师事务所", "text"),
        "legal_counsel": _l("Legal counsel", "律师事务所", "text"),
        "rating": _l("Rating", "评级", "text"),
    }
)


# ---------------------------------------------------------------------------- live workbook model (issue 13, 2nd round)
# Row labels of the liquidity-reserve, period-return, credit-support and pool rows of
# abs_model.output.workbook_model_*, keyed "model:<English>"; and two Outputs columns.
_REGISTRY.update(
    {
        "model:Accrual fraction (fees, collection periods)": _l("Accrual fraction (fees, collection periods)", "计息期年化比例（费用，按收款期间）", "text"),
        "model:Note accrual fraction (closing, then payment dates)": _l("Note accrual fraction (closing, then payment dates)", "证券计息期年化比例（起息日至首个兑付日，其后兑付日之间）", "text"),
        "model:Phase before the clean-up call (0 revolving, 1 amortising, 2 accelerated, 3 default)": _l("Phase before the clean-up call (0 revolving, 1 amortising, 2 accelerated, 3 default)", "清仓回购前阶段（0 循环购买，1 摊还，2 加速清偿，3 违约事件）", "text"),
        "model:Reserve above its target, released to the interest pot (payment dates)": _l("Reserve above its target, released to the interest pot (payment dates)", "超出目标的储备释放至收入分账户（兑付日）", "text"),
        "model:Reserve after the release": _l("Reserve after the release", "释放后储备账户余额", "text"),
        "model:Interest pot after the reserve release": _l("Interest pot after the reserve release", "储备释放后收入分账户余额", "text"),
        "model:event period (1E+300 none)": _l("event period (1E+300 none)", "事件发生期数（1E+300 表示不发生）", "text"),
        "model:commingling loss (share of the period's collections)": _l("commingling loss (share of the period's collections)", "资金混同损失（占当期回收款比例）", "text"),
        "model:period return cap (annual)": _l("period return cap (annual)", "期间收益上限（年化）", "text"),
        "model:limit over the life": _l("limit over the life", "存续期内支付上限", "text"),
        "model:provider defaults from period (1E+300 never)": _l("provider defaults from period (1E+300 never)", "支付方自该期起违约（1E+300 表示不违约）", "text"),
        "model:notes' principal covered from period": _l("notes' principal covered from period", "自该期起补足证券本金", "text"),
        "model:share of defaults covered": _l("share of defaults covered", "违约资产补偿比例", "text"),
        "model:price (share of par)": _l("price (share of par)", "价格（占面值比例）", "text"),
        "model:Period of the run (1 yes; empty after the last)": _l("Period of the run (1 yes; empty after the last)", "计算期内（1 是；最后一期之后为空）", "text"),
        "model:Eligible supply, par (1E+300 unlimited)": _l("Eligible supply, par (1E+300 unlimited)", "合格资产供给（面值，1E+300 表示不限）", "text"),
        "model:Purchase mix weight": _l("Purchase mix weight", "购买组合权重", "text"),
        "model:Purchase capacity this period (par)": _l("Purchase capacity this period (par)", "本期可购买额（面值）", "text"),
        "model:Interest collections before costs": _l("Interest collections before costs", "扣除催收费用前利息回收", "text"),
        "model:Principal collections before costs": _l("Principal collections before costs", "扣除催收费用前本金回收", "text"),
        "model:Collection costs paid out of recoveries": _l("Collection costs paid out of recoveries", "以违约回收支付的催收费用", "text"),
        "model:Collection costs paid out of interest": _l("Collection costs paid out of interest", "以利息回收支付的催收费用", "text"),
        "model:Collection costs paid out of principal": _l("Collection costs paid out of principal", "以本金回收支付的催收费用", "text"),
        "model:Collection costs paid": _l("Collection costs paid", "已付催收费用", "text"),
        "model:ratio this period": _l("ratio this period", "本期比率", "text"),
        "model:average ratio": _l("average ratio", "平均比率", "text"),
        "model:Clean-up call proceeds paid in (1 yes)": _l("Clean-up call proceeds paid in (1 yes)", "清仓回购价款已划入（1 是）", "text"),
        "model:relative float tolerance of the cover test": _l("relative float tolerance of the cover test", "覆盖测试的相对浮点容差", "text"),
        "model:proceeds + cash in the collection account + reserve": _l("proceeds + cash in the collection account + reserve", "回购价款 + 收款账户资金 + 储备金", "text"),
        "model:expenses due + interest due and balance of every class but the subordinated": _l(
            "expenses due + interest due and balance of every class but the subordinated", "应付费用 + 次级档以外各档应付利息及余额", "text"
        ),
        "model:expenses due + interest due and balance of every class": _l(
            "expenses due + interest due and balance of every class", "应付费用 + 各档应付利息及余额", "text"
        ),
        "model:proceeds with the cash cover them (1 yes)": _l("proceeds with the cash cover them (1 yes)", "回购价款与资金足以偿付（1 是）", "text"),
        "model:event period (1 yes)": _l("event period (1 yes)", "事件发生当期（1 是）", "text"),
        "model:commingling loss": _l("commingling loss", "资金混同损失", "text"),
        "model:taxes, senior fees and senior interest due": _l("taxes, senior fees and senior interest due", "应付税收、优先费用及优先级利息", "text"),
        "model:principal of the classes named due": _l("principal of the classes named due", "所列档次应付本金", "text"),
        "model:room left under the limit": _l("room left under the limit", "剩余支付额度", "text"),
        "model:paid in for interest": _l("paid in for interest", "补足利息及税费差额", "text"),
        "model:paid in for principal": _l("paid in for principal", "补足本金差额", "text"),
        "model:paid in": _l("paid in", "划入金额", "text"),
        "model:paid in so far": _l("paid in so far", "累计划入金额", "text"),
        "model:liquidity target (next payment date's senior needs)": _l("liquidity target (next payment date's senior needs)", "流动性储备目标（下一兑付日优先级支出）", "text"),
        "model:released": _l("released", "释放金额", "text"),
        "model:cap": _l("cap", "上限", "text"),
        "model:turbo principal": _l("turbo principal", "加速偿付本金", "text"),
        "model:Paid in by the supporter so far": _l("Paid in by the supporter so far", "增信方累计划入金额", "text"),
        "model:shortfall_support": _l("shortfall_support", "差额支付承诺", "text"),
        "model:draw_liquidity_reserve": _l("draw_liquidity_reserve", "提取流动性储备", "text"),
        "model:fund_liquidity_reserve": _l("fund_liquidity_reserve", "补足流动性储备", "text"),
        "model:release_reserve": _l("release_reserve", "释放储备", "text"),
        "model:pay_period_return": _l("pay_period_return", "支付期间收益", "text"),
        "model:default_cover": _l("default_cover", "违约资产补偿", "text"),
        "model:guarantor": _l("guarantor", "担保人或保险人", "text"),
        "model:originator": _l("originator", "原始权益人", "text"),
        "model:default_cover:guarantor": _l("default_cover:guarantor", "违约资产补偿：担保人或保险人", "text"),
        "model:default_cover:originator": _l("default_cover:originator", "违约资产补偿：原始权益人赎回", "text"),
        "support_paid": _l("Paid in by supporters", "增信方划入金额"),
        "commingling_loss": _l("Commingling loss", "资金混同损失"),
    }
)
