"""Every threshold of every rule, with its default and the year it took effect.

The database layer stores an administrator's overrides per effective year and
passes each rule the resolved mapping for the as-of date; missing names fall
back to the defaults here. Ratios are fractions (unit "%": 0.05 means 5%),
money is in 万元, counts are ints.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from decimal import Decimal
from typing import Any

Parameters = Mapping[str, Decimal | int]

HITECH = "hitech_candidate"
EXPIRING = "hitech_expiring"
TECH_SME = "tech_sme_candidate"
GAZELLE = "gazelle_candidate"
GOLDEN_SEED = "golden_seed_candidate"
REPORT_OVERDUE = "report_overdue"
INNOVATIVE_SME = "innovative_sme_candidate"
SRDI_SME = "srdi_sme_candidate"
LITTLE_GIANT = "little_giant_candidate"
ONSITE_CHECK = "tech_sme_onsite_check"
# Not a rule: how long a designation imported from a list is valid when the list says not.
DESIGNATION_VALIDITY = "designation_validity"

# Years the defaults took effect: the 2016 high-tech measures (国科发火〔2016〕32号),
# the 2022 revision of the tech SME evaluation, and the 14th Five-Year plans (2021)
# for the local lists and the reporting calendar.
HITECH_SINCE = 2016
TECH_SME_SINCE = 2022
LOCAL_SINCE = 2021
# 优质中小企业梯度培育管理暂行办法 (工信部企业〔2022〕63号), in force from 1 August 2022, and
# Jiangmen's on-site check procedure for tech-SME registration (江科〔2025〕118号).
MIIT_SINCE = 2022
ONSITE_SINCE = 2025


@dataclass(frozen=True)
class ParameterSpec:
    """One adjustable threshold: what it is, its default, and since when."""

    rule: str
    name: str
    default: Decimal | int
    label: str
    unit: str            # "%" (a fraction), "万元", "人", "项", "分", "年", "月", "日", "级" (a level)
    description: str
    effective_year: int
    # The values the rule can work with (inclusive; None: no bound beyond "not negative"):
    # a deadline in month 13 or a growth period of one year would break every evaluation.
    minimum: int | None = None
    maximum: int | None = None


def _hitech() -> tuple[ParameterSpec, ...]:
    def spec(name: str, default: Decimal | int, label: str, unit: str, description: str) -> ParameterSpec:
        return ParameterSpec(HITECH, name, default, label, unit, description, HITECH_SINCE)

    growth = [
        ("growth_for_9", "0.35", "成长性得分9–10分的增长率下限"),
        ("growth_for_7", "0.25", "成长性得分7–8分的增长率下限"),
        ("growth_for_5", "0.15", "成长性得分5–6分的增长率下限"),
        ("growth_for_3", "0.05", "成长性得分3–4分的增长率下限"),
        ("growth_for_1", "0", "成长性得分1–2分的增长率下限"),
    ]
    return (
        spec("min_registered_years", 1, "注册成立年限", "年",
             "企业申请认定时须注册成立满该年数（含当日）。"),
        spec("min_ip_items", 1, "I类或II类知识产权数量", "项",
             "最近一个会计年度拥有的I类与II类知识产权合计不少于该数。"),
        spec("min_tech_staff_ratio", Decimal("0.10"), "科技人员占职工总数比例", "%",
             "最近一个会计年度科技人员占当年职工总数的比例不低于该值（含）。"),
        dataclasses.replace(
            spec("rd_years", 3, "研发费用统计年数", "年",
                 "研发费用占比按评估年份之前的该数个会计年度合计计算；成立不足的按实际经营年度计算。"),
            minimum=1),
        spec("rd_band1_max_revenue", Decimal(5000), "研发占比第一档销售收入上限", "万元",
             "最近一年销售收入不超过该值（含）的企业适用第一档研发费用比例。"),
        spec("rd_band1_min_ratio", Decimal("0.05"), "第一档研发费用占销售收入比例", "%",
             "最近一年销售收入不超过第一档上限的企业，近三年研发费用占同期销售收入比例不低于该值。"),
        spec("rd_band2_max_revenue", Decimal(20000), "研发占比第二档销售收入上限", "万元",
             "最近一年销售收入高于第一档上限、不超过该值（含）的企业适用第二档比例。"),
        spec("rd_band2_min_ratio", Decimal("0.04"), "第二档研发费用占销售收入比例", "%",
             "第二档企业近三年研发费用占同期销售收入比例不低于该值。"),
        spec("rd_band3_min_ratio", Decimal("0.03"), "第三档研发费用占销售收入比例", "%",
             "最近一年销售收入高于第二档上限的企业，近三年研发费用占同期销售收入比例不低于该值。"),
        spec("min_domestic_rd_ratio", Decimal("0.60"), "境内研发费用占比", "%",
             "近三年在中国境内发生的研发费用占全部研发费用的比例不低于该值。"),
        spec("min_hitech_revenue_ratio", Decimal("0.60"), "高新技术产品（服务）收入占比", "%",
             "最近一年高新技术产品（服务）收入占同期总收入的比例不低于该值；未填报总收入时以销售收入计。"),
        spec("rerecognition_lead_years", 0, "重新认定提前年数", "年",
             "已持有有效证书的企业，仅当证书到期年份不晚于评估年份加该值时列为候选；"
             "0 表示在证书到期当年重新认定。"),
        *(spec(name, Decimal(value), label, "%",
               "仅用于创新能力评价估算（不作为通过条件）：净资产或销售收入增长率"
               "（((第二年/第一年)+(第三年/第二年))/2 − 1）不低于该值时落入此档。")
          for name, value, label in growth),
        spec("ip_class1_for_7", 1, "知识产权数量得分7–8分的I类知识产权数", "项",
             "仅用于创新能力评价估算：拥有不少于该数的I类知识产权时，知识产权数量得7–8分。"),
        spec("ip_class2_for_5", 5, "知识产权数量得分5–6分的II类知识产权数", "项",
             "仅用于创新能力评价估算：无I类时，II类知识产权不少于该数得5–6分。"),
        spec("ip_class2_for_3", 3, "知识产权数量得分3–4分的II类知识产权数", "项",
             "仅用于创新能力评价估算：无I类时，II类知识产权不少于该数得3–4分。"),
        spec("ip_class2_for_1", 1, "知识产权数量得分1–2分的II类知识产权数", "项",
             "仅用于创新能力评价估算：无I类时，II类知识产权不少于该数得1–2分。"),
    )


def _expiring() -> tuple[ParameterSpec, ...]:
    return (
        ParameterSpec(EXPIRING, "window_months", 6, "到期提醒期", "月",
                      "有效高企证书在评估日起该数月内（含当日）到期时提醒企业准备重新认定。", LOCAL_SINCE),
    )


def _tech_sme() -> tuple[ParameterSpec, ...]:
    def spec(name: str, default: Decimal | int, label: str, unit: str, description: str) -> ParameterSpec:
        return ParameterSpec(TECH_SME, name, default, label, unit, description, TECH_SME_SINCE)

    def tiers(prefix: str, what: str, rows: list[tuple[int, str]]) -> list[ParameterSpec]:
        return [spec(f"{prefix}_for_{points}", Decimal(value), f"{what}得{points}分的下限", "%",
                     f"最近一年{what}不低于该值时得{points}分（评价指标分档）。")
                for points, value in rows]

    return (
        spec("max_employees", 500, "职工总数上限", "人", "最近一年职工总数不超过该值（含）。"),
        spec("max_revenue", Decimal(20000), "年销售收入上限", "万元", "最近一年销售收入不超过该值（含），即2亿元。"),
        spec("max_total_assets", Decimal(20000), "资产总额上限", "万元", "最近一年资产总额不超过该值（含），即2亿元。"),
        spec("min_score", 60, "评价得分下限", "分",
             "科技人员、研发投入、科技成果三项得分合计不低于该值，且科技人员得分不为0。"),
        *tiers("staff_share", "科技人员占职工总数比例",
               [(20, "0.30"), (16, "0.25"), (12, "0.20"), (8, "0.15"), (4, "0.10")]),
        *tiers("rd_sales", "研发费用占销售收入比例",
               [(50, "0.06"), (40, "0.05"), (30, "0.04"), (20, "0.03"), (10, "0.02")]),
        *tiers("rd_costs", "研发费用占成本费用总额比例",
               [(50, "0.30"), (40, "0.25"), (30, "0.20"), (20, "0.15"), (10, "0.10")]),
        spec("ip_class1_for_30", 1, "科技成果得30分的I类知识产权数", "项",
             "拥有不少于该数的I类知识产权时科技成果得30分。"),
        *(spec(f"ip_class2_for_{points}", items, f"科技成果得{points}分的II类知识产权数", "项",
               f"无I类知识产权时，II类知识产权不少于该数得{points}分。")
          for points, items in ((24, 4), (18, 3), (12, 2), (6, 1))),
        spec("direct_award_years", 5, "国家科技奖励年限", "年",
             "评估年份前该数年内（含评估年份）获国家级科技奖励的，可直接确认符合条件。"),
        spec("direct_standard_years", 5, "主导制定标准年限", "年",
             "评估年份前该数年内（含评估年份）主导制定国家标准或行业标准的，可直接确认符合条件。"),
    )


def _gazelle() -> tuple[ParameterSpec, ...]:
    def spec(name: str, default: Decimal | int, label: str, unit: str, description: str,
             minimum: int | None = None) -> ParameterSpec:
        return ParameterSpec(GAZELLE, name, default, label, unit, description, LOCAL_SINCE, minimum)

    return (
        spec("max_age_years", 10, "成立年限上限", "年",
             "须为有效期内的高新技术企业，且评估日距成立日期不超过该年数（含）。"),
        spec("min_revenue", Decimal(1000), "最近一年营业收入下限", "万元",
             "最近一个会计年度销售收入不低于该值（含）。"),
        spec("growth_years", 3, "增长率统计年数", "年",
             "复合增长率按评估年份之前的该数个会计年度计算（首年至末年，共该数减1个增长期）。", minimum=2),
        spec("min_revenue_cagr", Decimal("0.20"), "营业收入年均复合增长率下限", "%",
             "统计期内销售收入年均复合增长率不低于该值（含）。已是有效瞪羚企业的不再列为候选。"),
    )


def _golden_seed() -> tuple[ParameterSpec, ...]:
    def spec(name: str, default: Decimal | int, label: str, unit: str, description: str) -> ParameterSpec:
        return ParameterSpec(GOLDEN_SEED, name, default, label, unit, description, LOCAL_SINCE)

    return (
        spec("min_revenue", Decimal(5000), "最近一年营业收入下限", "万元",
             "须为有效期内的高新技术企业，最近一个会计年度销售收入不低于该值（含）；"
             "已入金种子库或已上市的企业不列为候选。"),
        spec("min_net_profit", Decimal(500), "最近一年净利润下限", "万元",
             "最近一个会计年度净利润不低于该值（含）。"),
        spec("min_revenue_growth", Decimal("0.15"), "营业收入增长率下限", "%",
             "最近一年销售收入较上一年的增长率不低于该值（含）。"),
    )


def _report_overdue() -> tuple[ParameterSpec, ...]:
    def spec(name: str, default: int, label: str, unit: str, description: str,
             minimum: int | None = None, maximum: int | None = None) -> ParameterSpec:
        return ParameterSpec(REPORT_OVERDUE, name, default, label, unit, description, LOCAL_SINCE, minimum, maximum)

    return (
        spec("deadline_month", 5, "年报截止月份", "月",
             "上一会计年度报表须在当年该月该日（含）前提交；此后仍未提交或审核的视为逾期。", 1, 12),
        spec("deadline_day", 31, "年报截止日", "日",
             "与截止月份共同确定截止日期；超出该月天数时取月末。", 1, 31),
        spec("reminder_days", 30, "截止前提醒天数", "日",
             "截止日期前该数日起至截止日（含），每日任务 report_reminder 向尚未提交上一会计年度报表的"
             "企业用户发送一次站内消息（配置邮件时同时发送邮件），每个用户每个年度只提醒一次；"
             "不影响逾期判定。"),
    )


def _bands(rule: str, since: int, prefix: str, what: str, rows: list[tuple[int, str]], unit: str = "%",
           upper: bool = False) -> list[ParameterSpec]:
    """One parameter per band of a score, best band first: the value a band starts at
    (inclusive: "10%以上" includes 10%), or with ``upper`` the value it ends at (a debt ratio)."""
    word = "不高于" if upper else "不低于"
    return [ParameterSpec(rule, f"{prefix}_for_{points}", Decimal(value), f"{what}得{points}分的{'上限' if upper else '下限'}",
                          unit, f"{what}{word}该值（含）时得{points}分。", since)
            for points, value in rows]


def _innovative_sme() -> tuple[ParameterSpec, ...]:
    def spec(name: str, default: Decimal | int, label: str, unit: str, description: str) -> ParameterSpec:
        return ParameterSpec(INNOVATIVE_SME, name, default, label, unit, description, MIIT_SINCE)

    return (
        spec("min_score", 60, "评价得分下限", "分", "六项指标得分合计不低于该值（含）。"),
        spec("min_innovation", 20, "创新能力得分下限", "分", "知识产权与研发费用两项得分合计不低于该值（含）。"),
        spec("min_growth", 15, "成长性得分下限", "分", "主营业务收入增长率与资产负债率两项得分合计不低于该值（含）。"),
        spec("min_specialisation", 15, "专业化得分下限", "分", "主导产品所属领域与主营业务收入占比两项得分合计不低于该值（含）。"),
        *_bands(INNOVATIVE_SME, MIIT_SINCE, "rd_ratio", "上年度研发费用占营业收入比重",
                [(20, "0.05"), (15, "0.03"), (10, "0.02"), (5, "0.01")]),
        *_bands(INNOVATIVE_SME, MIIT_SINCE, "main_growth", "上年度主营业务收入增长率",
                [(20, "0.15"), (15, "0.10"), (10, "0.05"), (5, "0")]),
        *_bands(INNOVATIVE_SME, MIIT_SINCE, "debt_ratio", "上年末资产负债率", [(10, "0.55"), (5, "0.75")], upper=True),
        *_bands(INNOVATIVE_SME, MIIT_SINCE, "main_share", "上年度主营业务收入占营业收入比重",
                [(20, "0.70"), (15, "0.60"), (10, "0.55"), (5, "0.50")]),
        spec("direct_award_years", 3, "省级以上科技奖励年限", "年",
             "评估年份前该数年内（含评估年份）获省级以上科技奖励的，直接符合条件。"),
        spec("direct_equity", Decimal(500), "新增股权融资直通额度", "万元",
             "近若干年新增股权融资（合格机构投资者实缴）合计不低于该值（含）的，直接符合条件。"),
        spec("direct_equity_years", 3, "新增股权融资统计年数", "年", "新增股权融资按评估年份前该数年（含评估年份）合计。"),
    )


def _srdi_sme() -> tuple[ParameterSpec, ...]:
    def spec(name: str, default: Decimal | int, label: str, unit: str, description: str) -> ParameterSpec:
        return ParameterSpec(SRDI_SME, name, default, label, unit, description, MIIT_SINCE)

    bands = lambda *args, **kw: _bands(SRDI_SME, MIIT_SINCE, *args, **kw)  # noqa: E731
    return (
        spec("min_niche_years", 2, "从事细分市场年限", "年", "截至上年末从事特定细分市场满该年数（含，按整年计）。"),
        spec("min_rd_expense", Decimal(100), "上年度研发费用下限", "万元", "上年度研发费用总额不低于该值（含）。"),
        spec("min_rd_ratio", Decimal("0.03"), "上年度研发费用占营业收入比重下限", "%", "上年度研发费用占营业收入比重不低于该值（含）。"),
        spec("min_revenue", Decimal(1000), "上年度营业收入下限", "万元",
             "上年度营业收入不低于该值（含）；不足的，近两年新增股权融资须达到下一项。"),
        spec("min_equity_instead", Decimal(2000), "营业收入不足时的新增股权融资", "万元",
             "上年度营业收入不足下限的，近两年新增股权融资（合格机构投资者实缴）合计不低于该值（含）。"),
        spec("min_score", 60, "评价得分下限", "分", "十三项指标得分合计不低于该值（含），或符合直通条件。"),
        *bands("main_share", "上年度主营业务收入占营业收入比重", [(5, "0.80"), (3, "0.70"), (1, "0.60")]),
        *bands("main_growth", "近两年主营业务收入平均增长率",
               [(10, "0.10"), (8, "0.08"), (6, "0.06"), (4, "0.04"), (2, "0")]),
        *bands("net_margin", "上年度净利润率", [(10, "0.10"), (8, "0.08"), (6, "0.06"), (4, "0.04"), (2, "0.02")]),
        *bands("debt_ratio", "上年末资产负债率", [(5, "0.50"), (3, "0.60"), (1, "0.70")], upper=True),
        *bands("rd_expense", "上年度研发费用", [(10, "500"), (8, "400"), (6, "300"), (4, "200"), (2, "100")],
               unit="万元"),
        *bands("rd_ratio", "上年度研发费用占营业收入比重",
               [(10, "0.10"), (8, "0.08"), (6, "0.06"), (4, "0.04"), (2, "0.03")]),
        *bands("rd_staff_share", "上年度研发人员占职工总数比重", [(5, "0.20"), (3, "0.10"), (1, "0.05")]),
        spec("special_points", 0, "特色化指标得分", "分",
             "特色化指标（15分）由省级主管部门制定，本系统按该值计入每家企业；未设定时为0分。"),
        spec("direct_award_years", 3, "科技奖励年限", "年",
             "评估年份前该数年内（含评估年份）获省级科技奖励（前三名）或国家级科技奖励（前五名）的，直接符合评分条件。"),
        spec("direct_rd_average", Decimal(1000), "近两年研发费用年均直通额度", "万元",
             "近两年研发费用年均不低于该值（含）的，直接符合评分条件。"),
        spec("direct_equity", Decimal(6000), "近两年新增股权融资直通额度", "万元",
             "近两年新增股权融资（合格机构投资者实缴）合计不低于该值（含）的，直接符合评分条件。"),
    )


def _little_giant() -> tuple[ParameterSpec, ...]:
    def spec(name: str, default: Decimal | int, label: str, unit: str, description: str) -> ParameterSpec:
        return ParameterSpec(LITTLE_GIANT, name, default, label, unit, description, MIIT_SINCE)

    return (
        spec("min_niche_years", 3, "从事细分市场年限", "年", "截至上年末从事特定细分市场满该年数（含，按整年计）。"),
        spec("min_main_share", Decimal("0.70"), "主营业务收入占营业收入比重下限", "%", "上年度主营业务收入占营业收入比重不低于该值（含）。"),
        spec("min_main_growth", Decimal("0.05"), "近两年主营业务收入平均增长率下限", "%", "近两年主营业务收入平均增长率不低于该值（含）。"),
        dataclasses.replace(spec("min_digital_level", 2, "数字化水平下限", "级", "数字化水平不低于该级（含）。"),
                            minimum=1, maximum=3),
        spec("max_debt_ratio", Decimal("0.70"), "资产负债率上限", "%", "上年末资产负债率不高于该值（含）。"),
        spec("large_revenue", Decimal(10000), "大型营业收入界限", "万元",
             "上年度营业收入不低于该值（含）的企业，近两年研发费用占营业收入比重均不低于下一项。"),
        spec("large_min_rd_ratio", Decimal("0.03"), "营业收入1亿元以上企业的研发费用比重", "%", "近两年每年均不低于该值（含）。"),
        spec("middle_revenue", Decimal(5000), "中等营业收入界限", "万元",
             "上年度营业收入不低于该值（含）且低于上一界限的企业，近两年研发费用占营业收入比重均不低于下一项。"),
        spec("middle_min_rd_ratio", Decimal("0.06"), "营业收入5000万–1亿元企业的研发费用比重", "%", "近两年每年均不低于该值（含）。"),
        spec("small_min_equity", Decimal(8000), "营业收入5000万元以下企业的近两年新增股权融资", "万元",
             "营业收入低于中等界限的企业，近两年新增股权融资合计不低于该值（含），且满足下两项。"),
        spec("small_min_rd_total", Decimal(3000), "营业收入5000万元以下企业的近两年研发费用合计", "万元", "近两年研发费用合计不低于该值（含）。"),
        spec("small_min_rd_staff_share", Decimal("0.50"), "营业收入5000万元以下企业的研发人员占比", "%", "上年度研发人员占职工总数比重不低于该值（含）。"),
        spec("min_ip_class1", 2, "与主导产品相关的I类知识产权数", "项", "上年度I类知识产权不少于该数（含）。"),
        spec("direct_award_years", 3, "国家级科技奖励年限", "年",
             "评估年份前该数年内（含评估年份）获国家级科技奖励的，创新能力直接符合条件。"),
    )


def _onsite_check() -> tuple[ParameterSpec, ...]:
    def spec(name: str, default: Decimal | int, label: str, unit: str, description: str) -> ParameterSpec:
        return ParameterSpec(ONSITE_CHECK, name, default, label, unit, description, ONSITE_SINCE)

    return (
        spec("max_small_staff", 5, "小微规模核查的职工人数上限", "人", "职工总数不超过该值（含）的申报企业须实地核查。"),
        spec("min_tech_share", Decimal("0.90"), "科技人员占比核查线", "%",
             "科技人员占职工总数比例不低于该值（含）且职工总数达到下一项的申报企业须实地核查。"),
        spec("min_staff_for_share", 50, "科技人员占比核查的职工人数下限", "人", "与上一项同时满足时须实地核查。"),
    )


# Designation kinds whose lists state no validity, with the years one runs from its date:
# MIIT's 创新型中小企业, 专精特新中小企业 and 专精特新"小巨人" are valid three years
# (优质中小企业梯度培育管理暂行办法, 工信部企业〔2022〕63号); the local lists are yearly.
# 高新技术企业 (3 years less a day, 32号) and 科技型中小企业 (its registration year) follow
# their numbers, and 上市 has no end.
VALIDITY_KINDS: tuple[tuple[str, str, int, int], ...] = (
    ("innovative_sme", "创新型中小企业", 3, 2022),
    ("srdi_sme", "专精特新中小企业", 3, 2022),
    ("little_giant", "专精特新“小巨人”企业", 3, 2022),
    ("gazelle", "瞪羚企业", 1, LOCAL_SINCE),
    ("golden_seed", "金种子企业", 1, LOCAL_SINCE),
    ("eaglet", "雏鹰企业", 1, LOCAL_SINCE),
    ("hitech_reserve", "高企培育库企业", 1, LOCAL_SINCE),
    ("tech_micro", "科技型小微企业", 1, LOCAL_SINCE),
    ("leader", "科技领军企业", 1, LOCAL_SINCE),
    ("incubated", "在孵企业", 1, LOCAL_SINCE),
)


def _designation_validity() -> tuple[ParameterSpec, ...]:
    return tuple(
        ParameterSpec(DESIGNATION_VALIDITY, f"{code}_years", years, f"{label}有效年数", "年",
                      "导入名单时，未写明有效期的该类认定自认定日期起的有效年数：1 表示至认定当年12月31日，"
                      "大于1表示至该年数后认定日期的前一天。", since, 1, 10)
        for code, label, years, since in VALIDITY_KINDS
    )


# Parameter groups that are not rules: (label, description) as the administrator's page shows them.
OTHER_GROUPS: dict[str, tuple[str, str]] = {
    DESIGNATION_VALIDITY: ("名单导入的认定有效期",
                           "导入创新型、专精特新、瞪羚、金种子等名单时，名单未写明有效期的，按此计算有效期至。"),
}

DEFAULT_PARAMETERS: tuple[ParameterSpec, ...] = (
    _hitech() + _expiring() + _tech_sme() + _gazelle() + _golden_seed() + _report_overdue()
    + _innovative_sme() + _srdi_sme() + _little_giant() + _onsite_check() + _designation_validity()
)


def _by_rule() -> dict[str, tuple[ParameterSpec, ...]]:
    grouped: dict[str, list[ParameterSpec]] = {}
    for spec in DEFAULT_PARAMETERS:
        grouped.setdefault(spec.rule, []).append(spec)
    return {rule: tuple(specs) for rule, specs in grouped.items()}


# The catalogue is fixed at import time; rules resolve their parameters once
# per firm, so the per-rule specs and defaults are computed once here.
_SPECS_BY_RULE: dict[str, tuple[ParameterSpec, ...]] = _by_rule()
_DEFAULTS_BY_RULE: dict[str, dict[str, Decimal | int]] = {
    rule: {s.name: s.default for s in specs} for rule, specs in _SPECS_BY_RULE.items()
}


def specs_for(rule: str) -> tuple[ParameterSpec, ...]:
    """The parameter specs of one rule, in display order."""
    return _SPECS_BY_RULE.get(rule, ())


def defaults_for(rule: str) -> dict[str, Decimal | int]:
    """A fresh dict of a rule's default parameter values."""
    defaults = _DEFAULTS_BY_RULE.get(rule)
    if defaults is None:
        raise KeyError(f"unknown rule: {rule}")
    return dict(defaults)


# The last resolution per rule, kept with the overrides object it came from: the nightly run
# resolves the same overrides for every firm (resolving anew cost as much as some rules).
_LAST: dict[str, tuple[Mapping[str, Any], Mapping[str, Decimal | int], dict[str, Any]]] = {}
_DEFAULTS_READ_ONLY: dict[str, Mapping[str, Decimal | int]] = {
    rule: MappingProxyType(defaults) for rule, defaults in _DEFAULTS_BY_RULE.items()}


def resolve(rule: str, overrides: Mapping[str, Any] | None) -> Mapping[str, Decimal | int]:
    """The rule's defaults with the given overrides, coerced to each default's type (read-only:
    the same mapping is returned again for the same overrides object, unchanged since).

    Values may come from the database as str, int, float or Decimal; a ratio
    stored as the float 0.1 becomes Decimal("0.1"), not its binary expansion.
    Unknown names raise ValueError: a misspelt override must not silently
    leave the default in force.
    """
    if not overrides:
        defaults = _DEFAULTS_READ_ONLY.get(rule)
        if defaults is None:
            raise KeyError(f"unknown rule: {rule}")
        return defaults
    last = _LAST.get(rule)
    if last is not None and last[0] is overrides and last[2] == dict(overrides):
        return last[1]
    resolved = MappingProxyType(_resolve(rule, overrides))
    _LAST[rule] = (overrides, resolved, dict(overrides))
    return resolved


def _resolve(rule: str, overrides: Mapping[str, Any] | None) -> dict[str, Decimal | int]:
    resolved = defaults_for(rule)
    if not overrides:
        return resolved
    # A rule's parameters may carry those of the rules it uses under their codes (crm.rules.params_of).
    unknown = sorted(set(overrides) - set(resolved) - set(_DEFAULTS_BY_RULE))
    if unknown:
        raise ValueError(f"unknown parameter(s) for {rule}: {', '.join(unknown)}")
    for name, value in overrides.items():
        if value is None or name not in resolved:
            continue  # a cleared override means "use the default"; another rule's are not ours
        resolved[name] = Decimal(str(value)) if isinstance(resolved[name], Decimal) else int(value)
    return resolved
