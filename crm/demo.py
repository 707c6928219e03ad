"""A believable synthetic Jiangmen: firms, reports, the ladder, platforms, talent, users.

Deterministic for a seed (no global state): one random.Random draws the firms, a
second one, seeded from the same seed, draws the MIIT ladder (创新型 → 专精特新 →
小巨人 designations and the facts firms declare), and a third one the years before
(HISTORY_YEARS of reports and rungs: high-tech certificates issued, renewed or lapsed,
tech-SME registrations year after year, past gazelle and golden-seed lists) and the
firms that closed or moved to another district since; so each addition leaves every
value drawn before it as it was. Rows go in with Core bulk inserts in chunks, so 2,000
firms take seconds and 100,000 stay within bounded memory. Seeding is not a change
anyone made: nothing is audited (the district moves are written as rows of their own).

generate_demo_data(..., evaluate_on=days) also runs the eligibility rules as of past
days, each seeing only the designations granted by then, so the candidate flags of
past years are raised and cleared on real dates (conversion and the forecast's
back-test read them).

Hand-made showcase firms come first, so that a person trying the app finds every case
whatever the seed and size: the enterprise user's firm (a tech SME a little short of
high-tech recognition) and miit_showcases() (each rung of the MIIT ladder held, a
candidate for each, a firm short of 专精特新 by one undeclared fact, and a first-time
tech-SME applicant the county bureau must check on site).
"""
from __future__ import annotations

import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, or_, select

from crm.clock import today, utcnow
from crm.districts import DISTRICTS
from crm.enterprises.summary import refresh_latest_figures
from crm.extensions import db
from crm.models import (
    AnnualReport,
    Designation,
    DesignationKind,
    DistrictMove,
    Enterprise,
    FactDeclaration,
    HitechField,
    Honour,
    InnovationRound,
    Plan,
    PlanTarget,
    Platform,
    Role,
    SupportRecord,
    Talent,
    User,
)
from crm.models.designation import hitech_valid_to
from crm.models.enterprise import name_initials
from crm.uscc import make_uscc

CHUNK = 2000

# Rough shares of the city's technology firms (the plans' counts: Pengjiang and
# Jianghai/the high-tech zone lead, Enping trails).
DISTRICT_WEIGHTS = {
    "440703": 24, "440704": 22, "440705": 17, "440784": 12, "440783": 10, "440781": 9, "440785": 6,
}
TOWNS = {
    "440703": ["环市街道", "潮连街道", "白沙街道", "北街街道", "棠下镇", "荷塘镇", "杜阮镇"],
    "440704": ["江南街道", "外海街道", "礼乐街道", "高新区"],
    "440705": ["会城街道", "大泽镇", "司前镇", "罗坑镇", "双水镇", "崖门镇", "沙堆镇", "古井镇", "三江镇",
               "睦洲镇", "大鳌镇", "今古洲经济开发试验区"],
    "440781": ["台城街道", "大江镇", "水步镇", "四九镇", "白沙镇", "三合镇", "冲蒌镇", "斗山镇", "都斛镇",
               "赤溪镇", "端芬镇", "广海镇", "海宴镇", "汶村镇", "深井镇", "北陡镇", "川岛镇"],
    "440783": ["三埠街道", "长沙街道", "水口镇", "月山镇", "沙塘镇", "苍城镇", "龙胜镇", "大沙镇", "马冈镇",
               "塘口镇", "赤坎镇", "百合镇", "蚬冈镇", "金鸡镇", "赤水镇"],
    "440784": ["沙坪街道", "雅瑶镇", "古劳镇", "桃源镇", "共和镇", "址山镇", "鹤城镇", "宅梧镇", "双合镇", "龙口镇"],
    "440785": ["恩城街道", "横陂镇", "圣堂镇", "良西镇", "沙湖镇", "牛江镇", "君堂镇", "大田镇", "那吉镇",
               "大槐镇", "东成镇"],
}
TRADE_NAMES = (
    "恒达 宏业 华盛 金瑞 粤海 侨兴 新科 创源 鑫达 联创 远航 中裕 立信 佳美 德宝 永利 嘉宏 天健 康华 海德 "
    "伟业 精工 正和 顺昌 银洲 骏威 利华 明辉 东方 南方 星河 科达 信和 力拓 普瑞 盈科 锐博 凯达 安捷 同创 "
    "晨光 宝丰 广联 奥克 新宝 维达 弘基 卓越 博士 丰泽 汇通 龙腾 凯盛 华粤 大雁 五邑 侨乡 银湖 圭峰 潭江"
).split()
# (industry code, business words, high-tech field or None)
TRADES = [
    ("C38", ["电器", "电机", "照明科技"], HitechField.advanced_manufacturing),
    ("C39", ["电子科技", "智能科技", "光电科技"], HitechField.electronics),
    ("C33", ["五金制品", "金属科技", "不锈钢制品"], HitechField.new_materials),
    ("C34", ["机械", "智能装备", "精密机械"], HitechField.advanced_manufacturing),
    ("C35", ["装备制造", "自动化设备"], HitechField.advanced_manufacturing),
    ("C36", ["汽车配件", "摩托车配件"], HitechField.advanced_manufacturing),
    ("C26", ["化工", "新材料", "涂料"], HitechField.new_materials),
    ("C27", ["生物科技", "制药", "医疗器械"], HitechField.biomedicine),
    ("C29", ["塑料制品", "高分子材料"], HitechField.new_materials),
    ("C14", ["食品", "调味品"], None),
    ("C21", ["家具", "家居用品"], None),
    ("C30", ["水暖卫浴", "陶瓷"], HitechField.new_materials),
    ("I65", ["软件", "信息技术", "网络科技"], HitechField.electronics),
    ("M75", ["环保科技", "节能科技"], HitechField.environment),
    ("C40", ["仪器仪表", "检测技术"], HitechField.advanced_manufacturing),
]
TRADE_WEIGHTS = [14, 12, 10, 10, 6, 7, 7, 5, 6, 5, 5, 5, 4, 2, 2]
SUFFIXES = ["有限公司"] * 9 + ["股份有限公司"]
TRADE_CHARS = "华金宏恒鑫德嘉瑞盛源泰丰达利康新永安明力正伟昌隆兴和通福汇辉豪骏锦荣富信美健科创佳立亿聚凯博顺"
PLATFORM_KINDS = [
    ("engineering_center", 40, "工程技术研究中心"), ("enterprise_tech_center", 20, "企业技术中心"),
    ("key_lab", 6, "重点实验室"), ("new_rd_institution", 4, "新型研发机构"),
    ("tech_innovation_center", 3, "技术创新中心"), ("postdoc_station", 5, "博士后创新实践基地"),
    ("academician_workstation", 3, "院士工作站"), ("incubator", 4, "科技企业孵化器"),
    ("maker_space", 5, "众创空间"), ("star_space", 2, "星创天地"), ("accelerator", 1, "加速器"),
]
PROGRAMMES = ["pearl_river", "qiaodu", "bay_area", "national_ten_thousand", "national_thousand", "academician_workstation"]
ORG_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"

# The MIIT ladder. Jiangmen had about 1,000 创新型, 427 专精特新 and 24 小巨人 at the end of
# 2023 beside some 2,300 high-tech firms (DOMAIN.md); per valid high-tech certificate of the
# demo that is about 0.43 创新型, 0.19 专精特新 and 0.01 小巨人 (at 2,000 firms: some 115, 50
# and 3). 专精特新 firms came up through 创新型 and 小巨人 through 专精特新, so a firm holds
# every rung below its highest; all three run three years (工信部企业〔2022〕63号).
MIIT_AUTHORITY = {"innovative_sme": "广东省工业和信息化厅", "srdi_sme": "广东省工业和信息化厅",
                  "little_giant": "工业和信息化部"}
# Chance of a firm without a higher rung to hold 创新型, by tier; high-tech firms big enough for
# 专精特新 (revenue ≥ 1,000万, R&D ≥ 100万) hold it with the first chance, 创新型 with the second.
INNOVATIVE_CHANCE = {"plain": 0.0, "sme": 0.03, "hitech": 0.08, "star": 0.3}
SRDI_CHANCE = (0.2, 0.1)
# Verified and submitted (not yet verified) declarations: most firms on the ladder have declared
# their facts; a few others have, to raise their 创新型 score, some still waiting for the officer.
DECLARED_ON_LADDER = (0.8, 0.1)
DECLARED_OFF_LADDER = (0.03, 0.015)
# Leading products by industry code (TRADES), as a firm names them in its declaration.
PRODUCTS = {
    "C38": ["高效节能电机", "LED智能照明模组", "智能厨房小家电"],
    "C39": ["高频覆铜板", "智能传感模组", "LED驱动电源"],
    "C33": ["不锈钢厨具", "精密五金件", "建筑铝合金型材"],
    "C34": ["数控机床", "精密减速器", "智能包装机械"],
    "C35": ["自动化装配生产线", "食品加工专用装备"],
    "C36": ["汽车线束总成", "摩托车发动机零部件", "新能源汽车电机壳体"],
    "C26": ["水性工业涂料", "电子化学品", "改性树脂"],
    "C27": ["中成药制剂", "体外诊断试剂", "医用敷料"],
    "C29": ["改性工程塑料", "高分子功能膜"],
    "C14": ["酿造酱油", "蚝油", "新会陈皮制品"],
    "C21": ["实木定制家具", "智能家居产品"],
    "C30": ["智能坐便器", "节水龙头", "建筑陶瓷"],
    "I65": ["工业互联网平台", "企业管理软件", "智慧水务系统"],
    "M75": ["污水处理设备", "工业余热回收系统"],
    "C40": ["智能水表", "环境监测仪器"],
}
# Field of the leading product (专精特新's 专业化 indicator) by the rung the firm stands on.
PRODUCT_FIELD_WEIGHTS = {
    "little_giant": {"strategic_gap": 45, "six_basics": 25, "chain_supplier": 25, "other": 5},
    "srdi_sme": {"strategic_gap": 30, "six_basics": 25, "chain_supplier": 25, "other": 20},
    "innovative_sme": {"strategic_gap": 10, "six_basics": 15, "chain_supplier": 20, "other": 55},
    "none": {"strategic_gap": 5, "six_basics": 10, "chain_supplier": 20, "other": 65},
}

# The years before (DemoWorld.history, its own generator). Yearly lists go back HISTORY_YEARS
# counting this one; three-year certificates and incubation three years more, so that the
# stock on 1 January of the first of those years is whole; annual reports REPORT_YEARS
# fiscal years (what an evaluation as of 1 July five years ago reads). Jiangmen renews about three high-tech certificates in four
# in their expiry year; RENEWAL is that share, and the other chances are tuned so that
# every past year's rate lands near it (tests/test_demo.py checks 0.65-0.85).
HISTORY_YEARS = 10
REPORT_YEARS = 9
RENEWAL = 0.78
# A high-tech firm's certificate before the first drawn one was itself renewed into it
# with this chance; otherwise, with the second, it had held one before and let it lapse.
EARLIER_CERTIFICATE = (0.7, 0.45)
# A firm whose certificate lapsed comes back one or two years later.
RETURNS_AFTER_LAPSE = 0.3
# A tech SME of today that was a high-tech firm some years ago (and let it lapse).
FORMER_HITECH = 0.12
# 科技型中小企业评价 began in 2017 (国科发政〔2017〕115号): no registration is older.
TECH_SME_SINCE = 2017
# Past gazelle lists for the top tier: listed again (the first) or newly (the second).
GAZELLE_LISTED = (0.6, 0.25)
# Since the start of the window of the last five years: firms closed (注销) and firms that
# moved to another district, per tier; the top tier neither closes nor moves.
CLOSED = {"plain": 0.01, "sme": 0.015, "hitech": 0.02, "star": 0.0}
MOVED = {"plain": 0.004, "sme": 0.015, "hitech": 0.02, "star": 0.0}

DEMO_USERS = [
    # username, password, role, district, display name
    ("admin", "admin-pass-123", "admin", None, "系统管理员"),
    ("bureau", "bureau-pass-123", "bureau", None, "市科技局 李科长"),
    ("kaiping", "officer-pass-123", "officer", "440783", "开平市科技局 陈科员"),
    ("pengjiang", "officer-pass-123", "officer", "440703", "蓬江区科技局 黄科员"),
]
FIRM_USER = ("firm", "firm-pass-123", "开平市侨兴智能装备有限公司 填报人")


PLACE_PREFIXES = sorted({"江门市", "江门", *DISTRICTS.values(), *(f"江门市{n}" for n in DISTRICTS.values())},
                        key=len, reverse=True)


def firm_core_name(firm_name: str) -> str:
    """A firm's name without its place and legal form (江门市蓬江区银洲涂料股份有限公司 → 银洲涂料),
    as platform names carry it (广东省银洲涂料工程技术研究中心)."""
    core = firm_name.replace("股份有限公司", "").replace("有限公司", "")
    for place in PLACE_PREFIXES:
        if core.startswith(place):
            return core[len(place):]
    return core


@dataclass
class Batch:
    """Rows of one chunk, waiting for their firm ids."""

    firms: list[dict[str, Any]] = field(default_factory=list)
    # Per firm (same order): lists of rows without enterprise_id.
    reports: list[list[dict[str, Any]]] = field(default_factory=list)
    designations: list[list[dict[str, Any]]] = field(default_factory=list)
    platforms: list[list[dict[str, Any]]] = field(default_factory=list)
    talents: list[list[dict[str, Any]]] = field(default_factory=list)
    support: list[list[dict[str, Any]]] = field(default_factory=list)
    honours: list[list[dict[str, Any]]] = field(default_factory=list)
    declarations: list[list[dict[str, Any]]] = field(default_factory=list)
    moves: list[list[dict[str, Any]]] = field(default_factory=list)


def money(value: float) -> Decimal:
    # "%.2f" rounds the float correctly, as round() does, in one step.
    return Decimal("%.2f" % max(value, 0.0))


class DemoWorld:
    """Draws firms one at a time from a seeded generator."""

    def __init__(self, seed: int, last_year: int, as_of: date | None = None) -> None:
        self.rng = random.Random(seed)
        # The MIIT ladder draws from its own generator: its draws leave the firms as seeded.
        self.miit_rng = random.Random(f"miit-ladder/{seed}")
        # And the years before, closures and moves from a third.
        self.history_rng = random.Random(f"ladder-history/{seed}")
        self.history_serial = 500_000  # certificate numbers of its own, apart from cert_serial's
        # Rows kept back for past evaluations (generate_demo_data's evaluate_on), if any.
        self.pending: Pending | None = None
        self.last_year = last_year
        # The day the demo is made for: declarations waiting for an officer are a few weeks old.
        self.as_of = as_of or date(last_year + 1, 1, 1)
        self.names: set[str] = set()
        self.serial = self.rng.randrange(0, 31**5)
        self.cert_serial = 1000
        self.districts = list(DISTRICT_WEIGHTS)
        self.district_weights = list(DISTRICT_WEIGHTS.values())

    # -- identity -------------------------------------------------------------------------

    def uscc(self, district: str) -> str:
        self.serial += 1
        n, chars = self.serial, []
        for _ in range(7):
            n, digit = divmod(n, len(ORG_ALPHABET))
            chars.append(ORG_ALPHABET[digit])
        return make_uscc(f"91{district}MA{''.join(reversed(chars))}")

    def name(self, district: str, words: list[str]) -> str:
        # 江门市蓬江区…, 开平市…: the registering county's name, or just the city's.
        local = DISTRICTS[district] if district > "440780" else f"江门市{DISTRICTS[district]}"
        place = self.rng.choice(["江门市", "江门", local])
        for attempt in range(60):
            # The common trade names first; once they are taken, two-character ones
            # drawn from auspicious characters (100,000 firms need ~a million names).
            trade = self.rng.choice(TRADE_NAMES) if attempt < 4 else self.trade_name()
            stem = f"{place}{trade}{self.rng.choice(words)}"
            candidate = f"{stem}{self.rng.choice(SUFFIXES)}"
            if candidate not in self.names:
                self.names.add(candidate)
                return candidate
        candidate = f"{place}{self.trade_name()}{len(self.names)}号{self.rng.choice(words)}有限公司"
        self.names.add(candidate)
        return candidate

    def trade_name(self) -> str:
        first, second = self.rng.sample(TRADE_CHARS, 2)
        return first + second

    # -- one firm -------------------------------------------------------------------------

    def firm(self, batch: Batch) -> None:
        rng, last = self.rng, self.last_year
        district = rng.choices(self.districts, self.district_weights)[0]
        industry, words, hitech_field = rng.choices(TRADES, TRADE_WEIGHTS)[0]
        founded = date(last, 6, 30) - timedelta(days=int(rng.triangular(60, 11000, 60)))
        # Tier decides R&D intensity and how far up the ladder the firm is.
        tier = rng.choices(["plain", "sme", "hitech", "star"], [50, 30, 16, 4])[0]
        if last - founded.year < 2 and tier in ("hitech", "star"):
            tier = "sme"
        revenue = math.exp(rng.gauss(7.2 if tier in ("hitech", "star") else 6.4, 1.1)) * (3 if tier == "star" else 1)
        revenue = min(max(revenue, 30.0), 400_000.0)
        rd_share = {"plain": (0.003, 0.025), "sme": (0.02, 0.06), "hitech": (0.035, 0.08), "star": (0.04, 0.09)}[tier]
        manufacturing = industry.startswith("C")
        batch.firms.append(
            {
                "uscc": (code := self.uscc(district)),
                "name": (name := self.name(district, words)),
                "name_initials": name_initials(name),
                "district_code": district,
                "district_overridden": False,
                "town": rng.choice(TOWNS[district]),
                "founded_on": founded,
                "industry_code": industry,
                "hitech_field": hitech_field.value if hitech_field and tier != "plain" else None,
                "above_size": manufacturing and revenue >= 2000,
                "address": f"广东省江门市{DISTRICTS[district]}{rng.choice(TOWNS[district])}{rng.randint(1, 388)}号",
                "contact_person": rng.choice("陈李黄梁张林吴何冯谭余") + rng.choice(["先生", "女士", "经理", "工"]),
                "contact_phone": f"0750-{rng.randint(3000000, 8999999)}",
                "created_at": utcnow(),
                "updated_at": utcnow(),
                "version_id": 1,
            }
        )
        batch.reports.append(self.reports(founded, revenue, rd_share, tier))
        batch.designations.append(self.designations(founded, tier, district, revenue, code))
        batch.platforms.append(self.platforms(name, tier))
        batch.talents.append(self.talents(tier))
        batch.support.append(self.support(tier))
        batch.honours.append(self.honours(tier))
        # Last, from its own generator: the MIIT rungs and the facts the firm declared.
        rung = self.miit_rungs(tier, founded, batch.reports[-1], batch.designations[-1])
        batch.declarations.append(self.declarations(rung, tier, founded, industry, hitech_field, batch.reports[-1]))
        # Then, from a third generator, the years before and what happened to the firm since.
        self.history(batch, tier, founded, district, rd_share)

    def reports(self, founded: date, revenue: float, rd_share: tuple[float, float], tier: str) -> list[dict]:
        rng, last = self.rng, self.last_year
        first = max(founded.year + 1, last - rng.randint(2, 4))
        rows: list[dict] = []
        staff = max(5, int(revenue / rng.uniform(35, 110)))
        tech_share = rng.uniform(*{"plain": (0.04, 0.15), "sme": (0.1, 0.3), "hitech": (0.12, 0.35), "star": (0.15, 0.4)}[tier])
        ip1, ip2 = (rng.randint(0, 3), rng.randint(0, 8)) if tier == "plain" else (rng.randint(1, 12), rng.randint(3, 40))
        hitech_share = rng.uniform(0.62, 0.92) if tier in ("hitech", "star") else rng.uniform(0.0, 0.5)
        # Walk back from the latest year with a growth rate per year.
        figures = []
        value = revenue
        for year in range(last, first - 1, -1):
            figures.append((year, value))
            value = value / (1 + rng.uniform(-0.1, 0.4 if tier != "plain" else 0.2))
        for year, sales in reversed(figures):
            rd = sales * rng.uniform(*rd_share)
            employees = max(5, int(staff * sales / revenue))
            tech = min(employees, int(employees * tech_share) + 1)
            assets = sales * rng.uniform(0.6, 1.6)
            rows.append(
                {
                    "year": year,
                    "status": "verified",
                    "revenue": money(sales),
                    "total_revenue": money(sales * rng.uniform(1.0, 1.08)),
                    "rd_expense": money(rd),
                    "rd_expense_domestic": money(rd * rng.uniform(0.85, 1.0)),
                    "hitech_revenue": money(sales * hitech_share),
                    "total_assets": money(assets),
                    "net_assets": (net := money(assets * rng.uniform(0.3, 0.7))),
                    "total_liabilities": money(assets) - net,
                    "main_revenue": money(sales * (0.5 + hitech_share / 2)),
                    "net_profit": money(sales * rng.uniform(0.01, 0.12)) if rng.random() > 0.1 else -money(sales * 0.02),
                    "total_costs": money(sales * rng.uniform(0.82, 0.97)),
                    "employees": employees,
                    "tech_staff": tech,
                    "rd_staff": max(0, int(tech * rng.uniform(0.5, 0.9))),
                    "ip_class1": ip1,
                    "ip_class2": ip2,
                    "submitted_at": utcnow() if year == last else None,
                    "created_at": utcnow(),
                    "updated_at": utcnow(),
                    "version_id": 1,
                }
            )
            ip1, ip2 = ip1 + rng.randint(0, 2), ip2 + rng.randint(0, 4)
        if rows and rows[-1]["year"] == last:
            # The latest year is still being worked: some submitted, some drafts, some missing.
            state = rng.choices(["verified", "submitted", "draft", "returned", "missing"], [68, 14, 5, 3, 10])[0]
            if state == "missing":
                rows.pop()
            else:
                rows[-1]["status"] = state
                if state == "returned":
                    rows[-1]["return_reason"] = "研发费用明细与专项审计报告不一致，请核对后重新提交。"
                if state == "draft":
                    rows[-1]["submitted_at"] = None
        return rows

    def designations(self, founded: date, tier: str, district: str, revenue: float, code: str) -> list[dict]:
        rng, last = self.rng, self.last_year
        this_year = last + 1  # yearly lists in force now are this year's
        rows: list[dict] = []

        def add(kind: str, start: date, end: date | None, number: str | None = None, authority: str | None = None) -> None:
            rows.append(
                {
                    "kind": kind, "valid_from": start, "valid_to": end, "certificate_no": number,
                    "authority": authority, "source": "demo", "created_at": utcnow(), "updated_at": utcnow(),
                }
            )

        if founded.year >= last - 4 and rng.random() < 0.7:
            # Most young firms start in one of the city's incubators, for about three years
            # (the day they entered is derived, not drawn, so the rest of the world stays as seeded).
            entered = founded + timedelta(days=founded.toordinal() % 181)
            add("incubated", entered, entered + timedelta(days=3 * 365), None, "江门市科学技术局")
        if tier != "plain" and rng.random() < 0.85:
            for year in range(max(last - 2, founded.year + 1), last + 2):
                if rng.random() < 0.85:
                    self.cert_serial += 1
                    start = date(year, rng.randint(4, 9), rng.randint(1, 28))
                    add("tech_sme", start, date(year, 12, 31), f"{year}{district}A{self.cert_serial:07d}", "广东省科学技术厅")
        elif tier == "plain" and rng.random() < 0.12:
            add("tech_micro", date(this_year, 1, 10), date(this_year, 12, 31), None, "江门市科学技术局")
        if tier in ("hitech", "star"):
            issue_year = rng.randint(max(founded.year + 1, last - 5), last)
            while issue_year <= last:
                self.cert_serial += 1
                # Most batches are gazetted in November/December; supplementary ones fall
                # through the year, so some certificates end within six months at any date.
                month = rng.choice([11, 11, 12, 12, 12, 10]) if rng.random() < 0.75 else rng.randint(1, 9)
                issued = date(issue_year, month, rng.randint(1, 28))
                add("hitech", issued, hitech_valid_to(issued), f"GR{issue_year}44{self.cert_serial:06d}", "广东省科学技术厅 广东省财政厅 国家税务总局广东省税务局")
                # Most firms re-apply when the certificate ends; a few let it lapse.
                if rng.random() > 0.8:
                    break
                issue_year += 3
        elif tier == "sme" and rng.random() < 0.25:
            add("hitech_reserve", date(this_year, 1, 10), date(this_year, 12, 31), None, "江门市科学技术局")
        if tier == "star":
            pick = rng.random()
            if pick < 0.45:
                add("gazelle", date(this_year, 1, 10), date(this_year, 12, 31), None, "江门市科学技术局")
            elif pick < 0.7:
                add("srdi_sme", date(last, 9, 1), date(last + 3, 8, 31), None, "广东省工业和信息化厅")
            elif pick < 0.775:
                add("little_giant", date(last, 7, 15), date(last + 3, 7, 14), None, "工业和信息化部")
            elif pick < 0.85:
                # Half as many 小巨人 as this band once gave: Jiangmen has 24 beside 427 专精特新.
                add("srdi_sme", date(last, 9, 1), date(last + 3, 8, 31), None, "广东省工业和信息化厅")
            elif pick < 0.95:
                add("golden_seed", date(this_year, 1, 10), date(this_year + 1, 1, 9), None, "江门市科学技术局")
            else:
                add("listed", date(last - rng.randint(1, 6), 6, 18), None, f"{rng.choice(['SZ', 'SH', 'BJ'])}{rng.randint(300000, 839999)}", "中国证监会")
        if tier == "sme" and rng.random() < 0.05:
            add("eaglet", date(this_year, 1, 10), date(this_year, 12, 31), None, "江门市科学技术局")
        return rows

    # -- the MIIT ladder (self.miit_rng only) ------------------------------------------------

    def miit_rungs(self, tier: str, founded: date, reports: list[dict], held: list[dict]) -> str | None:
        """Add the MIIT designations the firm holds to ``held``; returns its highest rung or None.

        A 小巨人 or 专精特新 drawn with the firm's other designations gets the rungs below it;
        other firms of the upper tiers stand on 创新型 or 专精特新 by chance, 专精特新 only when
        big enough for it. Every designation is valid today: issued last year or the year before.
        """
        m, last = self.miit_rng, self.last_year
        kinds = {row["kind"] for row in held}

        def day(year: int, first_month: int, last_month: int) -> date:
            return date(year, m.randint(first_month, last_month), m.randint(1, 28))

        if "little_giant" in kinds:
            held.extend([miit_designation("innovative_sme", day(last - 1, 2, 5)),
                         miit_designation("srdi_sme", day(last - 1, 8, 12))])
            return "little_giant"
        if "srdi_sme" in kinds:
            held.append(miit_designation("innovative_sme", day(last - 1, 3, 12)))
            return "srdi_sme"
        latest = reports[-1] if reports else None
        if latest is None or founded.year > last - 2:
            return None
        draw = m.random()
        big = latest["revenue"] >= 1000 and latest["rd_expense"] >= 100
        if tier == "hitech" and big and draw < SRDI_CHANCE[0]:
            held.extend([miit_designation("innovative_sme", day(last - 1, 3, 12)),
                         miit_designation("srdi_sme", day(last, 7, 12))])
            return "srdi_sme"
        chance = SRDI_CHANCE[0] + SRDI_CHANCE[1] if tier == "hitech" and big else INNOVATIVE_CHANCE[tier]
        if draw < chance:
            held.append(miit_designation("innovative_sme", day(m.choice([last - 1, last]), 3, 12)))
            return "innovative_sme"
        return None

    def declarations(self, rung: str | None, tier: str, founded: date, industry: str,
                     hitech_field: HitechField | None, reports: list[dict]) -> list[dict]:
        """The firm's declaration of the facts no figure gives: verified for most firms on the
        MIIT ladder, now and then for another firm; some submitted and waiting for the officer."""
        m, last = self.miit_rng, self.last_year
        if rung is not None:
            verified, submitted = DECLARED_ON_LADDER
        elif tier != "plain" and founded.year < last:
            verified, submitted = DECLARED_OFF_LADDER
        else:
            return []
        draw = m.random()
        if draw >= verified + submitted:
            return []
        # How long in its niche and how good its facts are follow the rung it stands on.
        niche_years = {"little_giant": (6, 16), "srdi_sme": (3, 12), "innovative_sme": (1, 10)}.get(rung or "", (0, 8))
        level = rung or "none"
        product_field = m.choices(list(PRODUCT_FIELD_WEIGHTS[level]), list(PRODUCT_FIELD_WEIGHTS[level].values()))[0]
        if industry == "C14" and m.random() < 0.3:
            product_field = "time_honoured"  # 中华老字号: Jiangmen's soy sauce and 新会陈皮 makers
        good = {"little_giant": 0.9, "srdi_sme": 0.7, "innovative_sme": 0.5}.get(rung or "", 0.35)
        ip_class1 = reports[-1]["ip_class1"] if reports else 0
        facts = {
            "niche_since": max(founded.year, last - m.randint(*niche_years)),
            "leading_product": m.choice(PRODUCTS[industry]),
            "product_field": product_field,
            "digital_level": m.choices([1, 2, 3], [1 - good, 1, good * 1.5])[0],
            "quality_award": m.random() < good / 3,
            "quality_certified": m.random() < 0.5 + good / 2,
            "own_brand": m.random() < 0.3 + good * 0.65,
            "standards": m.random() < good * 0.6,
            # Traditional trades (food, furniture) are not strategic emerging industries.
            "strategic_emerging": hitech_field is not None and m.random() < 0.75,
            "ip_grade": m.choices(["high_value", "own", "plain"], [20, 60, 20])[0] if ip_class1 else None,
        }
        if draw < verified:
            declared_on = date(last, m.randint(1, 11), m.randint(1, 28))
            handed_in = datetime.combine(declared_on, time(1, 30)) + timedelta(hours=m.randint(0, 8))
            return [declaration_row(declared_on, "verified", handed_in, handed_in + timedelta(days=m.randint(2, 25)),
                                    **facts)]
        declared_on = self.as_of - timedelta(days=m.randint(3, 40))
        handed_in = datetime.combine(declared_on, time(1, 30)) + timedelta(hours=m.randint(0, 8))
        return [declaration_row(declared_on, "submitted", handed_in, None, **facts)]

    def platforms(self, firm_name: str, tier: str) -> list[dict]:
        rng = self.rng
        chance = {"plain": 0.03, "sme": 0.12, "hitech": 0.4, "star": 0.8}[tier]
        rows = []
        while rng.random() < chance and len(rows) < 3:
            kind, _w, label = rng.choices(PLATFORM_KINDS, [k[1] for k in PLATFORM_KINDS])[0]
            level = rng.choices(["municipal", "provincial", "national"], [68, 28, 4])[0]
            prefix = {"municipal": "江门市", "provincial": "广东省", "national": "国家"}[level]
            core = firm_core_name(firm_name)
            rows.append(
                {
                    "kind": kind, "level": level, "name": f"{prefix}{core}{label}",
                    "recognized_on": date(self.last_year - rng.randint(0, 8), rng.randint(1, 12), 1),
                    "valid_to": None, "created_at": utcnow(), "updated_at": utcnow(),
                }
            )
            chance /= 3
        return rows

    def talents(self, tier: str) -> list[dict]:
        rng = self.rng
        rows = []
        if tier in ("hitech", "star") and rng.random() < (0.18 if tier == "hitech" else 0.45):
            rows.append(
                {
                    "category": "innovation_team", "is_team": True, "high_end": True,
                    "name": f"{rng.choice(['智能制造', '新材料', '精密装备', '生物医药', '新能源'])}创新创业团队",
                    "programme": rng.choice(PROGRAMMES[:4]), "year": self.last_year - rng.randint(0, 5),
                }
            )
        if tier != "plain" and rng.random() < 0.15:
            rows.append(
                {
                    "category": rng.choice(["doctor", "high_level"]), "is_team": False, "high_end": False,
                    "name": f"{rng.choice('陈李黄梁张林吴何')}{rng.choice(['博士', '教授', '高级工程师'])}",
                    "programme": rng.choice(PROGRAMMES), "year": self.last_year - rng.randint(0, 5),
                }
            )
        for row in rows:
            row.update(created_at=utcnow(), updated_at=utcnow())
        return rows

    def support(self, tier: str) -> list[dict]:
        rng = self.rng
        if tier == "plain" or rng.random() > 0.3:
            return []
        kind, programme, amount = rng.choice(
            [("subsidy", "研发费用后补助", rng.uniform(5, 80)), ("subsidy", "高新技术企业认定奖励", 20),
             ("loan", "科技信贷风险补偿", rng.uniform(100, 1000)), ("voucher", "科技创新券", rng.uniform(2, 20))]
        )
        return [{"kind": kind, "programme": programme, "amount": money(amount),
                 "granted_on": date(self.last_year, rng.randint(1, 12), rng.randint(1, 28)),
                 "created_at": utcnow(), "updated_at": utcnow()}]

    def honours(self, tier: str) -> list[dict]:
        rng = self.rng
        if tier not in ("hitech", "star") or rng.random() > 0.08:
            return []
        kind, title = rng.choice(
            [("provincial_science_award", "广东省科学技术奖"), ("led_industry_standard", "主导制定行业标准"),
             ("led_national_standard", "主导制定国家标准")]
        )
        return [{"kind": kind, "title": title, "year": self.last_year - rng.randint(0, 3),
                 "created_at": utcnow(), "updated_at": utcnow()}]

    # -- the years before, closures and moves (self.history_rng only) ------------------------

    def history(self, batch: Batch, tier: str, founded: date, district: str, rd_share: tuple[float, float]) -> None:
        """Add the last firm's earlier reports and rungs, and its closure or its move."""
        firm, reports, held = batch.firms[-1], batch.reports[-1], batch.designations[-1]
        self.earlier_reports(reports, founded, tier, rd_share)
        self.earlier_rungs(held, tier, founded, district)
        h, tier_closes, tier_moves = self.history_rng, CLOSED[tier], MOVED[tier]
        draw = h.random()
        # Closed or moved in the last five years, at least a year after it was founded.
        since = max(date(self.last_year - 4, 1, 1), founded + timedelta(days=366))
        moves: list[dict[str, Any]] = []
        if founded.year < self.last_year - 1 and draw < tier_closes:
            closed = self.day_since(since)
            firm["closed_on"] = closed
            _close(batch, closed)
        elif founded.year < self.last_year - 1 and draw < tier_closes + tier_moves:
            moves.append(self.move(firm, held, district, self.day_since(since)))
        batch.moves.append(moves)

    def day_since(self, first: date) -> date:
        """A day from ``first`` to a month before the demo's day."""
        span = (self.as_of - timedelta(days=30) - first).days
        return first + timedelta(days=self.history_rng.randint(0, max(span, 0)))

    def earlier_reports(self, rows: list[dict], founded: date, tier: str, rd_share: tuple[float, float]) -> None:
        """Verified reports for the fiscal years before the first drawn one, back REPORT_YEARS years,
        walking the figures back as reports() walks them (the past evaluations read them)."""
        if not rows:
            return
        h, oldest = self.history_rng, rows[0]
        sales = float(oldest["revenue"]) or 30.0
        staff = oldest["employees"]
        tech_share = oldest["tech_staff"] / staff
        hitech_share = float(oldest["hitech_revenue"]) / sales
        ip1, ip2 = oldest["ip_class1"], oldest["ip_class2"]
        earlier = []
        for year in range(oldest["year"] - 1, max(founded.year + 1, self.last_year - REPORT_YEARS + 1) - 1, -1):
            shrink = 1 + h.uniform(-0.1, 0.4 if tier != "plain" else 0.2)
            sales, staff = sales / shrink, max(5, int(staff / shrink ** 0.5))
            ip1, ip2 = max(0, ip1 - h.randint(0, 2)), max(0, ip2 - h.randint(0, 4))
            rd = sales * h.uniform(*rd_share)
            tech = min(staff, int(staff * tech_share) + 1)
            assets = sales * h.uniform(0.6, 1.6)
            net = money(assets * h.uniform(0.3, 0.7))
            earlier.append({
                "year": year, "status": "verified", "revenue": money(sales),
                "total_revenue": money(sales * h.uniform(1.0, 1.08)), "rd_expense": money(rd),
                "rd_expense_domestic": money(rd * h.uniform(0.85, 1.0)), "hitech_revenue": money(sales * hitech_share),
                "total_assets": money(assets), "net_assets": net, "total_liabilities": money(assets) - net,
                "main_revenue": money(sales * (0.5 + hitech_share / 2)),
                "net_profit": money(sales * h.uniform(0.01, 0.12)) if h.random() > 0.1 else -money(sales * 0.02),
                "total_costs": money(sales * h.uniform(0.82, 0.97)), "employees": staff, "tech_staff": tech,
                "rd_staff": max(0, int(tech * h.uniform(0.5, 0.9))), "ip_class1": ip1, "ip_class2": ip2,
                "submitted_at": None, "created_at": utcnow(), "updated_at": utcnow(), "version_id": 1,
            })
        rows[:0] = reversed(earlier)

    def hitech_certificate(self, year: int) -> dict[str, Any] | None:
        """A certificate issued in ``year`` on a day drawn as designations() draws it; None when that
        day is after the demo's day (this year's batch not gazetted yet)."""
        h = self.history_rng
        month = h.choice([11, 11, 12, 12, 12, 10]) if h.random() < 0.75 else h.randint(1, 9)
        issued = date(year, month, h.randint(1, 28))
        self.history_serial += 1
        if issued > self.as_of:
            return None
        return _hitech(issued, self.history_serial % 1_000_000)

    def earlier_rungs(self, held: list[dict], tier: str, founded: date, district: str) -> None:
        """Add to ``held`` the rungs of the years before: incubation of older firms, tech-SME
        registrations since the firm first registered (and of firms that dropped out), high-tech
        certificates before the drawn ones (renewed into them, or lapsed and returned), this
        year's renewals granted by now, former high-tech firms, past gazelle and golden-seed lists."""
        h, last = self.history_rng, self.last_year
        this_year = last + 1
        earliest = this_year - HISTORY_YEARS + 1  # of the yearly lists
        opened = max(founded.year + 1, earliest - 3)  # of three-year terms
        kinds = {row["kind"] for row in held}
        added: list[dict[str, Any]] = []
        if earliest - 3 <= founded.year < last - 4 and "incubated" not in kinds and h.random() < 0.55:
            entered = founded + timedelta(days=founded.toordinal() % 181)  # as designations() derives it
            added.append(_listed("incubated", entered, entered + timedelta(days=3 * 365), None, "江门市科学技术局"))
        # Tech-SME registrations: a registered firm first registered some years before the drawn
        # ones and most years since; a few others registered for a year or three and dropped out.
        registered = sorted(row["valid_from"].year for row in held if row["kind"] == "tech_sme")
        since = max(founded.year + 1, earliest, TECH_SME_SINCE)
        if registered:
            first = max(since, registered[0] - 1 - int(h.expovariate(1 / 2.5)))
            years = [year for year in range(first, registered[0]) if h.random() < 0.85]
        elif since <= last and h.random() < (0.05 if tier == "plain" else 0.4):
            end = h.randint(since, last)
            years = list(range(max(since, end - h.randint(0, 2)), end + 1))
        else:
            years = []
        for year in years:
            self.history_serial += 1
            added.append(_listed("tech_sme", date(year, h.randint(4, 9), h.randint(1, 28)), date(year, 12, 31),
                                 f"{year}{district}A{self.history_serial % 10_000_000:07d}", "广东省科学技术厅"))
        certificates = sorted((row for row in held if row["kind"] == "hitech"), key=lambda row: row["valid_from"])
        if certificates:
            year = certificates[0]["valid_from"].year - 3
            # Renewed into the first drawn certificate, and so on back; or held one and let it lapse.
            while year >= opened and h.random() < EARLIER_CERTIFICATE[0]:
                added.append(self.hitech_certificate(year))  # type: ignore[arg-type]  # a past year
                year -= 3
            gap = h.randint(1, 2)
            if year - gap >= opened and h.random() < EARLIER_CERTIFICATE[1]:
                added.append(self.hitech_certificate(year - gap))  # type: ignore[arg-type]
            latest = certificates[-1]["valid_to"].year
            renewal = None
            if latest == this_year and h.random() < RENEWAL:
                renewal = self.hitech_certificate(this_year)
            elif latest <= last and h.random() < RETURNS_AFTER_LAPSE:
                renewal = self.hitech_certificate(min(this_year, latest + h.randint(1, 2)))
            if renewal is not None:
                added.append(renewal)
        elif tier == "sme" and opened <= last - 5 and h.random() < FORMER_HITECH:
            # The year it lapsed, then the certificates before it, each renewed from the one before
            # with an even chance.
            year = h.randint(opened + 3, last) - 3
            added.append(self.hitech_certificate(year))  # type: ignore[arg-type]
            while year - 3 >= opened and h.random() < 0.5:
                year -= 3
                added.append(self.hitech_certificate(year))  # type: ignore[arg-type]
        if tier == "star":
            hitech = certificates + [row for row in added if row["kind"] == "hitech"]
            listed = False
            for year in range(max(founded.year + 1, earliest), this_year):
                start = date(year, 1, 10)
                if not any(row["valid_from"] <= start <= row["valid_to"] for row in hitech):
                    listed = False
                    continue
                listed = h.random() < GAZELLE_LISTED[0 if listed else 1]
                if listed:
                    added.append(_listed("gazelle", start, date(year, 12, 31), None, "江门市科学技术局"))
                elif h.random() < 0.1:
                    added.append(_listed("golden_seed", start, date(year + 1, 1, 9), None, "江门市科学技术局"))
        held.extend(added)

    def move(self, firm: dict[str, Any], held: list[dict], district: str, moved_on: date) -> dict[str, Any]:
        """Move the firm to another district on ``moved_on``: it is there now (its
        code still names the old one, so the district is set against it), its later tech-SME
        registrations carry the new district's number; returns the DistrictMove row."""
        h = self.history_rng
        others = [code for code in self.districts if code != district]
        to = h.choices(others, [DISTRICT_WEIGHTS[code] for code in others])[0]
        town = h.choice(TOWNS[to])
        firm.update(district_code=to, district_overridden=True, town=town,
                    address=f"广东省江门市{DISTRICTS[to]}{town}{h.randint(1, 388)}号")
        for row in held:
            if row["kind"] == "tech_sme" and row["valid_from"] >= moved_on and row["certificate_no"]:
                number = row["certificate_no"]
                row["certificate_no"] = f"{number[:4]}{to}{number[10:]}"
        return {"moved_on": moved_on, "from_district": district, "to_district": to}


def _close(batch: Batch, closed: date) -> None:
    """Drop what the last firm of ``batch`` could not have had after it closed: reports of its
    closing year and later, designations, platforms, declarations and support from that day,
    talents and honours of later years. Designations it held keep their end dates (a list is
    not corrected when a firm closes); the flows count nothing held from that day."""
    batch.reports[-1][:] = [r for r in batch.reports[-1] if r["year"] < closed.year]
    batch.designations[-1][:] = [d for d in batch.designations[-1] if d["valid_from"] < closed]
    batch.platforms[-1][:] = [p for p in batch.platforms[-1] if p["recognized_on"] < closed]
    batch.declarations[-1][:] = [d for d in batch.declarations[-1] if d["declared_on"] < closed]
    batch.support[-1][:] = [s for s in batch.support[-1] if s["granted_on"] < closed]
    batch.talents[-1][:] = [t for t in batch.talents[-1] if t["year"] <= closed.year]
    batch.honours[-1][:] = [h for h in batch.honours[-1] if h["year"] <= closed.year]


def three_year_term(start: date) -> date:
    """The last day of a designation that runs three years from ``start`` (创新型, 专精特新, 小巨人,
    and 高企 the same way): the day before the third anniversary."""
    return hitech_valid_to(start)


def miit_designation(kind: str, start: date) -> dict[str, Any]:
    """A row of a MIIT list entry (no certificate number) valid three years from ``start``."""
    return {
        "kind": kind, "valid_from": start, "valid_to": three_year_term(start), "certificate_no": None,
        "authority": MIIT_AUTHORITY[kind], "source": "demo", "created_at": utcnow(), "updated_at": utcnow(),
    }


def declaration_row(declared_on: date, status: str, submitted_at: datetime | None, verified_at: datetime | None,
                    **facts: Any) -> dict[str, Any]:  # noqa: ANN401 - the declaration's columns
    """A fact_declaration row without its firm (unnamed facts are not declared)."""
    row: dict[str, Any] = {
        "declared_on": declared_on, "status": status, "niche_since": None, "leading_product": None,
        "product_field": None, "digital_level": None, "quality_award": False, "quality_certified": False,
        "own_brand": False, "standards": False, "strategic_emerging": None, "ip_grade": None,
        "submitted_at": submitted_at, "verified_at": verified_at, "created_at": utcnow(), "updated_at": utcnow(),
        "version_id": 1,
    }
    unknown = set(facts) - set(row)
    if unknown:
        raise TypeError(f"not a declared fact: {sorted(unknown)}")
    row.update(facts)
    return row


# When a row became known, for the rows the rules read without a date of their own: a
# designation from its first day, an honour from the start of its year.
KNOWN_FROM = {Designation: lambda row: row["valid_from"], Honour: lambda row: date(row["year"], 1, 1)}


@dataclass
class Pending:
    """Designations and honours granted after ``after`` (the first past evaluation), kept back
    and inserted as their day comes, so an evaluation as of a past day sees what was known then
    (the rules read a certificate granted later as a renewal already in hand)."""

    after: date
    rows: list[tuple[date, Any, dict[str, Any]]] = field(default_factory=list)

    def keep(self, model: Any, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:  # noqa: ANN401 - a model
        """The rows to insert now; the others are kept."""
        known_from = KNOWN_FROM.get(model)
        if known_from is None:
            return rows
        now = []
        for row in rows:
            day = known_from(row)
            if day > self.after:
                self.rows.append((day, model.__table__, row))
            else:
                now.append(row)
        return now

    def release(self, day: date | None) -> int:
        """Insert the rows known by ``day`` (None: all of them); returns how many."""
        due = [item for item in self.rows if day is None or item[0] <= day]
        self.rows = [item for item in self.rows if day is not None and item[0] > day]
        conn = db.session.connection()
        for table in {id(t): t for _day, t, _row in due}.values():
            _insert_rows(conn, table, [row for _day, t, row in due if t is table])
        return len(due)


def _insert_rows(conn: Any, table: Any, rows: list[dict[str, Any]]) -> None:  # noqa: ANN401 - Core objects
    """One executemany; every row gets every key (an executemany binds the first row's keys
    and would drop a key only later rows carry, such as a returned report's reason)."""
    keys = {key for row in rows for key in row}
    if any(len(row) != len(keys) for row in rows):
        rows = [{**dict.fromkeys(keys), **row} for row in rows]
    conn.execute(insert(table), rows)


def _insert_batch(batch: Batch, pending: Pending | None = None) -> list[int]:
    conn = db.session.connection()
    table = Enterprise.__table__
    firms = batch.firms
    if any("closed_on" in firm for firm in firms):
        firms = [{"closed_on": None, **firm} for firm in firms]
    ids = [
        row.id
        for row in conn.execute(
            insert(table).returning(table.c.id, sort_by_parameter_order=True), firms
        )
    ]
    for model, per_firm in (
        (AnnualReport, batch.reports), (Designation, batch.designations), (Platform, batch.platforms),
        (Talent, batch.talents), (SupportRecord, batch.support), (Honour, batch.honours),
        (FactDeclaration, batch.declarations), (DistrictMove, batch.moves),
    ):
        rows = [{**row, "enterprise_id": eid} for eid, firm_rows in zip(ids, per_firm) for row in firm_rows]
        if pending is not None:
            rows = pending.keep(model, rows)
        if rows:
            _insert_rows(conn, model.__table__, rows)
    return ids


def _chunks(world: DemoWorld, count: int) -> Iterator[Batch]:
    made = 0
    while made < count:
        batch = Batch()
        for _ in range(min(CHUNK, count - made)):
            world.firm(batch)
        made += len(batch.firms)
        yield batch


def _showcase_firm(last_year: int) -> dict[str, Any]:
    """The demo enterprise user's firm: a Kaiping tech SME a little short of high-tech recognition."""
    return {
        "uscc": make_uscc("91440783MA4WQ1001"),
        "name": FIRM_USER[2].split(" ")[0],
        "district_code": "440783", "town": "水口镇", "founded_on": date(last_year - 7, 3, 15),
        "industry_code": "C34", "hitech_field": HitechField.advanced_manufacturing.value, "above_size": True,
        "address": "广东省江门市开平市水口镇侨兴路18号", "contact_person": "梁经理", "contact_phone": "0750-2281188",
    }


def _ensure_users(showcase_id: int) -> int:
    from crm.auth.services import create_user

    made = 0
    for username, password, role, district, display in DEMO_USERS:
        if db.session.scalar(select(User.id).where(User.username == username)) is None:
            create_user(username, role, password, district_code=district, display_name=display)
            made += 1
    if db.session.scalar(select(User.id).where(User.username == FIRM_USER[0])) is None:
        user = User(username=FIRM_USER[0], role=Role.enterprise, enterprise_id=showcase_id, display_name=FIRM_USER[2])
        user.set_password(FIRM_USER[1])
        db.session.add(user)
        made += 1
    return made


def _add_showcase(world: DemoWorld) -> tuple[int, Batch | None]:
    """Insert the showcase firm with hand-picked figures; (its id, its rows if added now)."""
    last = world.last_year
    profile = _showcase_firm(last)
    found = db.session.scalar(select(Enterprise.id).where(Enterprise.uscc == profile["uscc"]))
    if found is not None:
        return found, None
    batch = Batch()
    name = profile["name"]
    batch.firms.append({**profile, "name_initials": name_initials(name), "district_overridden": False,
                        "created_at": utcnow(), "updated_at": utcnow(), "version_id": 1})
    reports = []
    # R&D ratio just under the 5% band and tech staff just under 10%: "what do we still need".
    for year, sales, rd, staff, tech in ((last - 2, 3200, 150, 118, 11), (last - 1, 3900, 190, 126, 12), (last, 4600, 226, 131, 12)):
        reports.append({
            "year": year, "status": "verified" if year < last else "submitted", "revenue": money(sales),
            "total_revenue": money(sales * 1.03), "rd_expense": money(rd), "rd_expense_domestic": money(rd),
            "hitech_revenue": money(sales * 0.66), "total_assets": money(sales * 1.2), "net_assets": money(sales * 0.55),
            "main_revenue": money(sales * 0.9), "total_liabilities": money(sales * 1.2) - money(sales * 0.55),
            "net_profit": money(sales * 0.07), "total_costs": money(sales * 0.9), "employees": staff, "tech_staff": tech,
            "rd_staff": tech - 3, "ip_class1": 2, "ip_class2": 9, "submitted_at": utcnow() if year == last else None,
            "created_at": utcnow(), "updated_at": utcnow(), "version_id": 1,
        })
    batch.reports.append(reports)
    batch.designations.append([
        # Registered last year and (early in the year, so the demo always has it) this year.
        {
            "kind": "tech_sme", "valid_from": date(year, 1, 10), "valid_to": date(year, 12, 31),
            "certificate_no": f"{year}440783A000000{year % 10}", "authority": "广东省科学技术厅", "source": "demo",
            "created_at": utcnow(), "updated_at": utcnow(),
        }
        for year in (last, last + 1)
    ])
    batch.platforms.append([{
        "kind": "engineering_center", "level": "municipal", "name": "江门市侨兴智能装备工程技术研究中心",
        "recognized_on": date(last - 3, 11, 1), "valid_to": None, "created_at": utcnow(), "updated_at": utcnow(),
    }])
    batch.talents.append([])
    batch.support.append([])
    batch.honours.append([])
    # Its staff declared the facts that would raise its 创新型 score; the Kaiping officer has
    # not verified them yet ("已申报，待区（市）科技局核实").
    declared_on = world.as_of - timedelta(days=9)
    batch.declarations.append([declaration_row(
        declared_on, "submitted", datetime.combine(declared_on, time(2, 40)), None, niche_since=last - 5,
        leading_product="数控钻攻加工中心", product_field="chain_supplier", digital_level=2, quality_certified=True,
        own_brand=True, strategic_emerging=True, ip_grade="own",
    )])
    return _insert_batch(batch, world.pending)[0], batch


@dataclass(frozen=True)
class Showcase:
    """A hand-made firm showing one case of the MIIT ladder: what a rule sees in it, and why."""

    case: str
    profile: dict[str, Any]
    reports: list[dict[str, Any]]
    designations: list[dict[str, Any]]
    platforms: list[dict[str, Any]]
    declarations: list[dict[str, Any]]


def _report(year: int, sales: float, rd: float, staff: int, tech: int, rd_staff: int, ip1: int, ip2: int, *,
            main: float, hitech: float, debt: float, margin: float) -> dict[str, Any]:
    """A verified annual report from a few shares of sales (money in 万元)."""
    assets = money(sales * 1.1)
    liabilities = money(sales * 1.1 * debt)
    return {
        "year": year, "status": "verified", "revenue": money(sales), "total_revenue": money(sales * 1.03),
        "rd_expense": money(rd), "rd_expense_domestic": money(rd * 0.97), "hitech_revenue": money(sales * hitech),
        "main_revenue": money(sales * main), "total_assets": assets, "total_liabilities": liabilities,
        "net_assets": assets - liabilities, "net_profit": money(sales * margin),
        "total_costs": money(sales * (0.97 - margin)), "employees": staff, "tech_staff": tech, "rd_staff": rd_staff,
        "ip_class1": ip1, "ip_class2": ip2, "submitted_at": None, "created_at": utcnow(), "updated_at": utcnow(),
        "version_id": 1,
    }


def _listed(kind: str, start: date, end: date, number: str | None, authority: str) -> dict[str, Any]:
    return {"kind": kind, "valid_from": start, "valid_to": end, "certificate_no": number, "authority": authority,
            "source": "demo", "created_at": utcnow(), "updated_at": utcnow()}


def _hitech(issued: date, serial: int) -> dict[str, Any]:
    return _listed("hitech", issued, hitech_valid_to(issued), f"GR{issued.year}44{serial:06d}",
                   "广东省科学技术厅 广东省财政厅 国家税务总局广东省税务局")


def _tech_sme(district: str, years: range, serial: int) -> list[dict[str, Any]]:
    """Registered in each of ``years`` (this year's early, so the demo always has it)."""
    return [_listed("tech_sme", date(year, 1, 10), date(year, 12, 31), f"{year}{district}A{serial:06d}{year % 10}",
                    "广东省科学技术厅") for year in years]


def _platform(kind: str, level: str, label: str, firm_name: str, recognized: date) -> dict[str, Any]:
    prefix = {"municipal": "江门市", "provincial": "广东省", "national": "国家"}[level]
    return {"kind": kind, "level": level, "name": f"{prefix}{firm_core_name(firm_name)}{label}",
            "recognized_on": recognized, "valid_to": None, "created_at": utcnow(), "updated_at": utcnow()}


def _verified(declared_on: date, **facts: Any) -> dict[str, Any]:  # noqa: ANN401 - the declared facts
    handed_in = datetime.combine(declared_on, time(2, 15))
    return declaration_row(declared_on, "verified", handed_in, handed_in + timedelta(days=6), **facts)


def _profile(code: str, name: str, district: str, town: str, founded: date, industry: str,
             hitech_field: HitechField | None, address: str, contact: str, phone: str) -> dict[str, Any]:
    return {"uscc": make_uscc(code), "name": name, "district_code": district, "town": town, "founded_on": founded,
            "industry_code": industry, "hitech_field": hitech_field.value if hitech_field else None,
            "address": address, "contact_person": contact, "contact_phone": phone}


def miit_showcases(last: int) -> list[Showcase]:
    """One firm per case of the MIIT ladder, figures picked so each rule decides as ``case`` says
    (tests/test_demo.py checks it). ``last`` is the last fiscal year."""
    years = (last - 2, last - 1, last)
    srdi_candidate = "江门市蓬江区粤科微电机有限公司"
    short_of_niche = "开平市澳森卫浴阀门有限公司"
    giant_candidate = "江门市江海区锐芯光电材料股份有限公司"
    giant = "江门市新会区德盈精密厨具股份有限公司"
    first_applicant = "江门市江海区芯源传感科技有限公司"
    return [
        Showcase(
            "holds 创新型 and is a candidate for 专精特新 (every fact declared and verified)",
            _profile("91440703MA4WQ1002", srdi_candidate, "440703", "棠下镇", date(last - 14, 4, 12), "C38",
                     HitechField.advanced_manufacturing, "广东省江门市蓬江区棠下镇桐井工业区6号", "冯经理", "0750-3926618"),
            [_report(y, s, rd, st, t, r, i1, i2, main=0.88, hitech=0.72, debt=0.45, margin=0.09)
             for y, s, rd, st, t, r, i1, i2 in zip(years, (6800, 7900, 9200), (330, 395, 478), (232, 246, 260),
                                                   (58, 62, 66), (40, 43, 47), (4, 5, 6), (18, 21, 25))],
            [miit_designation("innovative_sme", date(last - 1, 6, 20)), _hitech(date(last - 1, 12, 12), 900102),
             *_tech_sme("440703", range(last - 1, last + 2), 1002)],
            [_platform("engineering_center", "provincial", "工程技术研究中心", srdi_candidate, date(last - 4, 12, 1))],
            [_verified(date(last, 3, 16), niche_since=last - 9, leading_product="新能源汽车驱动微电机",
                       product_field="strategic_gap", digital_level=3, quality_certified=True, own_brand=True,
                       standards=True, strategic_emerging=True, ip_grade="own")],
        ),
        Showcase(
            "holds 创新型 and would pass 专精特新 but has not declared since when it is in its niche",
            _profile("91440783MA4WQ1003", short_of_niche, "440783", "水口镇", date(last - 11, 8, 3), "C33",
                     HitechField.new_materials, "广东省江门市开平市水口镇龙美工业区12号", "关经理", "0750-2736020"),
            [_report(y, s, rd, st, t, r, i1, i2, main=0.85, hitech=0.7, debt=0.42, margin=0.105)
             for y, s, rd, st, t, r, i1, i2 in zip(years, (4100, 4750, 5600), (250, 300, 364), (150, 158, 166),
                                                   (36, 40, 44), (30, 32, 34), (2, 3, 4), (20, 24, 28))],
            [miit_designation("innovative_sme", date(last, 5, 28)), _hitech(date(last, 11, 20), 900103),
             *_tech_sme("440783", range(last - 1, last + 2), 1003)],
            [_platform("engineering_center", "municipal", "工程技术研究中心", short_of_niche, date(last - 3, 11, 1))],
            [_verified(date(last, 6, 3), leading_product="恒温节水龙头阀芯", product_field="chain_supplier",
                       digital_level=2, quality_certified=True, own_brand=True, strategic_emerging=False,
                       ip_grade="own")],
        ),
        Showcase(
            "holds 专精特新 (and 创新型) and is a candidate for 小巨人",
            _profile("91440704MA4WQ1004", giant_candidate, "440704", "高新区", date(last - 13, 9, 26), "C39",
                     HitechField.electronics, "广东省江门市江海区高新区金瓯路28号", "区经理", "0750-3863377"),
            [_report(y, s, rd, st, t, r, i1, i2, main=0.9, hitech=0.8, debt=0.48, margin=0.095)
             for y, s, rd, st, t, r, i1, i2 in zip(years, (17800, 20300, 23600), (690, 810, 970), (610, 660, 720),
                                                   (150, 165, 180), (110, 120, 130), (9, 11, 13), (40, 46, 52))],
            [miit_designation("innovative_sme", date(last - 1, 4, 22)),
             miit_designation("srdi_sme", date(last - 1, 10, 16)), _hitech(date(last - 1, 12, 8), 900104)],
            [_platform("enterprise_tech_center", "provincial", "企业技术中心", giant_candidate, date(last - 5, 6, 1))],
            [_verified(date(last, 4, 9), niche_since=last - 12, leading_product="Mini LED光学扩散膜",
                       product_field="six_basics", digital_level=3, quality_certified=True, own_brand=True,
                       standards=True, strategic_emerging=True, ip_grade="high_value")],
        ),
        Showcase(
            "holds 小巨人 (and 专精特新, 创新型): the top of the MIIT ladder",
            _profile("91440705MA4WQ1005", giant, "440705", "司前镇", date(last - 19, 3, 6), "C33",
                     HitechField.new_materials, "广东省江门市新会区司前镇天马工业区3号", "林经理", "0750-6283399"),
            [_report(y, s, rd, st, t, r, i1, i2, main=0.92, hitech=0.75, debt=0.5, margin=0.085)
             for y, s, rd, st, t, r, i1, i2 in zip(years, (26000, 29500, 33800), (1010, 1180, 1390), (820, 860, 910),
                                                   (190, 205, 220), (120, 131, 142), (14, 17, 20), (60, 68, 75))],
            [miit_designation("innovative_sme", date(last - 1, 4, 8)),
             miit_designation("srdi_sme", date(last - 1, 9, 20)),
             miit_designation("little_giant", date(last, 7, 15)), _hitech(date(last - 1, 11, 30), 900105)],
            [_platform("enterprise_tech_center", "provincial", "企业技术中心", giant, date(last - 8, 5, 1)),
             _platform("postdoc_station", "provincial", "博士后创新实践基地", giant, date(last - 4, 9, 1))],
            [_verified(date(last, 2, 27), niche_since=last - 16, leading_product="高端不锈钢复合底锅具",
                       product_field="strategic_gap", digital_level=3, quality_award=True, quality_certified=True,
                       own_brand=True, standards=True, strategic_emerging=True, ip_grade="high_value")],
        ),
        Showcase(
            "a young incubated firm: a 创新型 candidate whose declared facts (a strategic emerging industry, its "
            "own I-class IP) add to its score, and a first-time tech-SME applicant with five staff the county "
            "bureau must check on site",
            _profile("91440704MA4WQ1006", first_applicant, "440704", "外海街道", date(last - 2, 3, 18), "C39",
                     HitechField.electronics, "广东省江门市江海区外海街道科苑东路2号孵化器B座", "谭工", "0750-3208816"),
            [_report(y, s, rd, st, t, r, i1, i2, main=0.95, hitech=0.85, debt=0.38, margin=0.04)
             for y, s, rd, st, t, r, i1, i2 in zip(years[1:], (210, 340), (22, 31), (4, 5), (3, 4), (3, 4), (0, 1),
                                                   (2, 3))],
            [_listed("incubated", date(last - 2, 5, 1), date(last + 1, 4, 30), None, "江门市科学技术局")],
            [],
            [_verified(date(last, 9, 12), niche_since=last - 2, leading_product="MEMS气体传感器模组",
                       product_field="other", digital_level=1, quality_certified=False, strategic_emerging=True,
                       ip_grade="own")],
        ),
    ]


def _add_miit_showcases(world: DemoWorld, room: int) -> tuple[list[int], Batch]:
    """Insert the MIIT showcase firms not yet in the database, as many as ``room`` allows, in
    order; (their ids, their rows)."""
    batch = Batch()
    for showcase in miit_showcases(world.last_year):
        if len(batch.firms) >= room:
            break
        if db.session.scalar(select(Enterprise.id).where(Enterprise.uscc == showcase.profile["uscc"])) is not None:
            continue
        name = showcase.profile["name"]
        # 规模以上 as for the drawn firms: a manufacturer with sales of 2,000万元 or more.
        above_size = showcase.profile["industry_code"].startswith("C") and showcase.reports[-1]["revenue"] >= 2000
        batch.firms.append({**showcase.profile, "name_initials": name_initials(name), "above_size": above_size,
                            "district_overridden": False, "created_at": utcnow(), "updated_at": utcnow(),
                            "version_id": 1})
        batch.reports.append(showcase.reports)
        batch.designations.append(showcase.designations)
        batch.platforms.append(showcase.platforms)
        batch.talents.append([])
        batch.support.append([])
        batch.honours.append([])
        batch.declarations.append(showcase.declarations)
    return (_insert_batch(batch, world.pending) if batch.firms else []), batch


def _tally(totals: dict[str, int], batch: Batch) -> None:
    """Add a batch's rows to the summary the command prints."""
    totals["enterprises"] += len(batch.firms)
    totals["reports"] += sum(map(len, batch.reports))
    totals["designations"] += sum(map(len, batch.designations))
    totals["platforms"] += sum(map(len, batch.platforms))
    totals["talents"] += sum(map(len, batch.talents))
    totals["declarations"] += sum(map(len, batch.declarations))
    totals["moved"] += sum(map(bool, batch.moves))
    totals["closed"] += sum(1 for firm in batch.firms if firm.get("closed_on"))


def past_evaluation_days(as_of: date, years: int = 5) -> list[date]:
    """The days the demo evaluates the rules as of before ``as_of``: 1 July of each of the last
    ``years`` years, oldest first."""
    return [date(year, 7, 1) for year in range(as_of.year - years, as_of.year)]


def generate_demo_data(count: int, seed: int, evaluate_on: Sequence[date] = ()) -> dict[str, int]:
    """Add `count` synthetic firms (plus demo users) and commit; returns what was added.

    With ``evaluate_on`` (past days, oldest first), the firms are committed without the
    designations and honours granted after the first day; then, for each day, those granted
    by then go in and the eligibility rules run as of it (run_eligibility, notify=False, a
    JobRun each), so flags are raised and cleared as they would have been; then the rest go
    in. A failing evaluation leaves the firms in place.
    """
    if count < 1:
        raise ValueError("企业数量至少为 1")
    as_of = today()
    last_year = as_of.year - 1
    world = DemoWorld(seed, last_year, as_of)
    # Codes come from a seed-derived serial; refuse rather than collide with real records.
    existing = set(db.session.scalars(select(Enterprise.uscc)))
    # Names stay unique across runs too (a second seed adds to the first).
    world.names.update(db.session.scalars(select(Enterprise.name)))
    world.names.add(_showcase_firm(last_year)["name"])
    world.names.update(showcase.profile["name"] for showcase in miit_showcases(last_year))
    db.session.info["audit_disabled"] = True
    try:
        totals = dict.fromkeys(
            ("enterprises", "reports", "designations", "platforms", "talents", "declarations", "moved", "closed",
             "users"), 0)
        days = sorted(evaluate_on)
        world.pending = Pending(days[0]) if days else None
        showcase, showcase_rows = _add_showcase(world)
        existing.discard(_showcase_firm(last_year)["uscc"])
        if showcase_rows is not None:
            _tally(totals, showcase_rows)
        ids: list[int] = [showcase]
        # The MIIT showcases count among the firms asked for: a tiny demo holds fewer of them.
        miit_ids, miit_rows = _add_miit_showcases(world, count - totals["enterprises"])
        _tally(totals, miit_rows)
        ids += miit_ids
        for batch in _chunks(world, count - totals["enterprises"]):
            clash = existing.intersection(f["uscc"] for f in batch.firms)
            if clash:
                raise ValueError(f"演示数据的统一社会信用代码与已有企业重复（{sorted(clash)[0]}），请换一个 --seed")
            ids += _insert_batch(batch, world.pending)
            _tally(totals, batch)
        refresh_latest_figures(db.session.connection(), ids)
        totals["users"] = _ensure_users(showcase)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    finally:
        db.session.info.pop("audit_disabled", None)
    if world.pending is not None:
        _evaluate_in_the_past(world.pending, days)
    return totals


def _evaluate_in_the_past(pending: Pending, days: Sequence[date]) -> None:
    """Run the rules as of each of ``days`` with the rows known by then, then add the rest."""
    from crm.eligibility.services import run_eligibility

    for day in days:
        pending.release(day)
        db.session.commit()
        run_eligibility(day, "cli", notify=False)  # commits its run and flags
    pending.release(None)
    db.session.commit()


def publish_demo_rounds(as_of: date) -> list[InnovationRound]:
    """Innovation points for the demo (企业创新积分): a round for the fiscal year before last
    and one for last year, both published by the demo administrator, so the pages show stars
    and portraits and the dashboard the firms' movement between the two rounds.

    Deterministic: the rounds score the demo's records as of fixed days (the end of last year,
    and ``as_of``)."""
    from crm.innovation.services import publish_round, run_round

    admin = db.session.scalar(select(User).where(User.username == DEMO_USERS[0][0]))
    made = []
    for day in (date(as_of.year - 1, 12, 31), as_of):
        round_ = run_round(day, trigger="cli")  # made by the demo-data command
        if admin is not None:
            publish_round(round_, admin)
        else:  # the demo administrator was renamed or removed: published by no one in particular
            round_.published_at = utcnow()
        db.session.commit()
        made.append(round_)
    return made


# Illustrative plans for the next five years (the 15th five-year plans are entered by an
# administrator when published): the city's and 开平市's, so the forecast has targets to
# compare with. Marked as the demo's in their names.
DEMO_PLAN_KINDS = (
    ("hitech_count", "hitech_enterprises", DesignationKind.hitech, "高新技术企业数量"),
    ("tech_sme_count", "tech_smes", DesignationKind.tech_sme, "科技型中小企业数量"),
)


def add_demo_plans(as_of: date) -> list[Plan]:
    """Plans from ``as_of``'s year for five years, for the city and 开平市, whose targets for
    high-tech firms and tech SMEs are set from the demo's own count at the end of last year
    (the baseline): 1.8 times it by the last year. Adds nothing a second time."""
    first, last = as_of.year, as_of.year + 4
    baseline_day = date(first - 1, 12, 31)
    made = []
    for suffix, jurisdiction, where in (("C", "city", "江门市"), ("K", "440783", "开平市")):
        code = f"D{first}{suffix}"
        if db.session.scalar(select(Plan.id).where(Plan.code == code)) is not None:
            continue
        plan = Plan(code=code, name=f"{where}科技创新规划 {first}–{last}（演示）", jurisdiction=jurisdiction,
                    first_year=first, last_year=last)
        db.session.add(plan)
        for computation, target_code, kind, name in DEMO_PLAN_KINDS:
            held = (select(func.count(func.distinct(Designation.enterprise_id)))
                    .join(Enterprise, Enterprise.id == Designation.enterprise_id)
                    .where(Designation.kind == kind, Designation.valid_from <= baseline_day,
                           or_(Designation.valid_to.is_(None), Designation.valid_to >= baseline_day)))
            if jurisdiction != "city":
                held = held.where(Enterprise.district_code == jurisdiction)
            baseline = db.session.scalar(held) or 0
            db.session.add(PlanTarget(
                plan=code, jurisdiction=jurisdiction, code=target_code,
                name=name, unit="家", baseline_year=first - 1, baseline_value=Decimal(baseline),
                targets={str(last): str(math.ceil(baseline * 1.8))}, nature="预期性", computable=computation,
                notes="演示数据：目标按上年末数量的 1.8 倍设定"))
        made.append(plan)
    db.session.commit()
    return made
