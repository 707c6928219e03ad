"""Innovation points worked by hand: points per indicator, ranks, ties, stars at the 5%/10%/20%
cuts, cohorts merged when too small, stages at their edges, and values that are not computable."""
from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from crm.innovation.measures import MEASURES, FirmInputs, NotComputable
from crm.innovation.scheme import DEFAULT_SCHEME, Indicator, Scheme, SchemeError, check, from_json, to_json
from crm.innovation.scoring import (
    band_share,
    biggest_lifts,
    competition_ranks,
    merge_cohorts,
    cohort_catalogue,
    cohort_label,
    rank_shares,
    score_round,
    stage_of,
    star_cuts,
    stars_for,
    top_decile,
)
from crm.rules.facts import HeldPlatform
from tests.rules.builders import D, figures, firm

AS_OF = date(2026, 7, 1)
YEAR = 2025


def every_stage(points: int) -> dict[str, Decimal]:
    return {"startup": Decimal(points), "growth": Decimal(points), "mature": Decimal(points)}


PLATFORM_BANDS = ((D(1), D("0.4")), (D(2), D("0.7")), (D(3), D(1)))
# Three indicators, one per group: R&D ratio (rank, 50), revenue growth (rank, 40), platforms (bands, 10).
SMALL = Scheme(indicators=(
    Indicator("rd_ratio", "研发费用占营业收入比例", "tech", "rd_ratio", every_stage(50)),
    Indicator("revenue_growth", "营业收入增长率", "growth", "revenue_growth", every_stage(40)),
    Indicator("platforms", "研发机构", "extra", "platforms", every_stage(10), method="bands", bands=PLATFORM_BANDS),
), min_cohort=1)


def inputs(eid: int, reports: list, platforms: tuple = (), district: str = "440703", **profile: object) -> FirmInputs:
    return FirmInputs(eid, district, firm(reports, platforms=platforms, **profile))


def provincial(kind: str = "engineering_center") -> HeldPlatform:
    return HeldPlatform(kind, "provincial", date(2020, 1, 1))


def five_firms() -> list[FirmInputs]:
    """All in 成长期 (founded 2015, revenue 600–2,000万)."""
    return [
        inputs(1, [figures(2024, revenue=800), figures(2025, revenue=1000, rd_expense=80)], (provincial(),)),
        inputs(2, [figures(2024, revenue=1000), figures(2025, revenue=1000, rd_expense=50)]),
        inputs(3, [figures(2024, revenue=1600), figures(2025, revenue=2000, rd_expense=100)],
               (HeldPlatform("key_lab", "national", date(2019, 5, 1)), HeldPlatform("engineering_center", "municipal"))),
        inputs(4, [figures(2025, revenue=600, rd_expense=12)]),
        inputs(5, [figures(2024, revenue=0), figures(2025, revenue=900, rd_expense=90)]),
    ]


def test_a_small_cohort_worked_by_hand() -> None:
    """R&D ratios 8%, 5%, 5%, 2%, 10%: each firm gets 50 × the share of the other four it beats;
    growth 25%, 0%, 25% (two not computable): 40 × share of the other two; platforms by band."""
    result = score_round(five_firms(), SMALL, YEAR, AS_OF)
    by_id = {f.enterprise_id: f for f in result.scored}
    points = {eid: {code: s.points for code, s in f.indicators.items()} for eid, f in by_id.items()}
    assert points == {
        1: {"rd_ratio": D("37.50"), "revenue_growth": D("20.00"), "platforms": D("7.00")},
        2: {"rd_ratio": D("12.50"), "revenue_growth": D("0.00"), "platforms": D("0.00")},
        3: {"rd_ratio": D("12.50"), "revenue_growth": D("20.00"), "platforms": D("10.00")},
        4: {"rd_ratio": D("0.00"), "revenue_growth": D("0.00"), "platforms": D("0.00")},
        5: {"rd_ratio": D("50.00"), "revenue_growth": D("0.00"), "platforms": D("0.00")},
    }
    assert {eid: f.score for eid, f in by_id.items()} == {1: D("64.50"), 2: D("12.50"), 3: D("42.50"),
                                                         4: D("0.00"), 5: D("50.00")}
    assert by_id[1].groups == {"tech": D("37.50"), "growth": D("20.00"), "extra": D("7.00")}
    assert {eid: f.rank for eid, f in by_id.items()} == {1: 1, 5: 2, 3: 3, 2: 4, 4: 5}
    assert all(f.stage == "growth" and f.cohort == "growth" and f.cohort_size == 5 for f in by_id.values())
    # Not computable: 0 points and the reason; a zero base is not a division error.
    assert by_id[4].indicators["revenue_growth"].note == "2024年度销售收入未填报"
    assert by_id[5].indicators["revenue_growth"].note == "2024年度销售收入为0，增长率无法计算"
    assert by_id[4].indicators["revenue_growth"].value is None
    assert by_id[1].indicators["rd_ratio"].value == D("0.08")
    # Five firms: 5% and 10% round down to no firm, 20% to one: only the best gets 三星.
    assert {eid: f.stars for eid, f in by_id.items()} == {1: 3, 2: None, 3: None, 4: None, 5: None}
    cohort = result.cohorts[0]
    assert (cohort.key, cohort.label, cohort.size, cohort.note) == ("growth", "成长期", 5, None)
    assert cohort.median["score"] == D("42.50") and cohort.top_decile["score"] == D("64.50")
    assert cohort.median["rd_ratio"] == D("12.50") and cohort.top_decile["platforms"] == D("10.00")


def test_firms_without_a_filed_report_are_listed_with_why() -> None:
    firms = [
        inputs(1, [figures(2025, revenue=1000, rd_expense=80)]),
        inputs(2, [figures(2025, revenue=1000, status="draft")]),
        inputs(3, [figures(2025, revenue=1000, status="returned")]),
        inputs(4, [figures(2024, revenue=1000)]),
        inputs(5, [], founded=date(2026, 2, 1)),
    ]
    result = score_round(firms, SMALL, YEAR, AS_OF)
    assert [f.enterprise_id for f in result.scored] == [1]
    assert [(u.enterprise_id, u.reason) for u in result.unscored] == [
        (2, "2025年度报表为“草稿”，尚未提交"), (3, "2025年度报表为“已退回”，尚未提交"),
        (4, "没有2025年度报表"), (5, "成立于2026年，没有2025年度报表"),
    ]
    lone = result.scored[0]
    assert (lone.rank, lone.cohort_size, lone.indicators["rd_ratio"].points) == (1, 1, D("50.00"))


def test_rank_shares_in_both_directions_with_ties_and_gaps() -> None:
    values = {1: D("0.10"), 2: D("0.05"), 3: D("0.05"), 4: NotComputable("x"), 5: D("0.02")}
    third = Decimal(1) / 3
    assert rank_shares(values, "higher") == {1: 1, 2: third, 3: third, 5: 0}
    assert rank_shares(values, "lower") == {1: 0, 2: third, 3: third, 5: 1}
    assert rank_shares({7: D(3)}, "higher") == {7: 1}
    assert rank_shares({7: NotComputable("x")}, "higher") == {}


@pytest.mark.parametrize(("value", "share"), [
    ("0", "0"), ("0.99", "0"), ("1", "0.4"), ("1.5", "0.4"), ("2", "0.7"), ("2.99", "0.7"), ("3", "1"), ("9", "1"),
])
def test_bands_count_from_their_threshold_inclusive(value: str, share: str) -> None:
    indicator = SMALL.indicator("platforms")
    assert band_share(D(value), indicator) == D(share)


def test_a_lower_is_better_band_reads_its_threshold_as_an_upper_bound() -> None:
    debt = Indicator("debt", "资产负债率", "extra", "rd_ratio", every_stage(10), direction="lower", method="bands",
                     bands=((D("0.4"), D(1)), (D("0.6"), D("0.5"))))
    assert [band_share(D(v), debt) for v in ("0.3", "0.4", "0.41", "0.6", "0.61")] == [1, 1, D("0.5"), D("0.5"), 0]


def test_competition_ranks_share_the_better_place() -> None:
    assert competition_ranks({1: D(90), 2: D(80), 3: D(80), 4: D(70), 5: D(80)}) == {1: 1, 2: 2, 3: 2, 5: 2, 4: 5}


@pytest.mark.parametrize(("size", "cuts"), [
    (5, (0, 0, 1)), (9, (0, 0, 1)), (10, (0, 1, 2)), (19, (0, 1, 3)), (20, (1, 2, 4)), (39, (1, 3, 7)),
    (40, (2, 4, 8)), (100, (5, 10, 20)),
])
def test_star_cuts_round_down_at_5_10_and_20_percent(size: int, cuts: tuple[int, int, int]) -> None:
    assert star_cuts(size, DEFAULT_SCHEME) == cuts


def one_indicator(min_cohort: int = 1) -> Scheme:
    return Scheme(indicators=(Indicator("rd_expense", "研发费用总额", "tech", "rd_expense", every_stage(100)),),
                  min_cohort=min_cohort)


def rd_firms(values: list[int], start: int = 1) -> list[FirmInputs]:
    return [inputs(start + n, [figures(2025, revenue=1000, rd_expense=v)]) for n, v in enumerate(values)]


def test_stars_at_the_cuts_of_a_cohort_of_twenty_and_ties_take_the_better_place() -> None:
    """20 firms: 五星 rank 1, 四星 rank 2, 三星 ranks 3–4. Firms 2 and 3 tie for second: both 四星,
    the next is fourth (三星), the fifth none."""
    values = [200, 190, 190, *range(180, 163, -1)]
    result = score_round(rd_firms(values), one_indicator(), YEAR, AS_OF)
    by_id = {f.enterprise_id: f for f in result.scored}
    assert [(by_id[n].rank, by_id[n].stars) for n in range(1, 7)] == [
        (1, 5), (2, 4), (2, 4), (4, 3), (5, None), (6, None)]
    assert by_id[1].score == D("100.00") and by_id[20].score == D("0.00")
    # 190 beats 17 of the other 19 firms: 100 × 17/19 = 89.47.
    assert by_id[2].score == D("89.47")
    assert result.cohorts[0].star_cuts == (1, 2, 4)


def test_a_tie_across_a_cut_gives_every_tied_firm_the_better_stars() -> None:
    """Top 5% of 20 is one firm; three firms tied first all get 五星, and the next is 4th: 三星."""
    result = score_round(rd_firms([300, 300, 300, *range(100, 83, -1)]), one_indicator(), YEAR, AS_OF)
    stars = [f.stars for f in sorted(result.scored, key=lambda f: f.enterprise_id)][:5]
    assert stars == [5, 5, 5, 3, None]


def test_a_cohort_too_small_is_merged_into_the_next_and_the_note_says_so() -> None:
    young = [inputs(100 + n, [figures(2025, revenue=1000, rd_expense=10 + n)], founded=date(2024, 1, 1))
             for n in range(3)]
    grown = rd_firms(list(range(20, 32)))
    result = score_round(young + grown, one_indicator(min_cohort=10), YEAR, AS_OF)
    assert [(c.key, c.label, c.size) for c in result.cohorts] == [("startup+growth", "初创期+成长期", 15)]
    assert result.cohorts[0].note == "初创期仅 3 家，不足 10 家，与成长期合并排名"
    stages = {f.enterprise_id: (f.stage, f.cohort_size) for f in result.scored}
    assert stages[100] == ("startup", 15) and stages[1] == ("growth", 15)


def test_merging_walks_on_until_every_cohort_is_large_enough_and_the_last_goes_back() -> None:
    order = [("a", "A"), ("b", "B"), ("c", "C"), ("d", "D")]
    mapping, described = merge_cohorts(order, {"a": 3, "b": 5, "c": 30, "d": 2}, 10)
    assert mapping == {"a": "a+b+c+d", "b": "a+b+c+d", "c": "a+b+c+d", "d": "a+b+c+d"}
    mapping, described = merge_cohorts(order, {"a": 12, "b": 4, "c": 30, "d": 11}, 10)
    assert mapping == {"a": "a", "b": "b+c", "c": "b+c", "d": "d"}
    assert described["b+c"] == ("B+C", "B仅 4 家，不足 10 家，与C合并排名")
    mapping, described = merge_cohorts(order, {"a": 12, "c": 30, "d": 9}, 10)
    assert mapping == {"a": "a", "c": "c+d", "d": "c+d"} and described["c+d"][1] == "D仅 9 家，不足 10 家，与C合并排名"
    assert merge_cohorts(order, {"b": 2}, 10)[0] == {"b": "b"}


def test_revenue_band_cohorts_read_as_ranges() -> None:
    scheme = replace(DEFAULT_SCHEME, cohort_basis="revenue_band")
    assert [label for _key, label in cohort_catalogue(scheme)] == [
        "营业收入100万以下", "营业收入100万–500万", "营业收入500万–2000万", "营业收入2000万–1亿", "营业收入1亿及以上"]
    assert cohort_label(["band2", "band3", "band4"], scheme) == "营业收入500万及以上"
    assert cohort_label(["band0", "band1"], scheme) == "营业收入500万以下"
    firms = rd_firms([10] * 12) + [inputs(50 + n, [figures(2025, revenue=20000, rd_expense=5)]) for n in range(12)]
    result = score_round(firms, replace(one_indicator(), cohort_basis="revenue_band"), YEAR, AS_OF)
    assert sorted((c.key, c.size) for c in result.cohorts) == [("band2", 12), ("band4", 12)]


@pytest.mark.parametrize(("founded", "revenue", "stage"), [
    (date(2023, 1, 1), "9000", "startup"),      # two full years at the end of 2025
    (date(2022, 12, 31), "9000", "growth"),     # three years on 31 December 2025
    (date(2015, 1, 1), "499.99", "startup"),    # under 500万
    (date(2015, 1, 1), "500", "growth"),
    (date(2015, 12, 31), "5000", "mature"),     # ten years on 31 December 2025, 5,000万
    (date(2016, 1, 1), "5000", "growth"),       # ten years less a day
    (date(2015, 1, 1), "4999.99", "growth"),
    (None, "5000", "growth"),                   # age unknown: never 稳定期
    (date(2015, 1, 1), None, "growth"),         # revenue not reported: age alone
])
def test_stages_at_their_edges(founded: date | None, revenue: str | None, stage: str) -> None:
    assert stage_of(founded, None if revenue is None else D(revenue), YEAR, DEFAULT_SCHEME) == stage


def test_weights_follow_the_stage() -> None:
    scheme = Scheme(indicators=(
        Indicator("rd_expense", "研发费用总额", "tech", "rd_expense", {"startup": D(80), "growth": D(50), "mature": D(20)}),
        Indicator("revenue", "营业收入", "growth", "revenue", {"startup": D(20), "growth": D(50), "mature": D(80)}),
    ), min_cohort=1)
    young = [inputs(1, [figures(2025, revenue=600, rd_expense=100)], founded=date(2024, 1, 1)),
             inputs(2, [figures(2025, revenue=400, rd_expense=50)], founded=date(2024, 1, 1))]
    result = score_round(young, scheme, YEAR, AS_OF)
    assert {f.enterprise_id: f.score for f in result.scored} == {1: D("100.00"), 2: D("0.00")}
    assert {f.enterprise_id: f.groups["tech"] for f in result.scored} == {1: D("80.00"), 2: D("0.00")}


@pytest.mark.parametrize(("before", "after", "expected"), [
    ("100", "150", D("0.5")),
    ("-20", "50", "2024年度净利润为负数，增长率无法计算"),
    ("0", "50", "2024年度净利润为0，增长率无法计算"),
    (None, "50", "2024年度净利润未填报"),
    ("100", None, "2025年度净利润未填报"),
])
def test_growth_needs_a_positive_base(before: str | None, after: str | None, expected: object) -> None:
    firm_inputs = inputs(1, [figures(2024, net_profit=before), figures(2025, net_profit=after)])
    value = MEASURES["profit_growth"].compute(firm_inputs, YEAR, AS_OF)
    assert value == (expected if isinstance(expected, Decimal) else NotComputable(expected))


def test_a_zero_revenue_makes_a_share_not_computable() -> None:
    value = MEASURES["rd_ratio"].compute(inputs(1, [figures(2025, revenue=0, rd_expense=5)]), YEAR, AS_OF)
    assert value == NotComputable("2025年度销售收入为0，比例无法计算")


def test_counted_measures_are_values_even_at_zero() -> None:
    from crm.rules.facts import Honour

    honours = (Honour("national_science_award", 2023), Honour("provincial_science_award", 2025),
               Honour("provincial_science_award", 2022), Honour("led_industry_standard", 2024),
               Honour("equity_raised", 2025, D(300)), Honour("equity_raised", 2024, D(900)))
    firm_inputs = FirmInputs(1, "440703", firm([figures(2025, revenue=1)], honours=honours), talent_years=(2020, 2026))
    compute = {code: MEASURES[code].compute(firm_inputs, YEAR, AS_OF) for code in
               ("awards", "standards", "equity_raised", "talents", "platforms", "qualifications")}
    # Awards of 2023–2025 only (2022 is out of the three years); talents that came by 2025.
    assert compute == {"awards": D(3), "standards": D(1), "equity_raised": D(300), "talents": D(1),
                       "platforms": D(0), "qualifications": D(0)}


def test_the_lift_is_the_gap_to_the_cohorts_top_decile() -> None:
    own = {"a": D(5), "b": D(0), "c": D(9), "d": D(1)}
    top = {"a": D(10), "b": D(4), "c": D(9), "d": D(6)}
    assert biggest_lifts(own, top) == [("a", D(5)), ("d", D(5)), ("b", D(4))]
    assert top_decile([D(n) for n in range(1, 21)]) == D(19)
    assert top_decile([D(3)]) == D(3)


def test_the_default_scheme_weighs_100_per_stage_and_survives_json() -> None:
    check(DEFAULT_SCHEME)
    assert from_json(to_json(DEFAULT_SCHEME)) == DEFAULT_SCHEME
    for stage in ("startup", "growth", "mature"):
        assert sum(i.weight(stage) for i in DEFAULT_SCHEME.indicators) == 100


def test_a_scheme_that_cannot_be_used_is_refused_naming_each_problem() -> None:
    data = to_json(DEFAULT_SCHEME)
    data["indicators"][0]["weights"]["startup"] = "2"       # 6 before: startup sums to 96
    data["indicators"][1]["measure"] = "no_such_measure"
    data["indicators"][7]["bands"] = [["2", "0.4"], ["1", "0.7"]]
    data["five_star_share"] = "abc"
    with pytest.raises(SchemeError) as refused:
        from_json(data)
    assert [f for f, _m in refused.value.problems] == ["five_star_share"]   # unreadable numbers first
    data["five_star_share"] = "0.05"
    with pytest.raises(SchemeError) as refused:
        from_json(data)
    messages = [m for _f, m in refused.value.problems]
    assert "指标“研发费用占营业收入比例”的计算口径“no_such_measure”不存在" in messages
    assert "指标“研发机构（按级别计分）”的分档门槛须从低到高且不重复" in messages
    assert "初创期启用指标的权重合计为 96，应为 100" in messages


def test_switching_an_indicator_off_needs_the_weights_moved() -> None:
    off = DEFAULT_SCHEME.with_indicator(replace(DEFAULT_SCHEME.indicator("talents"), enabled=False))
    with pytest.raises(SchemeError, match="成长期启用指标的权重合计为 97，应为 100"):
        check(off)
    rd = DEFAULT_SCHEME.indicator("rd_expense")
    moved = off.with_indicator(replace(rd, weights={k: v + DEFAULT_SCHEME.indicator("talents").weights[k]
                                                    for k, v in rd.weights.items()}))
    check(moved)
    assert [i.code for i in moved.indicators] == [i.code for i in DEFAULT_SCHEME.indicators]
