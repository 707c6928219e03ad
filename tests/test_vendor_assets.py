"""Vendored front-end libraries (ECharts): the committed files are the ones static/vendor/
manifest.json records, scripts/vendor_assets.py refuses anything else, and the pages load them
as static files, not out of an installed package."""
from __future__ import annotations

import hashlib
import importlib.util
import io
import re
import shutil
import tarfile
from pathlib import Path

import pytest

from crm.models import Role
from tests.conftest import login
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parent.parent
VENDOR_DIR = ROOT / "static" / "vendor"

_spec = importlib.util.spec_from_file_location("vendor_assets", ROOT / "scripts" / "vendor_assets.py")
vendor_assets = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(vendor_assets)  # type: ignore[union-attr]

MANIFEST = vendor_assets.load_manifest()
ECHARTS = MANIFEST["echarts"]
ECHARTS_DIR = f"echarts-{ECHARTS['version']}"


def test_manifest_pins_an_exact_version_and_the_tarball_integrity() -> None:
    for name, entry in MANIFEST.items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", entry["version"]), name
        assert re.fullmatch(r"sha512-[A-Za-z0-9+/]{86}==", entry["integrity"]), name
        assert all(re.fullmatch(r"[0-9a-f]{64}", spec["sha256"]) for spec in entry["files"].values()), name
    assert ECHARTS["npm"] == "echarts" and ECHARTS["files"]["echarts.min.js"]["from"] == "dist/echarts.min.js"


def test_vendored_files_match_the_manifest() -> None:
    assert vendor_assets.check(MANIFEST) == []


def test_an_edited_truncated_missing_or_stray_file_fails_the_check(tmp_path: Path) -> None:
    copy = tmp_path / "vendor"
    shutil.copytree(VENDOR_DIR, copy)
    package = copy / ECHARTS_DIR
    script = package / "echarts.min.js"
    script.write_bytes(script.read_bytes()[:-100])
    (package / "NOTICE").write_text((package / "NOTICE").read_text() + " ")
    (package / "licenses" / "LICENSE-d3").unlink()
    (package / "echarts.js").write_text("// not pinned")
    (copy / "echarts-5.0.0").mkdir()
    problems = vendor_assets.check(MANIFEST, copy)
    assert [p.split(":")[0] for p in problems] == [
        f"{ECHARTS_DIR}/echarts.min.js",
        f"{ECHARTS_DIR}/NOTICE",
        f"{ECHARTS_DIR}/licenses/LICENSE-d3",
        f"{ECHARTS_DIR}/echarts.js",
        "echarts-5.0.0",
    ]


def test_the_licence_ships_with_the_library() -> None:
    for name, entry in MANIFEST.items():
        assert "LICENSE" in entry["files"], name
    licence = (VENDOR_DIR / ECHARTS_DIR / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License" in licence and "Version 2.0" in licence
    assert "Apache ECharts" in (VENDOR_DIR / ECHARTS_DIR / "NOTICE").read_text(encoding="utf-8")


def _tarball(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, body in files.items():
            info = tarfile.TarInfo(f"package/{name}")
            info.size = len(body)
            archive.addfile(info, io.BytesIO(body))
    return buffer.getvalue()


def test_fetching_refuses_a_tarball_or_file_that_is_not_the_pinned_one(tmp_path: Path) -> None:
    script, licence = b"var echarts = {};", b"Apache License"
    tarball = _tarball({"dist/echarts.min.js": script, "LICENSE": licence, "README.md": b"not taken"})
    entry = {
        "npm": "echarts", "version": "9.9.9", "integrity": vendor_assets.integrity_of(tarball),
        "files": {"echarts.min.js": {"from": "dist/echarts.min.js", "sha256": hashlib.sha256(script).hexdigest()},
                  "LICENSE": {"from": "LICENSE", "sha256": hashlib.sha256(licence).hexdigest()}},
    }
    with pytest.raises(vendor_assets.VendorError, match="tarball integrity"):
        vendor_assets.install("echarts", entry, tarball + b"\0", tmp_path)
    wrong_sha = {**entry, "files": {**entry["files"], "LICENSE": {"from": "LICENSE", "sha256": "0" * 64}}}
    with pytest.raises(vendor_assets.VendorError, match="LICENSE sha256"):
        vendor_assets.install("echarts", wrong_sha, tarball, tmp_path)
    assert list(tmp_path.iterdir()) == []  # nothing written on a mismatch

    target = vendor_assets.install("echarts", entry, tarball, tmp_path)
    assert sorted(p.name for p in target.iterdir()) == ["LICENSE", "echarts.min.js"]
    assert vendor_assets.check({"echarts": entry}, tmp_path) == []


def test_the_dashboard_loads_echarts_from_the_vendored_static_file(app, client) -> None:
    UserFactory(username="city", role=Role.bureau)
    login(client, "city")
    url = f"/static/vendor/{ECHARTS_DIR}/echarts.min.js"
    assert f'<script src="{url}"></script>' in client.get("/dashboard/").get_data(as_text=True)
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype in ("application/javascript", "text/javascript")
    assert hashlib.sha256(response.data).hexdigest() == ECHARTS["files"]["echarts.min.js"]["sha256"]


def test_no_page_reads_echarts_out_of_an_installed_package(app, client) -> None:
    assert "dashboard.echarts_js" not in app.view_functions
    assert client.get("/dashboard/assets/echarts.min.js").status_code == 404
    # Every template names ECharts through the one global that the manifest sets.
    for template in (ROOT / "templates").rglob("*.html"):
        for line in template.read_text(encoding="utf-8").splitlines():
            if "echarts" in line.lower():
                assert "url_for('static', filename=ECHARTS_JS)" in line, f"{template.name}: {line.strip()}"
    sources = [*(ROOT / "crm").rglob("*.py"), *(ROOT / "benchmarks").rglob("*.py"), *(ROOT / "docs").rglob("*.py")]
    assert not [p for p in sources if "importlib.resources" in p.read_text(encoding="utf-8")]
    assert "echarts" not in (ROOT / "requirements.txt").read_text(encoding="utf-8").lower()
