"""Take the README's screenshots: demo data in a temporary database, the real pages in Chromium.

    .venv/bin/python docs/screenshots/capture.py [file.png ...]   (only the files named, if any)

Needs Debian's chromium and fonts-noto-cjk (as the browser tests do).
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
import threading
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))
os.environ.setdefault("CRM_ENV", "development")

SHOTS = [
    # (user, password, path, file, full page)
    ("bureau", "bureau-pass-123", "/", "home.png", False),
    ("kaiping", "officer-pass-123", "/enterprises/?sort=revenue&desc=1", "firm-list.png", False),
    ("kaiping", "officer-pass-123", "/enterprises/{showcase}", "firm-page.png", False),
    ("kaiping", "officer-pass-123", "/eligibility/", "candidates.png", False),
    ("bureau", "bureau-pass-123", "/dashboard/", "dashboard.png", True),
    ("firm", "firm-pass-123", "/portal/standing", "portal-standing.png", True),
    ("bureau", "bureau-pass-123", "/imports/", "imports.png", False),
    # A published list uploaded: the preview of its rows matched to firms by name.
    ("bureau", "bureau-pass-123", "upload:list", "import-list-preview.png", True),
    # Innovation points: a starred firm's portrait on its page, and the demo firm's own in the portal.
    ("kaiping", "officer-pass-123", "/enterprises/{starred}", "innovation-portrait.png", False),
    ("firm", "firm-pass-123", "/portal/innovation", "portal-innovation.png", True),
    # Flows of the ladder: the city's last ten years, the chart of 高企 entries and exits and the latest year's table.
    ("bureau", "bureau-pass-123", "/flows/", "flows.png", False),
    # The forecast of next year-end against the plan, Kaiping's: stock, terms, range, target, shortfall.
    ("bureau", "bureau-pass-123", "/dashboard/forecast?district=440783", "forecast.png", False),
]
# Shots of one part of a page (a CSS selector): the portrait sits in the middle of the long firm page.
ELEMENTS = {"innovation-portrait.png": "#innovation"}


def innovation_rounds(as_of: date) -> str:
    """Two published rounds of innovation points (the end of last year and ``as_of``), so the
    portraits have a history, published by the bureau's demo user; returns the code of the
    best-starred firm in the officer's district of the latest round, for its portrait."""
    from sqlalchemy import select

    from crm.extensions import db
    from crm.innovation.services import publish_round, run_round
    from crm.models import Enterprise, InnovationScore, User

    bureau = db.session.scalar(select(User).where(User.username == "bureau"))
    for day in (date(as_of.year - 1, 12, 31), as_of):
        round_ = run_round(day, "cli")
        publish_round(round_, bureau)
        db.session.commit()
    district = db.session.scalar(select(User.district_code).where(User.username == "kaiping"))
    return db.session.scalar(
        select(Enterprise.uscc).join(InnovationScore, InnovationScore.enterprise_id == Enterprise.id)
        .where(InnovationScore.round_id == round_.id, InnovationScore.stars.is_not(None),
               Enterprise.district_code == district)
        .order_by(InnovationScore.stars.desc(), InnovationScore.rank, Enterprise.id).limit(1))


def hitech_list(path: Path) -> None:
    """A 高企 filing list as published (序号, 企业名称, 证书编号) naming demo firms: as written,
    with half-width brackets, by a name the system does not know, and a firm of another city."""
    import openpyxl
    from sqlalchemy import select

    from crm.extensions import db
    from crm.models import Enterprise

    names = db.session.scalars(select(Enterprise.name).order_by(Enterprise.id).limit(6)).all()
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["广东省2025年第一批高新技术企业备案名单"])
    sheet.append(["序号", "企业名称", "证书编号"])
    listed = [names[0], names[1].replace("（", "(").replace("）", ")"), names[2] + " ", names[3],
              names[4][:-4] + "科技公司", "广州某某科技有限公司"]
    for n, name in enumerate(listed, start=1):
        sheet.append([n, name, f"GR20254400{n:04d}"])
    book.save(path)


def main() -> None:
    from flask_migrate import upgrade
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    from crm import create_app
    from crm.clock import today
    from crm.demo import _showcase_firm, add_demo_plans, generate_demo_data, past_evaluation_days
    from crm.eligibility.services import run_eligibility
    from crm.extensions import db
    from crm.reference import load_reference_data

    tmp = tempfile.mkdtemp()
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/shots.sqlite3", "UPLOAD_DIR": f"{tmp}/uploads"})
    with app.app_context():
        upgrade()
        load_reference_data()
        generate_demo_data(1500, 2025, evaluate_on=past_evaluation_days(today()))  # as `flask demo-data`
        run_eligibility(today(), "cli")
        db.session.commit()
        add_demo_plans(today())
        starred = innovation_rounds(today())
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    showcase = _showcase_firm(today().year - 1)["uscc"]
    with app.app_context():
        hitech_list(Path(tmp) / "2025年第一批高新技术企业备案名单.xlsx")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=["--no-sandbox", "--disable-gpu"])
        wanted = set(sys.argv[1:])
        for user, password, path, name, full in SHOTS:
            if wanted and name not in wanted:
                continue
            context = browser.new_context(base_url=base, viewport={"width": 1366, "height": 860}, locale="zh-CN")
            page = context.new_page()
            page.goto("/login")
            page.get_by_label("用户名").fill(user)
            page.get_by_label("密码").fill(password)
            page.get_by_role("button", name="登录").click()
            page.wait_for_load_state("networkidle")
            if path == "upload:list":
                page.goto("/imports/")
                page.get_by_label("表格文件").set_input_files(str(Path(tmp) / "2025年第一批高新技术企业备案名单.xlsx"))
                page.get_by_label("公告日期").fill(f"{today().year - 1}-12-11")
                page.get_by_role("button", name="上传并预览").click()
            else:
                page.goto(path.format(showcase=showcase, starred=starred))
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(800)  # charts animate in
            if name in ELEMENTS:
                page.locator(ELEMENTS[name]).screenshot(path=str(HERE / name))
            else:
                page.screenshot(path=str(HERE / name), full_page=full)
            print("saved", name)
            context.close()
        browser.close()
    server.shutdown()
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
