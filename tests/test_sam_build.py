"""`sam build` of template.yaml, as a deploy runs it (no container): each function's package is
its own first-party code only, and DependenciesLayer holds the pinned third-party packages,
built for the functions' architecture (arm64).

The SAM CLI is the one the Makefile installs (`make test` does it before running pytest)."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from infra.template import TEMPLATE_PATH, load_template

ROOT = TEMPLATE_PATH.parent
SAM = ROOT / ".venv-tools" / "sam" / "bin" / "sam"
LAYER_REQUIREMENTS = ROOT / "layer" / "requirements.txt"
LEFT_OUT = ("__pycache__", ".pytest_cache")  # what infra/sam.mk does not copy (and *.pyc)
EM_AARCH64 = 183  # ELF e_machine of arm64


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _files(root: Path) -> set[str]:
    return {path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file()}


def _source_files(*relative: str) -> set[str]:
    """The repository's files at these paths, less what the makefile build leaves out."""
    found: set[str] = set()
    for item in relative:
        path = ROOT / item
        candidates = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
        for candidate in candidates:
            rel = candidate.relative_to(ROOT)
            if not any(part in LEFT_OUT for part in rel.parts) and candidate.suffix != ".pyc":
                found.add(rel.as_posix())
    return found


def _functions() -> dict[str, str]:
    """Logical id -> folder under functions/, from each function's handler."""
    folders = {}
    for logical_id, resource in load_template()["Resources"].items():
        if resource["Type"] == "AWS::Serverless::Function":
            handler = resource["Properties"]["Handler"]  # functions.<folder>.app.handler
            folders[logical_id] = handler.split(".")[1]
    assert folders, "the template has no AWS::Serverless::Function"
    return folders


def _pins() -> dict[str, str]:
    pins = {}
    for line in LAYER_REQUIREMENTS.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            pins[_canonical(name.strip())] = version.strip()
    return pins


@pytest.fixture(scope="module")
def build_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    assert SAM.is_file(), f"{SAM.relative_to(ROOT)} is missing: `make test` (or `make tools`) installs the SAM CLI"
    scratch = tmp_path_factory.mktemp("sam")
    build = scratch / "build"
    result = subprocess.run(
        [
            str(SAM), "build",
            "--template-file", str(TEMPLATE_PATH),
            "--build-dir", str(build),
            "--cache-dir", str(scratch / "cache"),
            "--no-cached",  # from scratch, whatever samconfig.toml says
            "--build-in-source",
        ],
        cwd=ROOT,
        env={**os.environ, "SAM_CLI_TELEMETRY": "0"},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, f"sam build failed:\n{result.stdout}\n{result.stderr}"
    assert "Build Succeeded" in result.stdout, result.stdout
    return build


def test_the_built_template_points_at_each_built_artifact(build_dir: Path) -> None:
    built: dict[str, Any] = load_template(build_dir / "template.yaml")["Resources"]
    for logical_id in _functions():
        assert built[logical_id]["Properties"]["CodeUri"] == logical_id
        assert (build_dir / logical_id).is_dir(), logical_id
    assert built["DependenciesLayer"]["Properties"]["ContentUri"] == "DependenciesLayer"
    assert (build_dir / "DependenciesLayer" / "python").is_dir()


def test_each_function_holds_only_its_own_folder_and_shared(build_dir: Path) -> None:
    folders = _functions()
    for logical_id, folder in folders.items():
        files = _files(build_dir / logical_id)
        expected = _source_files("functions/__init__.py", f"functions/{folder}", "shared")
        assert f"functions/{folder}/app.py" in files, logical_id
        assert "shared/__init__.py" in files, logical_id
        # no other function's folder, no tests/, no third-party package, nothing else
        for other in set(folders.values()) - {folder}:
            assert not any(path.startswith(f"functions/{other}/") for path in files), (logical_id, other)
        assert not any(path.startswith(("tests/", "infra/", "layer/")) for path in files), logical_id
        assert not any(".dist-info/" in path or path.endswith(".pyc") for path in files), logical_id
        assert files == expected, (
            f"{logical_id}: unexpected {sorted(files - expected)[:10]}, missing {sorted(expected - files)[:10]}"
        )


def test_the_layer_holds_the_pinned_packages_built_for_arm64(build_dir: Path) -> None:
    python = build_dir / "DependenciesLayer" / "python"
    for package in ("aws_lambda_powertools", "pynamodb", "boto3", "botocore", "xlsxwriter", "pyzipper", "Cryptodome",
                    "nh3", "publicsuffixlist", "openpyxl", "et_xmlfile", "defusedxml"):
        assert (python / package / "__init__.py").is_file(), f"the layer has no {package}"
    # the Public Suffix List is read from the package's own copy: no network at runtime
    assert (python / "publicsuffixlist" / "public_suffix_list.dat").stat().st_size > 100_000
    installed = {}
    for dist_info in python.glob("*.dist-info"):
        name, version = dist_info.name[: -len(".dist-info")].split("-", 1)
        installed[_canonical(name)] = version
    for name, version in _pins().items():
        assert installed.get(name) == version, \
            f"layer/requirements.txt pins {name}=={version}; built {installed.get(name)}"
    # first-party code is in the functions, never in the layer
    assert not (python / "shared").exists() and not (python / "functions").exists()
    # native code (pycryptodomex) for Lambda's arm64 (Graviton), not this machine's architecture
    shared_objects = sorted(python.rglob("*.so"))
    assert shared_objects, "expected pycryptodomex's native modules in the layer"
    for so in shared_objects:
        header = so.read_bytes()[:20]
        assert header[:4] == b"\x7fELF", so
        assert int.from_bytes(header[18:20], "little") == EM_AARCH64, f"{so.relative_to(python)} is not arm64"
