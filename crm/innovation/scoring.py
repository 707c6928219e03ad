"""Scoring a round of innovation points: stages, cohorts, points, ranks and stars. Pure.

A firm is scored when it filed its report for the fiscal year; its stage (初创期 / 成长期 /
稳定期) picks the weights, its cohort (the stage, or a revenue band) the firms it is compared
with. A cohort smaller than the scheme's minimum is merged into the next one (the last into
the one before) until every cohort is large enough or one is left; the merge is noted.

Points: a "rank" indicator gives its weight times the share of the cohort's other firms
(among those for which it is computable) that the firm does strictly better than — the best
gets the whole weight, the worst none, equal values equal points; a "bands" indicator gives
its weight times the share of the highest band reached. Not computable: 0 points and why.
Points are rounded to 0.01 per indicator, and a group's points and the score are their sums.

Ranks are competition ranks within the cohort (ties share the better place: 1, 2, 2, 4), and
stars follow the rank: with n firms, 五星 for a rank within floor(n × five_star_share), 四星
within floor(n × (five + four)), 三星 within floor(n × (five + four + three)), so tied firms
share the stars of the better place.
"""
from __future__ import annotations

import math
import statistics
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from crm.innovation.measures import MEASURES, FirmInputs, NotComputable, Value
from crm.innovation.scheme import GROUPS, STAGES, Indicator, Scheme
from crm.rules.facts import REPORT_STATUS_LABELS

CENT = Decimal("0.01")
TOP_DECILE = Decimal("0.1")


@dataclass(frozen=True)
class IndicatorScore:
    value: Decimal | None
    points: Decimal
    note: str | None = None   # why not computable


@dataclass
class FirmScore:
    enterprise_id: int
    district_code: str
    stage: str
    cohort: str = ""
    indicators: dict[str, IndicatorScore] = field(default_factory=dict)
    groups: dict[str, Decimal] = field(default_factory=dict)
    score: Decimal = Decimal(0)
    rank: int = 0
    cohort_size: int = 0
    stars: int | None = None


@dataclass(frozen=True)
class Unscored:
    enterprise_id: int
    district_code: str
    reason: str


@dataclass
class Cohort:
    """A ranked group of firms, after merging; statistics of its points for the portraits."""

    key: str
    label: str
    size: int
    note: str | None = None                                 # how it was merged, for the page
    median: dict[str, Decimal] = field(default_factory=dict)      # indicator, group or "score" → points
    top_decile: dict[str, Decimal] = field(default_factory=dict)
    star_cuts: tuple[int, int, int] = (0, 0, 0)


@dataclass
class RoundResult:
    fiscal_year: int
    scored: list[FirmScore]
    unscored: list[Unscored]
    cohorts: list[Cohort]


# -- stages and cohorts --------------------------------------------------------------------------

def full_years(founded: date, on: date) -> int:
    """Whole years from ``founded`` to ``on`` (an anniversary counts on its day)."""
    return on.year - founded.year - ((on.month, on.day) < (founded.month, founded.day))


def stage_of(founded: date | None, revenue: Decimal | None, fiscal_year: int, scheme: Scheme) -> str:
    """初创期, 成长期 or 稳定期 at the end of the fiscal year (module docstring of scheme.Scheme)."""
    age = None if founded is None else full_years(founded, date(fiscal_year, 12, 31))
    if (age is not None and age < scheme.startup_max_age) or (
            revenue is not None and revenue < scheme.startup_max_revenue):
        return "startup"
    if age is not None and age >= scheme.mature_min_age and revenue is not None \
            and revenue >= scheme.mature_min_revenue:
        return "mature"
    return "growth"


def _amount(value: Decimal) -> str:
    """万元 as people write band edges: 100万, 2000万, 1亿."""
    return f"{(value / 10000).normalize():f}亿" if value >= 10000 else f"{value.normalize():f}万"


def band_label(bands: Sequence[Decimal], first: int, last: int) -> str:
    """The label of revenue bands ``first``..``last`` taken together."""
    lower = bands[first]
    upper = bands[last + 1] if last + 1 < len(bands) else None
    if upper is None:
        return f"营业收入{_amount(lower)}及以上" if lower else "全部营业收入"
    return f"营业收入{_amount(lower)}–{_amount(upper)}" if lower else f"营业收入{_amount(upper)}以下"


def cohort_catalogue(scheme: Scheme) -> list[tuple[str, str]]:
    """Every cohort the scheme can form, in order (smallest first): (key, label)."""
    if scheme.cohort_basis == "stage":
        return list(STAGES.items())
    return [(f"band{n}", band_label(scheme.revenue_bands, n, n)) for n in range(len(scheme.revenue_bands))]


def cohort_label(keys: Sequence[str], scheme: Scheme) -> str:
    """The label of cohorts merged together: stages joined, revenue bands as one range."""
    if scheme.cohort_basis == "stage":
        return "+".join(STAGES[key] for key in keys)
    indexes = [int(key.removeprefix("band")) for key in keys]
    return band_label(scheme.revenue_bands, min(indexes), max(indexes))


def cohort_of(stage: str, revenue: Decimal | None, scheme: Scheme) -> str:
    if scheme.cohort_basis == "stage":
        return stage
    value = revenue if revenue is not None else Decimal(0)
    index = max(n for n, lower in enumerate(scheme.revenue_bands) if value >= lower) if value >= 0 else 0
    return f"band{index}"


def merge_cohorts(order: Sequence[tuple[str, str]], sizes: dict[str, int], minimum: int,
                  join: Callable[[list[str]], str] | None = None
                  ) -> tuple[dict[str, str], dict[str, tuple[str, str | None]]]:
    """Merge cohorts smaller than ``minimum`` into the next (the last into the one before).

    Returns (cohort key → merged key, merged key → (label, note)). Empty cohorts vanish;
    a lone cohort stays whatever its size. ``join`` names merged cohorts from their keys
    (default: their labels joined by "+").
    """
    groups = [([(key, label)], []) for key, label in order if sizes.get(key, 0)]

    def size(items: list[tuple[str, str]]) -> int:
        return sum(sizes[key] for key, _label in items)

    def label_of(items: list[tuple[str, str]]) -> str:
        if join is not None and len(items) > 1:
            return join([key for key, _label in items])
        return "+".join(label for _key, label in items)

    while len(groups) > 1:
        small = next((n for n, (items, _notes) in enumerate(groups) if size(items) < minimum), None)
        if small is None:
            break
        into = small + 1 if small + 1 < len(groups) else small - 1
        note = (f"{label_of(groups[small][0])}仅 {size(groups[small][0])} 家，不足 {minimum} 家，"
                f"与{label_of(groups[into][0])}合并排名")
        first, second = sorted((small, into))
        groups[first:second + 1] = [(groups[first][0] + groups[second][0],
                                     groups[first][1] + groups[second][1] + [note])]
    mapping: dict[str, str] = {}
    described: dict[str, tuple[str, str | None]] = {}
    for items, notes in groups:
        merged_key = "+".join(key for key, _label in items)
        for key, _label in items:
            mapping[key] = merged_key
        described[merged_key] = (label_of(items), "；".join(notes) or None)
    return mapping, described


# -- points, ranks, stars ------------------------------------------------------------------------

def rank_shares(values: dict[int, Value], direction: str) -> dict[int, Decimal]:
    """Share of the other computable firms each firm does strictly better than (0..1)."""
    computable = {k: v for k, v in values.items() if not isinstance(v, NotComputable)}
    if not computable:
        return {}
    sign = 1 if direction == "higher" else -1
    ordered = sorted(sign * v for v in computable.values())
    others = len(ordered) - 1
    if others == 0:
        return dict.fromkeys(computable, Decimal(1))
    return {k: Decimal(bisect_left(ordered, sign * v)) / others for k, v in computable.items()}


def band_share(value: Decimal, indicator: Indicator) -> Decimal:
    """The share of the weight of the highest band reached (0 below the first)."""
    share = Decimal(0)
    for threshold, band in indicator.bands:
        reached = value >= threshold if indicator.direction == "higher" else value <= threshold
        if reached:
            share = band if indicator.direction == "higher" else max(share, band)
    return share


def competition_ranks(scores: dict[int, Decimal]) -> dict[int, int]:
    """1 for the best; ties share the better place (1, 2, 2, 4)."""
    ordered = sorted(scores.values(), reverse=True)
    first_place: dict[Decimal, int] = {}
    for place, score in enumerate(ordered, start=1):
        first_place.setdefault(score, place)
    return {k: first_place[v] for k, v in scores.items()}


def star_cuts(size: int, scheme: Scheme) -> tuple[int, int, int]:
    """The last rank that earns 五星, 四星 and 三星 in a cohort of ``size`` firms."""
    five = scheme.five_star_share
    four = five + scheme.four_star_share
    three = four + scheme.three_star_share
    return tuple(math.floor(size * share) for share in (five, four, three))  # type: ignore[return-value]


def stars_for(rank: int, cuts: tuple[int, int, int]) -> int | None:
    for stars, last in zip((5, 4, 3), cuts):
        if rank <= last:
            return stars
    return None


def top_decile(values: list[Decimal]) -> Decimal:
    """The lowest value among the best tenth (at least one firm)."""
    ordered = sorted(values, reverse=True)
    return ordered[max(0, math.ceil(len(ordered) * TOP_DECILE) - 1)]


def _points(weight: Decimal, share: Decimal) -> Decimal:
    return (weight * share).quantize(CENT, rounding=ROUND_HALF_UP)


def unscored_reason(inputs: FirmInputs, fiscal_year: int) -> str | None:
    """Why a firm cannot be scored for the fiscal year, or None."""
    report = inputs.facts.report(fiscal_year)
    if report is None:
        founded = inputs.facts.founded_on
        if founded is not None and founded.year > fiscal_year:
            return f"成立于{founded.year}年，没有{fiscal_year}年度报表"
        return f"没有{fiscal_year}年度报表"
    if not report.filed:
        return f"{fiscal_year}年度报表为“{REPORT_STATUS_LABELS.get(report.status, report.status)}”，尚未提交"
    return None


def score_round(firms: Iterable[FirmInputs], scheme: Scheme, fiscal_year: int, as_of: date) -> RoundResult:
    """Score every firm, rank it in its cohort and give the stars (module docstring)."""
    indicators = scheme.enabled
    measures = [(i, MEASURES[i.measure].compute) for i in indicators]
    scored: list[FirmScore] = []
    unscored: list[Unscored] = []
    values: dict[str, dict[int, Value]] = {i.code: {} for i in indicators}
    natural: dict[int, str] = {}
    for inputs in firms:
        reason = unscored_reason(inputs, fiscal_year)
        if reason is not None:
            unscored.append(Unscored(inputs.enterprise_id, inputs.district_code, reason))
            continue
        revenue = inputs.facts.figure(fiscal_year, "revenue")
        stage = stage_of(inputs.facts.founded_on, revenue, fiscal_year, scheme)  # type: ignore[arg-type]
        firm = FirmScore(inputs.enterprise_id, inputs.district_code, stage)
        natural[inputs.enterprise_id] = cohort_of(stage, revenue, scheme)  # type: ignore[arg-type]
        for indicator, compute in measures:
            values[indicator.code][inputs.enterprise_id] = compute(inputs, fiscal_year, as_of)
        scored.append(firm)

    sizes: dict[str, int] = defaultdict(int)
    for key in natural.values():
        sizes[key] += 1
    mapping, described = merge_cohorts(cohort_catalogue(scheme), sizes, scheme.min_cohort,
                                       lambda keys: cohort_label(keys, scheme))
    members: dict[str, list[FirmScore]] = defaultdict(list)
    for firm in scored:
        firm.cohort = mapping[natural[firm.enterprise_id]]
        members[firm.cohort].append(firm)

    cohorts = []
    for key, (label, note) in described.items():
        firms_in = members[key]
        ids = [f.enterprise_id for f in firms_in]
        for indicator in indicators:
            own = values[indicator.code]
            cohort_values = {eid: own[eid] for eid in ids}
            shares = rank_shares(cohort_values, indicator.direction) if indicator.method == "rank" else None
            # Looked up once per indicator, not once per firm (a round at 100,000 firms makes 1.8M).
            weights = {stage: indicator.weight(stage) for stage in STAGES}
            for firm in firms_in:
                value = cohort_values[firm.enterprise_id]
                if isinstance(value, NotComputable):
                    firm.indicators[indicator.code] = IndicatorScore(None, Decimal("0.00"), value.reason)
                    continue
                share = shares[firm.enterprise_id] if shares is not None else band_share(value, indicator)
                firm.indicators[indicator.code] = IndicatorScore(value, _points(weights[firm.stage], share))
        for firm in firms_in:
            groups = dict.fromkeys(GROUPS, Decimal("0.00"))
            for indicator in indicators:
                groups[indicator.group] += firm.indicators[indicator.code].points
            firm.groups = groups
            firm.score = sum(groups.values(), Decimal("0.00"))
        ranks = competition_ranks({f.enterprise_id: f.score for f in firms_in})
        cuts = star_cuts(len(firms_in), scheme)
        for firm in firms_in:
            firm.rank = ranks[firm.enterprise_id]
            firm.cohort_size = len(firms_in)
            firm.stars = stars_for(firm.rank, cuts)
        cohorts.append(_statistics(key, label, note, firms_in, indicators, cuts))
    return RoundResult(fiscal_year, scored, unscored, cohorts)


def _statistics(key: str, label: str, note: str | None, firms: list[FirmScore], indicators: Sequence[Indicator],
                cuts: tuple[int, int, int]) -> Cohort:
    cohort = Cohort(key, label, len(firms), note, star_cuts=cuts)
    series: dict[str, list[Decimal]] = {"score": [f.score for f in firms]}
    for group in GROUPS:
        series[group] = [f.groups[group] for f in firms]
    for indicator in indicators:
        series[indicator.code] = [f.indicators[indicator.code].points for f in firms]
    for name, points in series.items():
        cohort.median[name] = Decimal(statistics.median(points)).quantize(CENT, rounding=ROUND_HALF_UP)
        cohort.top_decile[name] = top_decile(points)
    return cohort


def biggest_lifts(indicators: dict[str, Decimal], top: dict[str, Decimal], count: int = 3) -> list[tuple[str, Decimal]]:
    """The indicators whose points are furthest below the cohort's top decile: (code, gap), largest first."""
    gaps = [(code, top[code] - points) for code, points in indicators.items() if code in top]
    gaps = [(code, gap) for code, gap in gaps if gap > 0]
    gaps.sort(key=lambda pair: (-pair[1], pair[0]))
    return gaps[:count]
