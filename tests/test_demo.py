"""The demo data set: deterministic, believable, valid, and usable for signing in."""
import dataclasses
import math
import re
from collections import Counter
from datetime import date

from sqlalchemy import func, select

from crm.clock import today
from crm.demo import (
    DEMO_USERS,
    FIRM_USER,
    TOWNS,
    generate_demo_data,
    miit_showcases,
    past_evaluation_days,
    publish_demo_rounds,
)
from crm.districts import district_from_uscc
from crm.extensions import db
from crm.ladder import STAGE_RANK, stage_of
from crm.models import (
    AnnualReport,
    AuditLog,
    Designation,
    DistrictMove,
    Enterprise,
    FactDeclaration,
    Flag,
    InnovationRound,
    InnovationScore,
    JobRun,
    Role,
    Talent,
    User,
)
from crm.models.enterprise import name_initials
from crm.uscc import normalize_uscc
from tests.conftest import login


def snapshot() -> list[tuple]:
    declared = {
        (d.enterprise_id, d.status.value, d.niche_since, d.leading_product, d.digital_level, d.strategic_emerging)
        for d in db.session.scalars(select(FactDeclaration))
    }
    moves = {(m.enterprise_id, m.moved_on, m.from_district, m.to_district) for m in db.session.scalars(select(DistrictMove))}
    return [
        (e.uscc, e.name, e.district_code, e.founded_on, e.closed_on, sorted(m[1:] for m in moves if m[0] == e.id),
         [(r.year, r.revenue, r.employees) for r in e.annual_reports],
         sorted((d.kind.value, d.valid_from, d.valid_to) for d in e.designations),
         sorted(row[1:] for row in declared if row[0] == e.id))
        for e in db.session.scalars(select(Enterprise).order_by(Enterprise.uscc))
    ]


def test_same_seed_same_world(app) -> None:
    from sqlalchemy import delete

    generate_demo_data(60, seed=3)
    first = snapshot()
    # Empty the firms (reports and designations go with them) and draw again.
    db.session.execute(delete(Enterprise))
    db.session.commit()
    generate_demo_data(60, seed=3)
    assert snapshot() == first
    assert len(first) == 60
    # Evaluated as of past days on the way, the world ends the same.
    db.session.execute(delete(Enterprise))
    db.session.commit()
    generate_demo_data(60, seed=3, evaluate_on=past_evaluation_days(today()))
    assert snapshot() == first
    first_codes = {row[0] for row in first}
    generate_demo_data(5, seed=4)
    added = {row[0] for row in snapshot()} - first_codes
    assert len(added) == 5  # another seed draws other firms


def test_world_is_valid_and_believable(app) -> None:
    summary = generate_demo_data(400, seed=11)
    firms = db.session.scalars(select(Enterprise)).all()
    assert summary["enterprises"] == len(firms) == 400
    moved = {m.enterprise_id: m for m in db.session.scalars(select(DistrictMove))}
    for firm in firms:
        assert normalize_uscc(firm.uscc) == firm.uscc
        # A firm that moved is in its new district; its code still names the old one.
        if firm.id in moved:
            assert firm.district_overridden and moved[firm.id].to_district == firm.district_code
            assert moved[firm.id].from_district == district_from_uscc(firm.uscc) != firm.district_code
        else:
            assert district_from_uscc(firm.uscc) == firm.district_code and not firm.district_overridden
        assert firm.name.endswith("公司") and firm.town
    assert len({f.name for f in firms}) == 400
    per_district = Counter(f.district_code for f in firms)
    assert per_district["440703"] > per_district["440785"]  # Pengjiang has far more firms than Enping
    reports = db.session.scalars(select(AnnualReport)).all()
    assert all(r.tech_staff <= r.employees and r.rd_expense_domestic <= r.rd_expense for r in reports)
    assert all(r.revenue >= 0 and r.year < today().year for r in reports)
    years = Counter(r.enterprise_id for r in reports)
    assert max(years.values()) >= 4 and min(years.values()) >= 1
    stages = Counter(stage_of(f.designations, today()) for f in firms)
    assert stages["none"] + stages["tech_sme"] > stages["hitech"] > stages["gazelle"]
    assert set(stages) >= {"none", "incubated", "tech_sme", "hitech"}
    assert stages["incubated"] >= 10  # young firms start in incubators: the first rung is not empty
    # A platform carries its firm's name without place and legal form: 广东省银洲涂料工程技术研究中心.
    from crm.demo import firm_core_name
    from crm.models import Platform

    platforms = db.session.scalars(select(Platform)).all()
    assert platforms and all(firm_core_name(p.enterprise.name) in p.name for p in platforms)
    assert not any(place in p.name[3:] for p in platforms for place in ("江门市", "区", "有限公司"))
    hitech = db.session.scalars(select(Designation).where(Designation.kind == "hitech")).all()
    assert all(d.certificate_no.startswith("GR") and (d.valid_to - d.valid_from).days in (1094, 1095) for d in hitech)
    assert db.session.scalar(select(func.count()).select_from(Talent).where(Talent.high_end)) > 0
    # Yearly lists are in force today, not only last year's ranks.
    valid_kinds = Counter(d.kind.value for f in firms for d in f.designations if d.is_valid_on(today()))
    assert valid_kinds["tech_sme"] > valid_kinds["hitech"] > valid_kinds["gazelle"] > 0
    assert {"tech_micro", "eaglet", "srdi_sme", "hitech_reserve"} <= set(valid_kinds)
    # Some firms let their high-tech certificate lapse.
    assert any(
        any(d.kind.value == "hitech" for d in f.designations)
        and not any(d.kind.value == "hitech" and d.is_valid_on(today()) for d in f.designations)
        for f in firms
    )
    tech_sme = db.session.scalars(select(Designation.certificate_no).where(Designation.kind == "tech_sme")).all()
    assert all(re.fullmatch(r"20\d\d4407\d\dA\d{7}", number) for number in tech_sme)
    for firm in firms:
        assert firm.town in TOWNS[firm.district_code]
        # Bulk inserts skip the ORM's 'set' event, so the generator fills the search initials itself.
        assert firm.name_initials == name_initials(firm.name)
    for big in ("440703", "440704"):
        assert all(per_district[big] > per_district[small] for small in ("440783", "440781", "440785"))
    # Seeding is not anyone's edit.
    assert db.session.scalar(select(func.count()).select_from(AuditLog)) == 0
    # Stored latest-year figures are filled in for firms with reports.
    assert all(f.latest_year is not None for f in firms if f.annual_reports and any(r.status.value != "draft" for r in f.annual_reports))


def test_demo_users_sign_in(app, client) -> None:
    generate_demo_data(20, seed=5)
    roles = {u.username: u.role for u in db.session.scalars(select(User))}
    assert roles == {"admin": Role.admin, "bureau": Role.bureau, "kaiping": Role.officer,
                     "pengjiang": Role.officer, "firm": Role.enterprise}
    for username, password, *_ in [*DEMO_USERS, FIRM_USER]:
        login(client, username, password)
        client.post("/logout", data={"csrf_token": __import__("tests.conftest", fromlist=["x"]).csrf_token(client, "/")})
    firm_user = db.session.scalar(select(User).where(User.username == "firm"))
    assert firm_user.enterprise.district_code == "440783"


def test_cli_demo_data_and_if_empty(runner, app) -> None:
    result = runner.invoke(args=["demo-data", "--enterprises", "50", "--seed", "1"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count()).select_from(Enterprise)) == 50
    # Evaluated as of 1 July of the last five years (so past candidates are known), then at
    # once: the candidate lists are not empty until the first nightly run.
    runs = db.session.scalars(select(JobRun).where(JobRun.job == "eligibility").order_by(JobRun.id)).all()
    assert [r.as_of for r in runs] == [*past_evaluation_days(today()), today()]
    assert all(r.counts["evaluated"] == 50 for r in runs)
    run = runs[-1]
    listed = db.session.scalar(select(func.count()).select_from(Flag).where(Flag.cleared_on.is_(None)))
    assert listed == run.counts["raised"] + run.counts["updated"] + run.counts["unchanged"] > 0
    assert f"列入 {listed} 项" in result.output
    assert f"已按 {runs[0].as_of.isoformat()} 的情况评估培育对象" in result.output
    # And innovation points published: last year's round and the one before, for the movement.
    rounds = db.session.scalars(select(InnovationRound).order_by(InnovationRound.id)).all()
    assert [r.fiscal_year for r in rounds] == [today().year - 2, today().year - 1]
    assert all(r.published for r in rounds) and f"已发布第 {rounds[-1].id} 轮企业创新积分" in result.output
    assert result.output.count("已添加演示规划") == 2  # the city's and 开平市's next five years
    again = runner.invoke(args=["demo-data", "--enterprises", "50", "--seed", "1", "--if-empty"])
    assert again.exit_code == 0 and "跳过" in again.output
    assert db.session.scalar(select(func.count()).select_from(Enterprise)) == 50
    assert db.session.scalar(select(func.count()).select_from(InnovationRound)) == 2


def test_second_seed_adds_without_collisions(app) -> None:
    generate_demo_data(30, seed=1)
    generate_demo_data(30, seed=2)
    assert db.session.scalar(select(func.count()).select_from(Enterprise)) == 60
    assert db.session.scalar(select(func.count(func.distinct(Enterprise.name)))) == 60
    assert db.session.scalar(select(func.count()).select_from(User).where(User.username == "firm")) == 1


def test_showcase_firm_is_close_to_hitech(app) -> None:
    generate_demo_data(5, seed=9)
    firm = db.session.scalar(select(User).where(User.username == "firm")).enterprise
    latest = max(firm.annual_reports, key=lambda r: r.year)
    assert STAGE_RANK[stage_of(firm.designations, date(latest.year, 12, 1))] == STAGE_RANK["tech_sme"]
    assert latest.tech_staff / latest.employees < 0.10


def test_names_stay_plausible_at_scale() -> None:
    from crm.demo import DemoWorld

    world = DemoWorld(seed=7, last_year=2024)
    # As many firms in one trade as the busiest trade holds among 100,000.
    names = [world.name(district, ["电器", "电机", "照明科技"]) for district in sorted(TOWNS) * 2_000]
    assert len(set(names)) == len(names) == 14_000
    assert not any("号" in name for name in names)  # no numbered fallback names
    assert all(name.startswith(("江门", "开平市", "台山市", "鹤山市", "恩平市")) for name in names)


def test_same_seed_twice_is_refused_and_nothing_is_added(runner, app) -> None:
    assert runner.invoke(args=["demo-data", "--enterprises", "30", "--seed", "1"]).exit_code == 0
    again = runner.invoke(args=["demo-data", "--enterprises", "30", "--seed", "1"])
    assert again.exit_code == 1
    assert "统一社会信用代码与已有企业重复" in again.output
    assert db.session.scalar(select(func.count()).select_from(Enterprise)) == 30


def test_showcase_firm_is_a_tech_sme_today(app) -> None:
    generate_demo_data(3, seed=9)
    firm = db.session.scalar(select(User).where(User.username == "firm")).enterprise
    assert stage_of(firm.designations, today()) == "tech_sme"


def test_summary_counts_every_row_added(app) -> None:
    summary = generate_demo_data(40, seed=8)
    count = lambda model: db.session.scalar(select(func.count()).select_from(model))  # noqa: E731
    assert summary["enterprises"] == count(Enterprise) == 40
    assert summary["reports"] == count(AnnualReport)
    assert summary["designations"] == count(Designation)
    assert summary["talents"] == count(Talent)


def test_production_refuses_demo_data(runner, app) -> None:
    app.config["DEMO_DATA_ALLOWED"] = False  # as ProductionConfig sets it
    result = runner.invoke(args=["demo-data", "--enterprises", "5", "--seed", "1"])
    assert result.exit_code == 1
    assert "生产环境" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert db.session.scalar(select(func.count()).select_from(Enterprise)) == 0
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_production_profile_disallows_demo_data() -> None:
    import config

    assert config.ProductionConfig.DEMO_DATA_ALLOWED is False
    assert config.DevelopmentConfig.DEMO_DATA_ALLOWED is True


MIIT_RULES = ("innovative_sme_candidate", "srdi_sme_candidate", "little_giant_candidate", "tech_sme_onsite_check")


def test_every_rung_of_the_miit_ladder_is_shown(app) -> None:
    """Firms hold 创新型, 专精特新 and 小巨人, and each MIIT rule and the on-site check flag a firm."""
    from crm.eligibility.facts import load_facts
    from crm.eligibility.parameters import params_for
    from crm.eligibility.services import run_eligibility
    from crm.rules import evaluate_all

    summary = generate_demo_data(30, seed=6)
    as_of = today()
    run_eligibility(as_of, "cli", notify=False)
    firms = db.session.scalars(select(Enterprise)).all()
    valid = Counter(d.kind.value for f in firms for d in f.designations if d.is_valid_on(as_of))
    assert valid["innovative_sme"] >= valid["srdi_sme"] >= valid["little_giant"] >= 1
    for firm in firms:  # a firm on a rung came up through the rungs below it
        held = {d.kind.value for d in firm.designations if d.is_valid_on(as_of)}
        assert "little_giant" not in held or "srdi_sme" in held
        assert "srdi_sme" not in held or "innovative_sme" in held
    flagged = Counter(db.session.scalars(select(Flag.rule).where(Flag.cleared_on.is_(None))))
    assert all(flagged[rule] >= 1 for rule in MIIT_RULES), flagged
    # Verified declarations count; a submitted one waits for its officer (the enterprise user's, too).
    declarations = db.session.scalars(select(FactDeclaration)).all()
    statuses = Counter(d.status.value for d in declarations)
    assert statuses["verified"] >= 5 and statuses["submitted"] >= 1
    assert summary["declarations"] == len(declarations)
    assert all(d.declared_on <= as_of and d.submitted_at is not None for d in declarations)
    assert all(d.verified_at is not None for d in declarations if d.status.value == "verified")
    firm_user = db.session.scalar(select(User).where(User.username == FIRM_USER[0]))
    assert [d.status.value for d in declarations if d.enterprise_id == firm_user.enterprise_id] == ["submitted"]
    # Holds 创新型 and would be a 专精特新 candidate, but never declared since when it is in its niche.
    short_name = miit_showcases(as_of.year - 1)[1].profile["name"]
    short = db.session.scalar(select(Enterprise).where(Enterprise.name == short_name))
    facts = load_facts([short.id], as_of)[short.id]
    params = params_for(as_of)
    result = evaluate_all(facts, as_of, params)["srdi_sme_candidate"]
    assert not result.passed
    assert [(c.code, c.passed) for c in result.conditions if c.passed is not True] == [("niche", None)]
    declared = dataclasses.replace(facts, declarations=tuple(
        dataclasses.replace(d, niche_since=as_of.year - 6) for d in facts.declarations))
    assert evaluate_all(declared, as_of, params)["srdi_sme_candidate"].passed


def test_miit_ladder_proportions_are_plausible(app) -> None:
    """Jiangmen, end of 2023: about 2,300 high-tech firms, 1,000 创新型, 427 专精特新, 24 小巨人."""
    generate_demo_data(1000, seed=12)
    as_of = today()
    valid = Counter(d.kind.value for d in db.session.scalars(select(Designation)) if d.is_valid_on(as_of))
    assert 0.3 < valid["innovative_sme"] / valid["hitech"] < 0.6
    assert 0.1 < valid["srdi_sme"] / valid["hitech"] < 0.3
    # A handful of 小巨人 (one of them a showcase firm, which weighs more in a small demo).
    assert 0 < valid["little_giant"] < valid["srdi_sme"] / 3


def test_demo_has_published_innovation_points_with_every_star(app) -> None:
    """`make run` shows stars and portraits: a published round with 五星, 四星 and 三星 firms, the
    same for the same seed."""
    generate_demo_data(300, seed=13)
    earlier, latest = publish_demo_rounds(today())
    admin = db.session.scalar(select(User).where(User.username == DEMO_USERS[0][0]))
    for round_ in (earlier, latest):
        assert round_.published and round_.published_by_id == admin.id
    assert (earlier.fiscal_year, latest.fiscal_year) == (today().year - 2, today().year - 1)
    stars = Counter(db.session.scalars(select(InnovationScore.stars).where(InnovationScore.round_id == latest.id)))
    assert stars[5] >= 1 and stars[4] >= 1 and stars[3] >= 1
    assert stars[5] == latest.counts["stars_5"] and stars[3] == latest.counts["stars_3"]
    assert latest.counts["scored"] > 200  # most demo firms filed last year's report
    # The enterprise user's firm has a portrait: it is scored in the published round.
    firm = db.session.scalar(select(User).where(User.username == FIRM_USER[0])).enterprise
    mine = db.session.scalar(select(InnovationScore).where(
        InnovationScore.round_id == latest.id, InnovationScore.enterprise_id == firm.id))
    assert mine.score is not None and mine.rank >= 1
    first = sorted(db.session.execute(select(InnovationScore.uscc, InnovationScore.score, InnovationScore.stars)
                                      .where(InnovationScore.round_id == latest.id)).all())
    # Deterministic: the same seed scores the same.
    from sqlalchemy import delete

    db.session.execute(delete(InnovationScore))
    db.session.execute(delete(InnovationRound))
    db.session.execute(delete(Enterprise))
    db.session.commit()
    generate_demo_data(300, seed=13)
    again = publish_demo_rounds(today())[-1]
    assert sorted(db.session.execute(select(InnovationScore.uscc, InnovationScore.score, InnovationScore.stars)
                                     .where(InnovationScore.round_id == again.id)).all()) == first


def test_demo_spans_years_of_flows_conversion_and_back_test(app) -> None:
    """Ten years of the ladder: high-tech firms entering and leaving every year, firms that moved
    or closed, candidates flagged in past years as the rules saw them then, certificates
    expiring (renewed at about Jiangmen's rate) in past years for the forecast's back-test."""
    from crm.flows.history import STAGES
    from crm.flows.services import ladder_flows

    as_of = today()
    last = as_of.year - 1
    days = past_evaluation_days(as_of)
    summary = generate_demo_data(600, seed=16, evaluate_on=days)
    city = ladder_flows(range(last - 9, as_of.year + 1))
    for year in range(last - 4, last + 1):
        hitech = city[year, "hitech"]
        assert hitech.entered_total > 0 and hitech.left_total > 0, (year, hitech)
        assert hitech.start + hitech.entered_total - hitech.left_total == hitech.end
    assert city[last - 9, "hitech"].start > 0  # certificates of the three years before: the first stock is whole
    assert sum(city[y, "tech_sme"].entered["returning"] for y in range(last - 4, last + 1)) > 0
    assert any(city[y, "hitech"].left["moved_up"] for y in range(last - 4, as_of.year + 1))
    # Moved: in the new district now, leaving the old one's flows and entering the new one's.
    moves = db.session.scalars(select(DistrictMove)).all()
    assert summary["moved"] == len(moves) >= 1
    for move in moves:
        firm = db.session.get(Enterprise, move.enterprise_id)
        assert firm.district_code == move.to_district != move.from_district
        assert last - 4 <= move.moved_on.year and move.moved_on < as_of
    seen = [(m, ladder_flows(range(m.moved_on.year, m.moved_on.year + 1), m.to_district)) for m in moves]
    assert any(flows[m.moved_on.year, stage].entered["moved_in"] for m, flows in seen for stage in STAGES)
    # Closed: nothing reported or granted from the day it closed.
    closed = db.session.scalars(select(Enterprise).where(Enterprise.closed_on.is_not(None))).all()
    assert summary["closed"] == len(closed) >= 1
    for firm in closed:
        assert all(r.year < firm.closed_on.year for r in firm.annual_reports)
        assert all(d.valid_from < firm.closed_on for d in firm.designations)
        assert firm.closed_on >= date(firm.founded_on.year + 1, 1, 1)
    # A JobRun per past day; flags raised and cleared on those days.
    runs = db.session.scalars(select(JobRun).where(JobRun.job == "eligibility").order_by(JobRun.id)).all()
    assert [r.as_of for r in runs] == days
    flags = db.session.scalars(select(Flag).where(Flag.rule == "hitech_candidate")).all()
    assert {f.raised_on for f in flags} == set(days)
    assert any(f.cleared_on in days for f in flags)
    # As the rules saw it then: a firm flagged on a past day whose certificate came later was not
    # yet known to hold it (the rules read a later certificate as a renewal already in hand).
    certificates = db.session.scalars(select(Designation).where(Designation.kind == "hitech")).all()
    converted = {f.id for f in flags for d in certificates
                 if d.enterprise_id == f.enterprise_id and f.raised_on < d.valid_from <= date(f.raised_on.year + 2, 12, 31)}
    assert len(converted) >= 5
    # The back-test's basis: certificates ending in past years, most of them renewed in that year.
    ending = Counter(d.valid_to.year for d in certificates if d.valid_to.year <= last)
    assert sum(1 for year in range(last - 4, last + 1) if ending[year] >= 10) >= 3
    renewed = sum(1 for d in certificates if last - 4 <= d.valid_to.year <= last and any(
        n.enterprise_id == d.enterprise_id and n.valid_from > d.valid_from and n.valid_from.year == d.valid_to.year
        for n in certificates))
    assert 0.65 <= renewed / sum(ending[year] for year in range(last - 4, last + 1)) <= 0.85


def test_demo_plans_give_the_forecast_targets_from_the_demos_own_baseline(app) -> None:
    """The next five years' plans (city and 开平市) are the demo's, set from its count at the end
    of last year, so the forecast compares against a target and names the shortfall's firms."""
    from crm.dashboard.forecast import build_forecast
    from crm.demo import add_demo_plans
    from crm.models import Plan, PlanTarget
    from tests.factories import UserFactory

    as_of = today()
    generate_demo_data(400, seed=21, evaluate_on=past_evaluation_days(as_of))
    plans = add_demo_plans(as_of)
    assert [(p.jurisdiction, p.first_year, p.last_year) for p in plans] == [
        ("city", as_of.year, as_of.year + 4), ("440783", as_of.year, as_of.year + 4)]
    assert add_demo_plans(as_of) == []  # once only
    baseline_day = date(as_of.year - 1, 12, 31)
    kaiping_hitech = sum(1 for d in db.session.scalars(select(Designation).where(Designation.kind == "hitech"))
                         if d.enterprise.district_code == "440783" and d.valid_from <= baseline_day
                         and (d.valid_to is None or d.valid_to >= baseline_day))
    target = db.session.scalar(select(PlanTarget).where(PlanTarget.plan == plans[1].code,
                                                        PlanTarget.code == "hitech_enterprises"))
    assert target.baseline_value == kaiping_hitech > 0
    assert target.targets == {str(as_of.year + 4): str(math.ceil(kaiping_hitech * 1.8))}
    assert db.session.scalar(select(func.count()).select_from(Plan)) >= 2
    page = build_forecast(UserFactory(role=Role.bureau), "440783", as_of)
    hitech = next(item for item in page.items if item.key == "hitech_count")
    assert hitech.target is not None and hitech.target_year == as_of.year
