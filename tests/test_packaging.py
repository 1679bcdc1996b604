"""Packaging: every package folder is in the wheel, the lock files pin every dependency, from PyPI only;
the Windows installer keeps its AppId and takes its version and names from pyproject.toml."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
LOCKS = {"run": (), "test": ("test",), "bundle": ("bundle",)}


def _name(requirement: str) -> str:
    return re.split(r"[\s<>=!~;\[]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _pins(lock: Path) -> dict[str, str]:
    return {
        m.group(1).lower(): m.group(2)
        for m in re.finditer(r"^([A-Za-z0-9_.\-]+)==([^\s;\\]+)", lock.read_text(encoding="utf-8"), re.M)
    }


def test_every_package_folder_is_listed_for_the_wheel() -> None:
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    on_disk = {
        ".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "xinfang_desk").rglob("__init__.py")
    }
    on_disk |= {"xinfang_desk.resources"} | {
        f"xinfang_desk.resources.{p.name}"
        for p in (ROOT / "resources").iterdir()
        if p.is_dir() and p.name != "__pycache__"
    }
    assert on_disk - listed == set(), "add these to [tool.setuptools] packages in pyproject.toml"
    assert listed - on_disk == set()


@pytest.mark.parametrize("kind", LOCKS)
def test_each_lock_file_pins_every_dependency_with_hashes(kind: str) -> None:
    lock = ROOT / "requirements" / f"{kind}.txt"
    pins = _pins(lock)
    wanted = [*PYPROJECT["project"]["dependencies"], "setuptools", "wheel"]
    for extra in LOCKS[kind]:
        wanted += PYPROJECT["project"]["optional-dependencies"][extra]
    missing = {_name(r) for r in wanted} - set(pins)
    assert missing == set(), f"run scripts/lock.sh: {lock.name} lacks {sorted(missing)}"
    text = lock.read_text(encoding="utf-8")
    for block in re.split(r"\n(?=[A-Za-z0-9])", text.strip()):
        if block.startswith("#"):
            continue
        assert "--hash=sha256:" in block, f"{lock.name}: no hash for {block.splitlines()[0]}"


def test_the_three_lock_files_agree_on_every_version() -> None:
    versions: dict[str, set[str]] = {}
    for kind in LOCKS:
        for name, version in _pins(ROOT / "requirements" / f"{kind}.txt").items():
            versions.setdefault(name, set()).add(version)
    assert {name: v for name, v in versions.items() if len(v) > 1} == {}


def test_the_lock_files_name_no_other_index() -> None:
    for kind in LOCKS:
        text = (ROOT / "requirements" / f"{kind}.txt").read_text(encoding="utf-8")
        assert not re.search(r"--(extra-)?index-url|--find-links|https?://", text), kind


def test_no_licence_classifier_beside_the_spdx_licence() -> None:
    # setuptools >= 77 warns for every build when both are given.
    assert isinstance(PYPROJECT["project"]["license"], str)
    assert not any(c.startswith("License ::") for c in PYPROJECT["project"].get("classifiers", []))


#: The installer's AppId: a newer setup finds the installed 信访台账 by it, so it must never change.
INSTALLER_APP_ID = "{{1ED3BF12-E4F7-4D18-B424-22A19561698B}"
ISS = ROOT / "installer" / "xinfang-desk.iss"
BUILD_INSTALLER = ROOT / "installer" / "build-installer.ps1"


def _iss_settings() -> dict[str, str]:
    """The ``Key=Value`` lines of the [Setup] section of the installer script."""
    text = ISS.read_text(encoding="utf-8-sig")
    section = text.split("[Setup]", 1)[1].split("\n[", 1)[0]
    return dict(
        line.split("=", 1) for line in section.splitlines() if "=" in line and not line.startswith(";")
    )


def test_the_installer_keeps_its_app_id_so_a_newer_setup_upgrades_the_installed_copy() -> None:
    assert _iss_settings()["AppId"] == INSTALLER_APP_ID


def test_the_installer_takes_its_version_and_names_from_pyproject() -> None:
    project = PYPROJECT["project"]
    setup = _iss_settings()
    # the version is passed in by the build script, never written in the installer script
    assert setup["AppVersion"] == setup["VersionInfoVersion"] == "{#AppVersion}"
    code = [line for line in ISS.read_text(encoding="utf-8-sig").splitlines() if not line.startswith(";")]
    assert not [line for line in code if re.search(r"\d+\.\d+\.\d+", line)]
    script = BUILD_INSTALLER.read_text(encoding="utf-8-sig")
    read_version = re.search(r'\$Version = & \$Python -c "([^"]+)"', script)
    assert read_version is not None, "build-installer.ps1 no longer reads the version from pyproject.toml"
    printed = subprocess.run(
        [sys.executable, "-c", read_version.group(1)], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert printed == project["version"]
    assert '& $Iscc "/DAppVersion=$Version" installer\\xinfang-desk.iss' in script
    # the bundle build.spec names after the project, and the setup file and install folder follow it
    assert f'#define AppExe "{project["name"]}.exe"' in code
    assert rf'#define BundleDir SourcePath + "..\dist\{project["name"]}"' in code
    assert setup["DefaultDirName"] == rf"{{autopf}}\{project['name']}"
    assert setup["OutputBaseFilename"] == f"{project['name']}-{{#AppVersion}}-setup"
