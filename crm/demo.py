"""A believable synthetic Jiangmen: firms, reports, the ladder, platforms, talent, users.

Deterministic for a seed (one random.Random, no global state); rows go in with
Core bulk inserts in chunks, so 2,000 firms take seconds and 100,000 stay within
bounded memory. Seeding is not a change anyone made: nothing is audited.
"""
from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select

from crm.clock import today, utcnow
from crm.districts import DISTRICTS
from crm.enterprises.summary import refresh_latest_figures
from crm.extensions import db
from crm.models import (
    AnnualReport,
    Designation,
    Enterprise,
    HitechField,
    Honour,
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
# Longest first: "股份有限公司" also ends with "有限公司".
SUFFIX_INITIALS = {"股份有限公司": "gfyxgs", "有限公司": "yxgs"}
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


def money(value: float) -> Decimal:
    # "%.2f" rounds the float correctly, as round() does, in one step.
    return Decimal("%.2f" % max(value, 0.0))


class DemoWorld:
    """Draws firms one at a time from a seeded generator."""

    def __init__(self, seed: int, last_year: int) -> None:
        self.rng = random.Random(seed)
        self.last_year = last_year
        self.names: set[str] = set()
        self.initials_cache: dict[str, str] = {}
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

    def initials(self, name: str) -> str:
        """name_initials(name), cached on the part before the suffix (pypinyin is the slow step)."""
        for suffix in SUFFIX_INITIALS:
            if name.endswith(suffix):
                stem = name[: -len(suffix)]
                cached = self.initials_cache.get(stem)
                if cached is None:
                    if len(self.initials_cache) > 200_000:
                        self.initials_cache.clear()
                    cached = self.initials_cache[stem] = name_initials(stem)
                return (cached + SUFFIX_INITIALS[suffix])[:200]
        return name_initials(name)[:200]

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
                "name_initials": self.initials(name),
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
            elif pick < 0.85:
                add("little_giant", date(last, 7, 15), date(last + 3, 7, 14), None, "工业和信息化部")
            elif pick < 0.95:
                add("golden_seed", date(this_year, 1, 10), date(this_year + 1, 1, 9), None, "江门市科学技术局")
            else:
                add("listed", date(last - rng.randint(1, 6), 6, 18), None, f"{rng.choice(['SZ', 'SH', 'BJ'])}{rng.randint(300000, 839999)}", "中国证监会")
        if tier == "sme" and rng.random() < 0.05:
            add("eaglet", date(this_year, 1, 10), date(this_year, 12, 31), None, "江门市科学技术局")
        return rows

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


def _insert_batch(batch: Batch) -> list[int]:
    conn = db.session.connection()
    table = Enterprise.__table__
    ids = [
        row.id
        for row in conn.execute(
            insert(table).returning(table.c.id, sort_by_parameter_order=True), batch.firms
        )
    ]
    for model, per_firm in (
        (AnnualReport, batch.reports), (Designation, batch.designations), (Platform, batch.platforms),
        (Talent, batch.talents), (SupportRecord, batch.support), (Honour, batch.honours),
    ):
        rows = [{**row, "enterprise_id": eid} for eid, firm_rows in zip(ids, per_firm) for row in firm_rows]
        if rows:
            conn.execute(insert(model.__table__), rows)
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
    return _insert_batch(batch)[0], batch


def _tally(totals: dict[str, int], batch: Batch) -> None:
    """Add a batch's rows to the summary the command prints."""
    totals["enterprises"] += len(batch.firms)
    totals["reports"] += sum(map(len, batch.reports))
    totals["designations"] += sum(map(len, batch.designations))
    totals["platforms"] += sum(map(len, batch.platforms))
    totals["talents"] += sum(map(len, batch.talents))


def generate_demo_data(count: int, seed: int) -> dict[str, int]:
    """Add `count` synthetic firms (plus demo users) and commit; returns what was added."""
    if count < 1:
        raise ValueError("企业数量至少为 1")
    last_year = today().year - 1
    world = DemoWorld(seed, last_year)
    # Codes come from a seed-derived serial; refuse rather than collide with real records.
    existing = set(db.session.scalars(select(Enterprise.uscc)))
    # Names stay unique across runs too (a second seed adds to the first).
    world.names.update(db.session.scalars(select(Enterprise.name)))
    world.names.add(_showcase_firm(last_year)["name"])
    db.session.info["audit_disabled"] = True
    try:
        totals = dict.fromkeys(("enterprises", "reports", "designations", "platforms", "talents", "users"), 0)
        showcase, showcase_rows = _add_showcase(world)
        existing.discard(_showcase_firm(last_year)["uscc"])
        if showcase_rows is not None:
            _tally(totals, showcase_rows)
        ids: list[int] = [showcase]
        for batch in _chunks(world, count - totals["enterprises"]):
            clash = existing.intersection(f["uscc"] for f in batch.firms)
            if clash:
                raise ValueError(f"演示数据的统一社会信用代码与已有企业重复（{sorted(clash)[0]}），请换一个 --seed")
            ids += _insert_batch(batch)
            _tally(totals, batch)
        refresh_latest_figures(db.session.connection(), ids)
        totals["users"] = _ensure_users(showcase)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    finally:
        db.session.info.pop("audit_disabled", None)
    return totals
