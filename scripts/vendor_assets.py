"""Fetch the vendored front-end libraries from the npm registry and verify them.

    python3 scripts/vendor_assets.py                      fetch every package in the manifest
    python3 scripts/vendor_assets.py --check              verify the files on disk (no network)
    python3 scripts/vendor_assets.py --update echarts 5.6.0
                                                          pin another version: record its tarball's
                                                          integrity and files' sha256, then fetch

static/vendor/manifest.json names each package: its npm name, exact version, the npm
`dist.integrity` (sha512) of its tarball, and the files taken from the tarball, each with the
sha256 of the bytes written. Files land in static/vendor/<name>-<version>/ and are committed,
so a clone needs no network; this script is only run to change or re-check them. Standard
library only: it runs with any Python 3.11, no virtualenv needed.
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import shutil
import sys
import tarfile
import urllib.request
from pathlib import Path, PurePosixPath
from typing import Any

REPO = Path(__file__).resolve().parent.parent
VENDOR_DIR = REPO / "static" / "vendor"
MANIFEST = VENDOR_DIR / "manifest.json"
REGISTRY = "https://registry.npmjs.org"


class VendorError(Exception):
    """A tarball or file that does not match what the manifest records."""


def load_manifest(path: Path = MANIFEST) -> dict[str, Any]:
    """The manifest: {name: {npm, version, integrity, files: {path: {from, sha256}}}}."""
    return json.loads(path.read_text(encoding="utf-8"))


def package_dir(vendor_dir: Path, name: str, entry: dict[str, Any]) -> Path:
    """Where a package's files live: static/vendor/<name>-<version>/."""
    return vendor_dir / f"{name}-{entry['version']}"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def integrity_of(data: bytes, algorithm: str = "sha512") -> str:
    """Subresource-integrity form, as npm records it: ``sha512-<base64 digest>``."""
    return f"{algorithm}-{base64.b64encode(hashlib.new(algorithm, data).digest()).decode()}"


def tarball_url(npm_name: str, version: str) -> str:
    # Scoped packages (@scope/name) keep the scope in the path but not in the file name.
    return f"{REGISTRY}/{npm_name}/-/{npm_name.rsplit('/', 1)[-1]}-{version}.tgz"


def download(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 - fixed https registry
        return response.read()


def _safe_relative(path: str) -> PurePosixPath:
    """A manifest path must stay inside the package's directory."""
    pure = PurePosixPath(path)
    if pure.is_absolute() or ".." in pure.parts or not pure.parts:
        raise VendorError(f"manifest path {path!r} leaves the package directory")
    return pure


def read_members(tarball: bytes, sources: list[str]) -> dict[str, bytes]:
    """The named files of an npm tarball (whose entries sit under one top folder, usually package/)."""
    found: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
        for member in archive.getmembers():
            inner = "/".join(PurePosixPath(member.name).parts[1:])
            if inner in sources and member.isfile():
                found[inner] = archive.extractfile(member).read()  # type: ignore[union-attr]
    missing = sorted(set(sources) - set(found))
    if missing:
        raise VendorError(f"not in the tarball: {', '.join(missing)}")
    return found


def install(name: str, entry: dict[str, Any], tarball: bytes, vendor_dir: Path = VENDOR_DIR) -> Path:
    """Verify the tarball against the recorded integrity and each file against its sha256, then
    write the files (and only them) to the package's directory. Nothing is written on a mismatch."""
    algorithm = entry["integrity"].split("-", 1)[0]
    actual = integrity_of(tarball, algorithm)
    if actual != entry["integrity"]:
        raise VendorError(f"{name} {entry['version']}: tarball integrity {actual} != recorded {entry['integrity']}")
    files = entry["files"]
    members = read_members(tarball, [spec["from"] for spec in files.values()])
    for path, spec in files.items():
        _safe_relative(path)
        digest = sha256(members[spec["from"]])
        if digest != spec["sha256"]:
            raise VendorError(f"{name} {entry['version']}: {spec['from']} sha256 {digest} != recorded {spec['sha256']}")
    target = package_dir(vendor_dir, name, entry)
    if target.exists():
        shutil.rmtree(target)
    for path, spec in files.items():
        destination = target / _safe_relative(path)
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_bytes(members[spec["from"]])
    return target


def pin(name: str, entry: dict[str, Any], version: str) -> dict[str, Any]:
    """The manifest entry for another version of a package: the registry's integrity for its
    tarball (trusted on first use, like a lockfile) and the sha256 of the same files in it."""
    with urllib.request.urlopen(f"{REGISTRY}/{entry['npm']}/{version}", timeout=60) as response:  # noqa: S310
        dist = json.load(response)["dist"]
    tarball = download(dist["tarball"])
    algorithm = dist["integrity"].split("-", 1)[0]
    if integrity_of(tarball, algorithm) != dist["integrity"]:
        raise VendorError(f"{name} {version}: the tarball does not match the registry's integrity")
    members = read_members(tarball, [spec["from"] for spec in entry["files"].values()])
    return {
        **entry,
        "version": version,
        "integrity": dist["integrity"],
        "files": {path: {"from": spec["from"], "sha256": sha256(members[spec["from"]])}
                  for path, spec in entry["files"].items()},
    }


def check(manifest: dict[str, Any], vendor_dir: Path = VENDOR_DIR) -> list[str]:
    """What on disk differs from the manifest: a file missing, changed or not listed, or a
    folder under static/vendor/ that no package of the manifest owns. Empty when all is well."""
    problems: list[str] = []
    owned = {MANIFEST.name}
    for name, entry in manifest.items():
        directory = package_dir(vendor_dir, name, entry)
        owned.add(directory.name)
        if not directory.is_dir():
            problems.append(f"{directory.name}/: missing (run scripts/vendor_assets.py)")
            continue
        for path, spec in entry["files"].items():
            file = directory / _safe_relative(path)
            if not file.is_file():
                problems.append(f"{directory.name}/{path}: missing")
            elif (digest := sha256(file.read_bytes())) != spec["sha256"]:
                problems.append(f"{directory.name}/{path}: sha256 {digest} != recorded {spec['sha256']}")
        listed = {str(_safe_relative(path)) for path in entry["files"]}
        for file in sorted(p for p in directory.rglob("*") if p.is_file()):
            if file.relative_to(directory).as_posix() not in listed:
                problems.append(f"{directory.name}/{file.relative_to(directory).as_posix()}: not in the manifest")
    for child in sorted(vendor_dir.iterdir()):
        if child.name not in owned:
            problems.append(f"{child.name}: not in the manifest (an old version?)")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="verify the files on disk against the manifest, offline")
    mode.add_argument("--update", nargs=2, metavar=("NAME", "VERSION"), help="pin NAME to VERSION, then fetch it")
    args = parser.parse_args(argv)
    manifest = load_manifest()
    try:
        if args.update:
            name, version = args.update
            if name not in manifest:
                parser.error(f"{name} is not in {MANIFEST.relative_to(REPO)}")
            previous = package_dir(VENDOR_DIR, name, manifest[name])
            manifest[name] = pin(name, manifest[name], version)
            MANIFEST.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
            print(f"pinned {name} {version} in {MANIFEST.relative_to(REPO)}")
            if previous != package_dir(VENDOR_DIR, name, manifest[name]) and previous.is_dir():
                shutil.rmtree(previous)
                print(f"removed {previous.relative_to(REPO)}")
        if not args.check:
            for name, entry in manifest.items():
                target = install(name, entry, download(tarball_url(entry["npm"], entry["version"])))
                print(f"{name} {entry['version']}: {len(entry['files'])} files verified in {target.relative_to(REPO)}")
    except VendorError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    problems = check(manifest)
    for problem in problems:
        print(f"static/vendor/{problem}", file=sys.stderr)
    if not problems and args.check:
        print(f"static/vendor: {sum(len(e['files']) for e in manifest.values())} files match the manifest")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
