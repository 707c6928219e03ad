"""The MIIT ladder: 创新型中小企业 → 专精特新中小企业 → 专精特新"小巨人".

Sources: 优质中小企业梯度培育管理暂行办法 (工信部企业〔2022〕63号, in force 1 August 2022),
附件1 创新型中小企业评价标准, 附件2 专精特新中小企业认定标准, 附件3 专精特新"小巨人"企业
认定标准, as ../shared/DOMAIN.md sets their figures out (the library held no copy of the
official text to check them against; every figure is a parameter, so a bureau corrects one
without a release). Guangdong's 实施细则 adds the 特色化 items of 专精特新: a parameter,
0 points until an administrator sets it.

Conventions, as the measures read: a band includes its lower bound ("10%以上" includes 10%;
a debt ratio band its upper bound, "55%以下"); figures are the last fiscal year's ("上年度"; in the
reporting season possibly the year before, crm.rules.season);
a ratio over a zero revenue, or a growth rate from a zero or negative base, is not
computable and says so; a figure not reported is a reason, never a zero. Facts no figure
gives (niche, leading product, digital level, quality items, strategic emerging industry,
the grade of I-class IP) count only from a verified declaration dated on or before the
as-of date (crm.models.declaration); until then the reasons say what to declare.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from crm.rules import _conditions as cond
from crm.rules import _format as fmt
from crm.rules import season
from crm.rules.facts import Declaration, FirmFacts
from crm.rules.parameters import INNOVATIVE_SME, LITTLE_GIANT, SRDI_SME, resolve
from crm.rules.result import Bound, Condition, Eligibility

POINTS = "分"
# The MIIT rungs, lowest first: a firm holding one is no candidate for it or those below.
RUNGS = ("innovative_sme", "srdi_sme", "little_giant")
RUNG_NAMES = {"innovative_sme": "创新型中小企业", "srdi_sme": "专精特新中小企业", "little_giant": "专精特新“小巨人”企业"}
PRODUCT_FIELD_NAMES = {
    "strategic_gap": "补短板、锻长板、填空白", "six_basics": "工业“六基”", "time_honoured": "中华老字号",
    "chain_supplier": "为产业链龙头企业配套", "other": "其他领域",
}


@dataclass(frozen=True)
class Part:
    """One scored indicator: its points (a lower bound when not ``known``) and why."""

    code: str
    label: str
    group: str
    points: int
    known: bool
    message: str

    def condition(self) -> Condition:
        return Condition(self.code, self.label, True if self.known else None, self.points if self.known else None,
                         None, None, POINTS, self.message)


# --- figures ------------------------------------------------------------------------------

def _figure(facts: FirmFacts, year: int, name: str) -> Decimal | None:
    value = facts.figure(year, name)
    return None if value is None else Decimal(value)


def _missing(facts: FirmFacts, years: Sequence[int], names: Sequence[str]) -> str | None:
    return cond.missing_figures(facts, years, names)


def _band(value: Decimal, p: Mapping[str, Any], prefix: str, points: Sequence[int], upper: bool = False) -> int:
    """Points of the best band ``value`` reaches (a lower bound is inclusive; with ``upper``
    the bands are ceilings, inclusive too)."""
    for score in points:
        bound = p[f"{prefix}_for_{score}"]
        if (value <= bound) if upper else (value >= bound):
            return score
    return 0


def _share(facts: FirmFacts, year: int, part: str, whole: str) -> tuple[Decimal | None, str | None]:
    """part / whole of one year, or (None, why not)."""
    missing = _missing(facts, [year], [part, whole])
    if missing:
        return None, missing
    a, b = _figure(facts, year, part), _figure(facts, year, whole)
    assert a is not None and b is not None  # noqa: S101 - missing_figures checked them
    if b <= 0:
        return None, f"{year}年度{cond.FIGURE_LABELS[whole]}为{fmt.money(b)}万元，无法计算比重"
    return a / b, None


def _growth(facts: FirmFacts, year: int, name: str) -> tuple[Decimal | None, str | None]:
    """``name``'s growth from ``year`` − 1 to ``year``, or (None, why not): a zero or negative
    base makes a growth rate meaningless."""
    missing = _missing(facts, [year - 1, year], [name])
    if missing:
        return None, missing
    now, before = _figure(facts, year, name), _figure(facts, year - 1, name)
    assert now is not None and before is not None  # noqa: S101
    if before <= 0:
        return None, f"{year - 1}年度{cond.FIGURE_LABELS[name]}为{fmt.money(before)}万元，增长率无法计算"
    return now / before - 1, None


def _average_growth(facts: FirmFacts, latest: int, name: str) -> tuple[Decimal | None, str | None]:
    """The average of the last two years' growth rates of ``name``."""
    first, why = _growth(facts, latest - 1, name)
    if first is None:
        return None, why
    second, why = _growth(facts, latest, name)
    if second is None:
        return None, why
    return (first + second) / 2, None


def _debt_ratio(facts: FirmFacts, year: int) -> tuple[Decimal | None, str | None]:
    return _share(facts, year, "total_liabilities", "total_assets")


def _equity(facts: FirmFacts, as_of: date, years: int) -> Decimal:
    """New equity (合格机构投资者实缴) recorded as honours over ``years`` years to the as-of year."""
    return sum((Decimal(h.amount or 0) for h in facts.honours
                if h.kind == "equity_raised" and as_of.year - years < h.year <= as_of.year), Decimal(0))


def _awards(facts: FirmFacts, as_of: date, years: int, kinds: Sequence[str]) -> list[str]:
    names = {"national_science_award": "国家级科技奖励", "provincial_science_award": "省级科技奖励"}
    return [f"{h.year}年获{names[h.kind]}" for h in sorted(facts.honours, key=lambda h: h.year)
            if h.kind in kinds and as_of.year - years < h.year <= as_of.year]


def _pct(value: Decimal) -> str:
    return fmt.percent(value)


def _scored(parts: list[Part], p: Mapping[str, Any], code: str, label: str, group: str, value: Decimal | None,
            why: str | None, prefix: str, points: Sequence[int], text: str, upper: bool = False) -> None:
    """Append the part a banded value scores, or an unknown part saying why there is no value."""
    if value is None:
        parts.append(Part(code, label, group, 0, False, why or ""))
    else:
        got = _band(value, p, prefix, points, upper)
        parts.append(Part(code, label, group, got, True, f"{text} {_pct(value)}，得{got}分"))


# --- declarations -------------------------------------------------------------------------

def _declared(facts: FirmFacts, as_of: date) -> tuple[Declaration | None, str]:
    """The verified declaration in force, and what to say when a fact is not there."""
    found = facts.declared(as_of)
    pending = facts.pending_declaration(as_of)
    if pending is not None and pending.declared_on > as_of:
        note = f"（{fmt.day(pending.declared_on)}的申报尚未生效）"
    elif pending is not None and pending.status == "submitted":
        note = "（已申报，待区（市）科技局核实）"
    elif pending is not None:
        note = "（申报尚未提交）"
    else:
        note = "（请在企业端“企业情况申报”中申报）"
    return found, note


def _niche_years(declared: Declaration | None, latest: int) -> int | None:
    """Full years in the niche market by the end of the last fiscal year (the entry year not counted)."""
    if declared is None or declared.niche_since is None:
        return None
    return max(0, latest - declared.niche_since)


def _ip_part(facts: FirmFacts, latest: int, declared: Declaration | None, note: str, points: Mapping[str, int],
             code: str, group: str) -> Part:
    """IP points: high-value I-class / own I-class / I-class / II-class (points by grade)."""
    missing = _missing(facts, [latest], ["ip_class1", "ip_class2"])
    label = "知识产权"
    if missing:
        return Part(code, label, group, 0, False, missing)
    class1, class2 = int(facts.figure(latest, "ip_class1") or 0), int(facts.figure(latest, "ip_class2") or 0)
    grade = declared.ip_grade if declared is not None else None
    if class1 and grade == "high_value":
        return Part(code, label, group, points["high_value"], True, f"拥有I类高价值知识产权，得{points['high_value']}分")
    if class1 and grade == "own":
        return Part(code, label, group, points["own"], True, f"拥有自主研发的I类知识产权，得{points['own']}分")
    if class1:
        more = "" if grade == "plain" else f"；如为高价值或自主研发的I类知识产权可得更高分，请申报{note}"
        return Part(code, label, group, points["class1"], True, f"拥有I类知识产权{class1}项，得{points['class1']}分{more}")
    if class2:
        return Part(code, label, group, points["class2"], True, f"拥有II类知识产权{class2}项，得{points['class2']}分")
    return Part(code, label, group, 0, True, f"{latest}年度没有I类或II类知识产权，得0分")


def _score(code: str, label: str, parts: Sequence[Part], minimum: int,
           groups: Mapping[str, tuple[str, int]] = {}) -> tuple[Condition, ...]:  # noqa: B006 - read only
    """The total and each group's minimum. Parts not known make a shortfall undecided (their
    points are only a lower bound), never a silent zero."""
    total = sum(p.points for p in parts)
    unknown = [p for p in parts if not p.known]
    shown = "、".join(f"{p.label}{p.points}" + ("" if p.known else "+") for p in parts)
    out: list[Condition] = []
    for group, (name, least) in groups.items():
        got = sum(p.points for p in parts if p.group == group)
        open_parts = [p for p in parts if p.group == group and not p.known]
        if got >= least:
            out.append(cond.fact(f"{code}_{group}", f"{name}得分", True, f"{name}得分{got}分，达到{least}分",
                                 actual=got, threshold=least, unit=POINTS))
        elif open_parts:
            out.append(cond.undecided(f"{code}_{group}", f"{name}得分",
                                      f"{name}得分至少{got}分，{('、'.join(p.label for p in open_parts))}无法计分，"
                                      f"不能判断是否达到{least}分", threshold=least, unit=POINTS))
        else:
            out.append(cond.fact(f"{code}_{group}", f"{name}得分", False,
                                 f"{name}得分{got}分，低于{least}分，差{least - got}分",
                                 actual=got, threshold=least, gap=least - got, unit=POINTS, gap_unit=POINTS))
    if total >= minimum:
        score = cond.fact(code, label, True, f"评价得分{total}分（{shown}），达到{minimum}分",
                          actual=total, threshold=minimum, unit=POINTS)
    elif unknown:
        score = cond.undecided(code, label, f"评价得分至少{total}分（{shown}），"
                                            f"{'、'.join(p.label for p in unknown)}无法计分，不能判断是否达到{minimum}分",
                               threshold=minimum, unit=POINTS)
    else:
        score = cond.fact(code, label, False, f"评价得分{total}分（{shown}），低于{minimum}分，差{minimum - total}分",
                          actual=total, threshold=minimum, gap=minimum - total, unit=POINTS, gap_unit=POINTS)
    return (*out, score)


def _direct(code: str, found: Sequence[str], what: str) -> Condition:
    if found:
        return cond.fact(code, "直通条件", True, "符合直通条件：" + "；".join(found), actual="；".join(found))
    return cond.fact(code, "直通条件", False, f"不符合直通条件（{what}）")


def _not_holding(facts: FirmFacts, as_of: date, rung: str) -> Condition:
    """Not already on this rung or a higher one of the MIIT ladder."""
    for kind in RUNGS[RUNGS.index(rung):]:
        held = facts.holds(kind, as_of)
        if held is not None:
            until = f"，有效期至{fmt.day(held.valid_to)}" if held.valid_to else ""
            return cond.fact("not_held", "尚未认定", False, f"已是{RUNG_NAMES[kind]}{until}")
    return cond.fact("not_held", "尚未认定", True, f"目前不是{RUNG_NAMES[rung]}")


def _passed(gate: Sequence[Condition], score: Sequence[Condition], direct: Condition) -> bool:
    return cond.all_passed(gate) and (cond.all_passed(score) or direct.passed is True)


def _alternatives(score: Sequence[Condition], direct: Condition) -> tuple[Condition, ...]:
    """The score and the direct conditions as the result shows them: the one that passes
    alone (the other is not needed, so it is no reason), else both."""
    if cond.all_passed(score):
        return tuple(score)
    if direct.passed is True:
        return (direct,)
    return (*score, direct)


# --- 创新型中小企业 -----------------------------------------------------------------------

INNOVATIVE_IP_POINTS = {"high_value": 20, "own": 15, "class1": 10, "class2": 5}


def evaluate_innovative_sme(facts: FirmFacts, as_of: date, params: Mapping[str, Any]) -> Eligibility:
    """innovative_sme_candidate: 附件1 创新型中小企业评价标准 — six indicators, 100 points:
    innovation (IP 20/15/10/5, R&D over revenue ≥5% 20 / ≥3% 15 / ≥2% 10 / ≥1% 5), growth
    (main-business revenue growth ≥15% 20 / ≥10% 15 / ≥5% 10 / ≥0 5, debt ratio ≤55% 10 /
    ≤75% 5), specialisation (strategic emerging industry 10 / other 5, main business share
    ≥70% 20 / ≥60% 15 / ≥55% 10 / ≥50% 5); a score ≥ 60 with innovation ≥ 20, growth ≥ 15
    and specialisation ≥ 15; or directly a valid 高企 certificate, a provincial+ R&D
    institution, a provincial+ science award in 3 years, or ≥ 500万 new equity in 3 years."""
    p = resolve(INNOVATIVE_SME, params)
    basis = season.basis(facts, as_of, season.season_params(params))
    latest = basis.year
    declared, note = _declared(facts, as_of)
    gate = (_not_holding(facts, as_of, "innovative_sme"),)
    parts = [_ip_part(facts, latest, declared, note, INNOVATIVE_IP_POINTS, "ip", "innovation")]
    ratio, why = _share(facts, latest, "rd_expense", "revenue")
    _scored(parts, p, "rd_ratio", "研发费用占比", "innovation", ratio, why, "rd_ratio", (20, 15, 10, 5),
            f"{latest}年度研发费用占营业收入")
    growth, why = _growth(facts, latest, "main_revenue")
    _scored(parts, p, "main_growth", "主营业务收入增长率", "growth", growth, why, "main_growth", (20, 15, 10, 5),
            f"{latest}年度主营业务收入增长")
    debt, why = _debt_ratio(facts, latest)
    _scored(parts, p, "debt_ratio", "资产负债率", "growth", debt, why, "debt_ratio", (10, 5), f"{latest}年末资产负债率",
            upper=True)
    emerging = declared.strategic_emerging if declared is not None else None
    parts.append(Part("field", "所属领域", "specialisation", 10 if emerging else 5, True,
                      "属于战略性新兴产业，得10分" if emerging else
                      "按其他领域计5分" + ("" if emerging is False else f"；如属战略性新兴产业可得10分，请申报{note}")))
    share, why = _share(facts, latest, "main_revenue", "revenue")
    _scored(parts, p, "main_share", "主营业务收入占比", "specialisation", share, why, "main_share", (20, 15, 10, 5),
            f"{latest}年度主营业务收入占营业收入")
    score = _score("score", "评价得分", parts, int(p["min_score"]), {
        "innovation": ("创新能力", int(p["min_innovation"])), "growth": ("成长性", int(p["min_growth"])),
        "specialisation": ("专业化", int(p["min_specialisation"]))})
    found = []
    held = facts.holds("hitech", as_of)
    if held is not None:
        found.append("持有有效高企证书")
    levels = {pl.level for pl in facts.platforms if pl.is_rd_institution and pl.valid_on(as_of)}
    if levels & {"national", "provincial"}:
        found.append("拥有省级以上研发机构")
    found += _awards(facts, as_of, int(p["direct_award_years"]), ("national_science_award", "provincial_science_award"))
    equity = _equity(facts, as_of, int(p["direct_equity_years"]))
    if equity >= p["direct_equity"]:
        found.append(f"近{p['direct_equity_years']}年新增股权融资{fmt.money(equity)}万元")
    direct = _direct("direct", found, f"有效高企证书、省级以上研发机构、近{p['direct_award_years']}年省级以上科技奖励、"
                                      f"近{p['direct_equity_years']}年新增股权融资{fmt.money(p['direct_equity'])}万元以上")
    conditions = (*gate, *(part.condition() for part in parts), *_alternatives(score, direct))
    info = {"latest_year": latest, **basis.info(), "score": sum(x.points for x in parts),
            "parts": {x.code: x.points for x in parts}}
    return Eligibility(INNOVATIVE_SME, _passed(gate, score, direct), conditions, info)


def _innovative_screen(facts: FirmFacts, as_of: date, params: Mapping[str, Any]) -> Eligibility | None:
    """`evaluate_innovative_sme`'s result when the firm passes, else None, found cheaply (the
    nightly run keeps passing results only): without a direct ground the firm passes only by a
    score whose six parts are all known, so their points are worked out as numbers first and
    the sentences written only for a firm that passes."""
    if any(facts.holds(kind, as_of) for kind in RUNGS):
        return None
    p = resolve(INNOVATIVE_SME, params)
    if not _innovative_direct_possible(facts, as_of, p):
        points = _innovative_points(facts, as_of, p, season.basis(facts, as_of, season.season_params(params)).year)
        if points is None:
            return None
        innovation, growth, specialisation = points
        if (innovation < p["min_innovation"] or growth < p["min_growth"] or specialisation < p["min_specialisation"]
                or innovation + growth + specialisation < p["min_score"]):
            return None
    result = evaluate_innovative_sme(facts, as_of, params)
    return result if result.passed else None


def _innovative_direct_possible(facts: FirmFacts, as_of: date, p: Mapping[str, Any]) -> bool:
    """Whether the firm may have a direct ground (a certificate, a platform or an honour): the
    full evaluation then decides."""
    return bool(facts.honours) or facts.holds("hitech", as_of) is not None or any(
        pl.is_rd_institution and pl.level in ("national", "provincial") and pl.valid_on(as_of) for pl in facts.platforms)


def _innovative_points(facts: FirmFacts, as_of: date, p: Mapping[str, Any],
                       latest: int) -> tuple[int, int, int] | None:
    """The three groups' points as evaluate_innovative_sme scores them, a part that cannot be
    scored counting 0 (the full evaluation also passes on known points alone); None without a
    filed report for the basis year `latest` (nothing to score)."""
    figures = facts.filed_report(latest)
    if figures is None or not facts.existed_in(latest):
        return None
    before = facts.filed_report(latest - 1) if facts.existed_in(latest - 1) else None
    revenue, rd, main = figures.revenue, figures.rd_expense, figures.main_revenue
    assets, debts = figures.total_assets, figures.total_liabilities
    main_before = before.main_revenue if before is not None else None
    declared = facts.declared(as_of)
    grade = declared.ip_grade if declared is not None else None
    ip = 0
    if figures.ip_class1 is not None and figures.ip_class2 is not None:
        if figures.ip_class1:
            ip = INNOVATIVE_IP_POINTS["high_value" if grade == "high_value" else "own" if grade == "own" else "class1"]
        elif figures.ip_class2:
            ip = INNOVATIVE_IP_POINTS["class2"]
    has_revenue = revenue is not None and revenue > 0
    innovation = ip + (_band(Decimal(rd) / revenue, p, "rd_ratio", (20, 15, 10, 5))  # type: ignore[operator]
                       if has_revenue and rd is not None else 0)
    growth = ((_band(Decimal(main) / main_before - 1, p, "main_growth", (20, 15, 10, 5))
               if main is not None and main_before is not None and main_before > 0 else 0)
              + (_band(Decimal(debts) / assets, p, "debt_ratio", (10, 5), upper=True)
                 if debts is not None and assets is not None and assets > 0 else 0))
    field = 10 if declared is not None and declared.strategic_emerging else 5
    specialisation = field + (_band(Decimal(main) / revenue, p, "main_share", (20, 15, 10, 5))  # type: ignore[operator]
                              if has_revenue and main is not None else 0)
    return innovation, growth, specialisation


evaluate_innovative_sme.if_passing = _innovative_screen  # type: ignore[attr-defined]


# --- 专精特新中小企业 ---------------------------------------------------------------------

SRDI_IP_POINTS = {"high_value": 10, "own": 8, "class1": 6, "class2": 2}
FIELD_POINTS = {"strategic_gap": 5, "six_basics": 3, "time_honoured": 3, "chain_supplier": 3}
INSTITUTION_POINTS = {"national": 10, "provincial": 8, "municipal": 4}


def evaluate_srdi_sme(facts: FirmFacts, as_of: date, params: Mapping[str, Any]) -> Eligibility:
    """srdi_sme_candidate: 附件2 专精特新中小企业认定标准 — holds a valid 创新型 designation and
    all of: (1) in its niche market ≥ 2 years; (2) last year's R&D ≥ 100万 and ≥ 3% of
    revenue; (3) last year's revenue ≥ 1,000万, or ≥ 2,000万 new equity in 2 years; (4) ≥ 60
    points on 13 indicators (专业化 25, 精细化 25, 特色化 15 set by the province, 创新能力 35;
    bands in DOMAIN.md), or directly a science award in 3 years, a 2-year average R&D ≥
    1,000万, or ≥ 6,000万 new equity in 2 years. (创客中国 ranks are not recorded.)"""
    p = resolve(SRDI_SME, params)
    basis = season.basis(facts, as_of, season.season_params(params))
    latest = basis.year
    declared, note = _declared(facts, as_of)
    gate: list[Condition] = [
        cond.holding("innovative_sme", "持有创新型中小企业资格", facts, "innovative_sme", as_of, "创新型中小企业",
                     wanted=True),
        _not_holding(facts, as_of, "srdi_sme"),
    ]
    years = _niche_years(declared, latest)
    least = int(p["min_niche_years"])
    if years is None:
        gate.append(cond.undecided("niche", "从事细分市场年限", f"未申报从事特定细分市场的起始年份{note}",
                                   threshold=least, unit="年"))
    else:
        gate.append(cond.at_least("niche", "从事细分市场年限", value=years, threshold=least, unit="年",
                                  subject=f"截至{latest}年末从事细分市场（自{declared.niche_since}年）"))  # type: ignore[union-attr]
    missing = _missing(facts, [latest], ["rd_expense", "revenue"])
    gate.append(cond.at_least("rd_expense", "上年度研发费用", value=_figure(facts, latest, "rd_expense"),
                              threshold=p["min_rd_expense"], unit=cond.MONEY, subject=f"{latest}年度研发费用",
                              missing=missing))
    gate.append(cond.ratio("rd_ratio", "研发费用占营业收入比重", numerator=_figure(facts, latest, "rd_expense"),
                           denominator=_figure(facts, latest, "revenue"), threshold=p["min_rd_ratio"],
                           subject=f"{latest}年度研发费用占营业收入比重", denominator_name=f"{latest}年度营业收入",
                           missing=missing))
    revenue = _figure(facts, latest, "revenue")
    equity2 = _equity(facts, as_of, 2)
    if revenue is not None and revenue >= p["min_revenue"]:
        gate.append(cond.fact("revenue", "营业收入或股权融资", True,
                              f"{latest}年度营业收入 {fmt.money(revenue)} 万元，达到 {fmt.money(p['min_revenue'])} 万元",
                              actual=revenue, threshold=p["min_revenue"], unit=cond.MONEY))
    elif equity2 >= p["min_equity_instead"]:
        gate.append(cond.fact("revenue", "营业收入或股权融资", True,
                              f"营业收入不足{fmt.money(p['min_revenue'])}万元，但近两年新增股权融资"
                              f"{fmt.money(equity2)}万元，达到{fmt.money(p['min_equity_instead'])}万元",
                              actual=equity2, threshold=p["min_equity_instead"], unit=cond.MONEY))
    elif revenue is None:
        gate.append(cond.undecided("revenue", "营业收入或股权融资", missing or f"缺少{latest}年度营业收入",
                                   threshold=p["min_revenue"], unit=cond.MONEY, gap_unit=cond.MONEY))
    else:
        gap = p["min_revenue"] - revenue
        gate.append(cond.fact("revenue", "营业收入或股权融资", False,
                              f"{latest}年度营业收入 {fmt.money(revenue)} 万元，低于 {fmt.money(p['min_revenue'])} 万元，"
                              f"差 {fmt.gap_money(gap)} 万元；近两年新增股权融资{fmt.money(equity2)}万元，"
                              f"也未达到{fmt.money(p['min_equity_instead'])}万元",
                              actual=revenue, threshold=p["min_revenue"], gap=gap, unit=cond.MONEY,
                              gap_unit=cond.MONEY))
    parts = _srdi_parts(facts, as_of, latest, p, declared, note)
    score = _score("score", "评价得分", parts, int(p["min_score"]))
    found = _awards(facts, as_of, int(p["direct_award_years"]), ("national_science_award", "provincial_science_award"))
    rd_two = [_figure(facts, year, "rd_expense") for year in (latest - 1, latest)]
    if None not in rd_two and sum(rd_two) / 2 >= p["direct_rd_average"]:  # type: ignore[arg-type]
        found.append(f"近两年研发费用年均{fmt.money(sum(rd_two) / 2)}万元")  # type: ignore[arg-type]
    if equity2 >= p["direct_equity"]:
        found.append(f"近两年新增股权融资{fmt.money(equity2)}万元")
    direct = _direct("direct", found, f"近{p['direct_award_years']}年省级（前三名）或国家级（前五名）科技奖励、"
                                      f"近两年研发费用年均{fmt.money(p['direct_rd_average'])}万元以上、"
                                      f"近两年新增股权融资{fmt.money(p['direct_equity'])}万元以上")
    conditions = (*gate, *(part.condition() for part in parts), *_alternatives(score, direct))
    info = {"latest_year": latest, **basis.info(), "score": sum(x.points for x in parts),
            "parts": {x.code: x.points for x in parts}}
    return Eligibility(SRDI_SME, _passed(gate, score, direct), conditions, info)


def _srdi_parts(facts: FirmFacts, as_of: date, latest: int, p: Mapping[str, Any], declared: Declaration | None,
                note: str) -> list[Part]:
    """The 13 indicators of 专精特新中小企业."""
    parts: list[Part] = []

    def scored(*args: Any, **kwargs: Any) -> None:  # noqa: ANN401
        _scored(parts, p, *args, **kwargs)

    share, why = _share(facts, latest, "main_revenue", "revenue")
    scored("main_share", "主营业务收入占比", "specialised", share, why, "main_share", (5, 3, 1),
           f"{latest}年度主营业务收入占营业收入")
    growth, why = _average_growth(facts, latest, "main_revenue")
    scored("main_growth", "主营业务收入平均增长率", "specialised", growth, why, "main_growth", (10, 8, 6, 4, 2),
           "近两年主营业务收入平均增长率")
    # Facts not declared count as their lowest band, as the measures score a firm that shows no
    # evidence; the message says what declaring them would add (never an undecided score).
    years = _niche_years(declared, latest)
    parts.append(Part("niche_points", "细分市场年限", "specialised", min(5, (years or 0) // 2), True,
                      f"从事细分市场满{years}年，得{min(5, years // 2)}分" if years is not None
                      else f"未申报从事细分市场的起始年份，按0分计{note}"))
    field = declared.product_field if declared is not None else None
    parts.append(Part("product_field", "主导产品所属领域", "specialised", FIELD_POINTS.get(field or "", 0), True,
                      f"主导产品属{PRODUCT_FIELD_NAMES[field]}，得{FIELD_POINTS.get(field, 0)}分" if field is not None
                      else f"未申报主导产品所属领域，按0分计{note}"))
    level = declared.digital_level if declared is not None else None
    digital = {3: 5, 2: 3, 1: 0}.get(level or 0, 0)
    parts.append(Part("digital", "数字化水平", "refined", digital, True,
                      f"数字化水平{level}级，得{digital}分" if level is not None else f"未申报数字化水平，按0分计{note}"))
    quality = min(5, 3 * declared.quality_items) if declared is not None else 0
    parts.append(Part("quality", "质量管理", "refined", quality, True,
                      f"质量管理{declared.quality_items}项（省级以上质量奖、管理体系认证、自主品牌、参与制定标准），得{quality}分"
                      if declared is not None else f"未申报质量管理情况，按0分计{note}"))
    margin, why = _share(facts, latest, "net_profit", "revenue")
    scored("net_margin", "净利润率", "refined", margin, why, "net_margin", (10, 8, 6, 4, 2), f"{latest}年度净利润率")
    debt, why = _debt_ratio(facts, latest)
    scored("debt_ratio", "资产负债率", "refined", debt, why, "debt_ratio", (5, 3, 1), f"{latest}年末资产负债率",
           upper=True)
    special = int(p["special_points"])
    parts.append(Part("special", "特色化指标", "special", special, True,
                      f"特色化指标按省级标准计{special}分" if special else "特色化指标尚未设定，计0分"))
    parts.append(_ip_part(facts, latest, declared, note, SRDI_IP_POINTS, "ip", "innovation"))
    rd, revenue = _figure(facts, latest, "rd_expense"), _figure(facts, latest, "revenue")
    missing = _missing(facts, [latest], ["rd_expense", "revenue"])
    if missing:
        parts.append(Part("rd", "研发投入", "innovation", 0, False, missing))
    else:
        assert rd is not None and revenue is not None  # noqa: S101
        by_amount = _band(rd, p, "rd_expense", (10, 8, 6, 4, 2))
        by_ratio = _band(rd / revenue, p, "rd_ratio", (10, 8, 6, 4, 2)) if revenue > 0 else 0
        got = max(by_amount, by_ratio)
        ratio_text = f"、占营业收入 {_pct(rd / revenue)}" if revenue > 0 else ""
        parts.append(Part("rd", "研发投入", "innovation", got, True,
                          f"{latest}年度研发费用 {fmt.money(rd)} 万元{ratio_text}，得{got}分"))
    staff, why = _share(facts, latest, "rd_staff", "employees")
    scored("rd_staff_share", "研发人员占比", "innovation", staff, why, "rd_staff_share", (5, 3, 1),
           f"{latest}年度研发人员占职工总数")
    levels = [pl.level for pl in facts.platforms if pl.is_rd_institution and pl.valid_on(as_of)]
    best = max((INSTITUTION_POINTS.get(level, 2) for level in levels), default=0)
    parts.append(Part("institution", "研发机构", "innovation", best, True,
                      f"拥有研发机构，最高级别得{best}分" if levels else "系统中没有该企业的研发机构，得0分"))
    return parts


# --- 专精特新"小巨人" ---------------------------------------------------------------------

def evaluate_little_giant(facts: FirmFacts, as_of: date, params: Mapping[str, Any]) -> Eligibility:
    """little_giant_candidate: 附件3 专精特新"小巨人"企业认定标准 — holds a valid 专精特新
    designation; 专: niche ≥ 3 years, main business ≥ 70% of revenue, 2-year average
    main-business growth ≥ 5%; 精: digital level ≥ 2, a management-system certification,
    debt ratio ≤ 70%; 特: an own brand (the national market share ≥ 10% is not recorded:
    the officer checks it); 新: R&D over revenue in each of the last 2 years ≥ 3% (revenue
    ≥ 1亿) or ≥ 6% (5,000万–1亿), or below 5,000万 ≥ 8,000万 new equity, ≥ 3,000万 R&D in
    2 years and R&D staff ≥ 50%, an R&D institution, ≥ 2 I-class IP items — or, for 新,
    a national science award in 3 years; 链/品: the leading product in a key chain or field
    (补短板/锻长板/填空白, 工业"六基", a chain leader's supplier, or a strategic emerging industry)."""
    p = resolve(LITTLE_GIANT, params)
    basis = season.basis(facts, as_of, season.season_params(params))
    latest = basis.year
    declared, note = _declared(facts, as_of)
    gate: list[Condition] = [
        cond.holding("srdi_sme", "持有专精特新中小企业资格", facts, "srdi_sme", as_of, "专精特新中小企业", wanted=True),
        _not_holding(facts, as_of, "little_giant"),
    ]
    years = _niche_years(declared, latest)
    if years is None:
        gate.append(cond.undecided("niche", "从事细分市场年限", f"未申报从事特定细分市场的起始年份{note}",
                                   threshold=int(p["min_niche_years"]), unit="年"))
    else:
        gate.append(cond.at_least("niche", "从事细分市场年限", value=years, threshold=int(p["min_niche_years"]),
                                  unit="年", subject=f"截至{latest}年末从事细分市场（自{declared.niche_since}年）"))  # type: ignore[union-attr]
    gate.append(cond.ratio("main_share", "主营业务收入占比", numerator=_figure(facts, latest, "main_revenue"),
                           denominator=_figure(facts, latest, "revenue"), threshold=p["min_main_share"],
                           subject=f"{latest}年度主营业务收入占营业收入比重", denominator_name=f"{latest}年度营业收入",
                           missing=_missing(facts, [latest], ["main_revenue", "revenue"]), share=True))
    growth, why = _average_growth(facts, latest, "main_revenue")
    least = p["min_main_growth"]
    gate.append(cond.undecided("main_growth", "主营业务收入平均增长率", why or "", threshold=least, unit="%")
                if growth is None else cond.fact(
                    "main_growth", "主营业务收入平均增长率", growth >= least,
                    f"近两年主营业务收入平均增长率 {_pct(growth)}，{'达到' if growth >= least else '低于'} "
                    f"{fmt.threshold_percent(least)} 的要求", actual=growth, threshold=least, unit="%"))
    level = declared.digital_level if declared is not None else None
    gate.append(cond.undecided("digital", "数字化水平", f"未申报数字化水平{note}", unit="级") if level is None else
                cond.at_least("digital", "数字化水平", value=level, threshold=int(p["min_digital_level"]), unit="级",
                              subject="数字化水平"))
    gate.append(_declared_flag(declared, note, "quality_certified", "管理体系认证", "获得相关管理体系认证或产品通过发达国家和地区产品认证"))
    debt, why = _debt_ratio(facts, latest)
    gate.append(cond.undecided("debt_ratio", "资产负债率", why or "", unit="%", bound=Bound.maximum) if debt is None
                else cond.fact(
        "debt_ratio", "资产负债率", debt <= p["max_debt_ratio"],
        f"{latest}年末资产负债率 {_pct(debt)}，{'未超过' if debt <= p['max_debt_ratio'] else '超过'}"
        f"{fmt.requirement(Bound.maximum, p['max_debt_ratio'], '%')}", actual=debt, threshold=p["max_debt_ratio"],
        unit="%", bound=Bound.maximum))
    gate.append(_declared_flag(declared, note, "own_brand", "自主品牌", "拥有直接面向市场并具有竞争优势的自主品牌"))
    key_field = declared is not None and (declared.product_field in ("strategic_gap", "six_basics", "chain_supplier")
                                          or declared.strategic_emerging is True)
    if declared is None or (declared.product_field is None and declared.strategic_emerging is None):
        gate.append(cond.undecided("key_field", "产业链配套与重点领域", f"未申报主导产品所属领域{note}"))
    else:
        gate.append(cond.fact("key_field", "产业链配套与重点领域", key_field,
                              "主导产品位于产业链关键环节或属于重点领域" if key_field
                              else "主导产品未申报为补短板、锻长板、填空白，工业“六基”，产业链配套或战略性新兴产业"))
    innovation = _little_giant_innovation(facts, as_of, latest, p)
    awards = _awards(facts, as_of, int(p["direct_award_years"]), ("national_science_award",))
    direct = _direct("direct", awards, f"近{p['direct_award_years']}年国家级科技奖励")
    conditions = (*gate, *_alternatives(innovation, direct))
    passed = cond.all_passed(gate) and (cond.all_passed(innovation) or direct.passed is True)
    info = {"latest_year": latest, **basis.info(), "note": "全国细分市场占有率（10%以上）系统不记录，请区（市）科技局另行核实"}
    return Eligibility(LITTLE_GIANT, passed, conditions, info)


def _declared_flag(declared: Declaration | None, note: str, name: str, label: str, wanted: str) -> Condition:
    if declared is None:
        return cond.undecided(name, label, f"未申报{label}情况{note}")
    has = bool(getattr(declared, name))
    return cond.fact(name, label, has, wanted if has else f"未申报{wanted}{note}")


def _little_giant_innovation(facts: FirmFacts, as_of: date, latest: int, p: Mapping[str, Any]) -> tuple[Condition, ...]:
    """新: R&D by revenue band, an R&D institution, two I-class IP items."""
    out: list[Condition] = []
    revenue = _figure(facts, latest, "revenue")
    missing = _missing(facts, [latest - 1, latest], ["rd_expense", "revenue"])
    if missing or revenue is None:
        out.append(cond.undecided("rd", "研发投入", missing or f"缺少{latest}年度营业收入"))
    elif revenue >= p["middle_revenue"]:
        least = p["large_min_rd_ratio"] if revenue >= p["large_revenue"] else p["middle_min_rd_ratio"]
        band = "1亿元以上" if revenue >= p["large_revenue"] else "5000万–1亿元"
        low = [year for year in (latest - 1, latest)
               if Decimal(facts.figure(year, "rd_expense")) < Decimal(facts.figure(year, "revenue")) * least]  # type: ignore[arg-type]
        out.append(cond.fact("rd", "研发投入", not low,
                             f"营业收入{band}，近两年研发费用占营业收入比重均不低于{fmt.threshold_percent(least)}"
                             if not low else f"营业收入{band}，{'、'.join(map(str, low))}年度研发费用占营业收入比重低于"
                                             f"{fmt.threshold_percent(least)}", threshold=least, unit="%"))
    else:
        equity = _equity(facts, as_of, 2)
        rd_total = sum(Decimal(facts.figure(y, "rd_expense")) for y in (latest - 1, latest))  # type: ignore[arg-type]
        staff, why = _share(facts, latest, "rd_staff", "employees")
        ok = (equity >= p["small_min_equity"] and rd_total >= p["small_min_rd_total"]
              and staff is not None and staff >= p["small_min_rd_staff_share"])
        out.append(cond.fact("rd", "研发投入", ok,
                             f"营业收入5000万元以下：近两年新增股权融资{fmt.money(equity)}万元（须{fmt.money(p['small_min_equity'])}万元）、"
                             f"研发费用合计{fmt.money(rd_total)}万元（须{fmt.money(p['small_min_rd_total'])}万元）、"
                             f"研发人员占比{_pct(staff) if staff is not None else '未知'}（须{fmt.threshold_percent(p['small_min_rd_staff_share'])}）"))
    has_institution = any(pl.is_rd_institution and pl.valid_on(as_of) for pl in facts.platforms)
    out.append(cond.fact("institution", "研发机构", has_institution,
                         "自建或共建研发机构" if has_institution else "系统中没有该企业的研发机构（研发中心、企业技术中心等）"))
    out.append(cond.at_least("ip_class1", "I类知识产权", value=facts.figure(latest, "ip_class1"),  # type: ignore[arg-type]
                             threshold=int(p["min_ip_class1"]), unit="项", subject=f"{latest}年度I类知识产权",
                             missing=_missing(facts, [latest], ["ip_class1"])))
    return tuple(out)
