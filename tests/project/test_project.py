"""The course installs the same everywhere: conda, Binder, pip; every notebook is tested."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import tomllib
import yaml

import gradlab as gl
from project.test_notebooks_in_sync import build_script

ROOT = Path(__file__).resolve().parents[2]


def packages(path: Path) -> tuple[set[str], set[str]]:
    """Return the conda and pip package names an environment file lists (gradlab excluded)."""
    spec: dict[str, Any] = yaml.safe_load(path.read_text())
    conda: set[str] = set()
    pip: set[str] = set()
    for item in spec["dependencies"]:
        if isinstance(item, dict):
            pip |= {p.split("==")[0] for p in item["pip"] if not p.startswith("-e .")}
        else:
            conda.add(item.split("=")[0].split("<")[0].split(">")[0])
    return conda, pip


def test_binder_and_root_environments_list_the_same_packages() -> None:
    root, binder = ROOT / "environment.yml", ROOT / "binder" / "environment.yml"
    assert packages(root) == packages(binder)
    for path in (root, binder):
        spec = yaml.safe_load(path.read_text())
        assert spec["channels"] == ["conda-forge"]
        assert "python=3.11" in spec["dependencies"]
        assert {"pytorch-cpu=2.13.0", "python-graphviz", "jupyterlab>=4,<5", "ipywidgets>=8,<9",
                "matplotlib-base>=3.8", "nbval", "pytest", "setuptools"} <= set(
                    d for d in spec["dependencies"] if isinstance(d, str))
    assert "-e .[course]" in yaml.safe_load(root.read_text())["dependencies"][-1]["pip"]
    assert "torchviz==0.0.3" in yaml.safe_load(binder.read_text())["dependencies"][-1]["pip"]
    binder_text = binder.read_text()
    assert "-e ." not in binder_text and "file:" not in binder_text


def test_postbuild_installs_gradlab_strictly() -> None:
    post = (ROOT / "binder" / "postBuild").read_text().splitlines()
    assert post[0] == "#!/usr/bin/env bash"
    assert "set -euo pipefail" in post
    assert "python -m pip install --no-deps -e ." in post


def test_repo2docker_picks_conda_python_311_and_runs_postbuild() -> None:
    tool = Path(sys.executable).parent / "jupyter-repo2docker"
    done = subprocess.run([str(tool), "--no-build", "--debug", str(ROOT)], capture_output=True,
                          text=True, check=True, timeout=300)
    dockerfile = done.stdout + done.stderr
    assert "Building conda environment for python=3.11" in dockerfile
    assert '--file "binder/environment.yml"' in dockerfile
    assert "RUN ./binder/postBuild" in dockerfile


def notebooks() -> list[Path]:
    return sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_notebooks_exist_and_are_listed_in_the_readme() -> None:
    found = notebooks()
    assert found, "no notebook to test"
    readme = (ROOT / "README.md").read_text()
    for path in found:
        assert f"notebooks/{path.name}" in readme


@pytest.mark.parametrize("path", notebooks(), ids=lambda p: p.name)
def test_notebook_is_stored_executed_in_order_with_python3_kernel(path: Path) -> None:
    nb = json.loads(path.read_text())
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    counts = [c["execution_count"] for c in nb["cells"] if c["cell_type"] == "code"]
    assert counts and None not in counts and counts == sorted(counts)
    text = json.dumps(nb["cells"])
    assert str(ROOT) not in text and " at 0x" not in text


def test_ci_runs_exactly_the_readme_test_command() -> None:
    assert "make test" in (ROOT / "README.md").read_text()
    lines = [ln for ln in (ROOT / ".ci" / "run").read_text().splitlines()
             if ln and not ln.startswith("#")]
    assert lines[-1] == "make test"
    workflow = (ROOT / ".github" / "workflows" / "test.yml").read_text()
    assert "make test" in workflow


def test_package_declares_its_public_names_and_is_typed() -> None:
    assert (ROOT / "gradlab" / "py.typed").exists()
    assert gl.__version__
    for name in gl.__all__:
        assert hasattr(gl, name), name


def test_install_check_says_what_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    from gradlab import install_check

    monkeypatch.setenv("PATH", "")
    text = install_check.report()
    assert "MISSING  dot" in text and "apt-get install graphviz" in text
    assert "ok       torch" in text


@pytest.mark.parametrize("command", [
    ["mypy", "gradlab"],
    ["ruff", "check", "gradlab", "benchmarks", "tests", "scripts"],
], ids=["mypy-strict", "ruff"])
def test_code_is_typed_and_clean(command: list[str]) -> None:
    """gradlab type-checks under mypy --strict, and the code passes the linter."""
    done = subprocess.run([sys.executable, "-m", *command], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_readme_badges_are_made_from_the_repository_setting_and_open_the_start_page() -> None:
    start = notebooks()[0]
    badges = build_script().badges(start.stem)
    assert badges in (ROOT / "README.md").read_text(), f"the README's badges should be\n{badges}"
    assert f"urlpath=lab/tree/notebooks/{start.name})" in badges
    assert f"/blob/main/notebooks/{start.name})" in badges
    assert (ROOT / "binder" / "environment.yml").is_file()  # what mybinder.org builds from


CONDA_NAMES = {"torch": "pytorch-cpu", "graphviz": "python-graphviz",
               "matplotlib": "matplotlib-base"}


def requirement_names(requirements: list[str]) -> set[str]:
    """The package names of PEP 508 requirements, as the conda files spell them."""
    names = {re.split(r"[<>=!~ \[]", r, maxsplit=1)[0].lower() for r in requirements}
    return {CONDA_NAMES.get(name, name) for name in names}


def test_the_library_needs_three_packages_and_the_environments_hold_the_course_extra() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    library = requirement_names(project["dependencies"])
    course = requirement_names(project["optional-dependencies"]["course"])
    assert library == {"pytorch-cpu", "numpy", "python-graphviz"}
    assert {"ipywidgets", "torchviz", "matplotlib-base", "jupyterlab", "nbval"} <= course
    for path in (ROOT / "environment.yml", ROOT / "binder" / "environment.yml"):
        conda, pip = packages(path)
        assert library | course <= conda | pip, (path, (library | course) - conda - pip)


def test_make_lab_installs_dot_and_the_course_and_make_test_adds_chromium(tmp_path: Path) -> None:
    """`make -n` lists what each target would run on a machine with nothing installed."""
    def commands(target: str) -> str:
        done = subprocess.run(["make", "-n", target, f"VENV={tmp_path / 'venv'}"], cwd=ROOT,
                              capture_output=True, text=True, check=True, timeout=60)
        return done.stdout

    lab, test = commands("lab"), commands("test")
    assert "system_deps.sh dot\n" in lab and "chromium" not in lab
    assert '-e ".[course]"' in lab and "requirements-test.txt" not in lab
    assert "system_deps.sh dot chromium" in test and "requirements-test.txt" in test
    assert "--nbval" in test and "--nbval" not in commands("unit")


def test_binder_pins_the_torch_the_stored_outputs_were_made_with() -> None:
    """A newer torch changes messages that strict nbval compares."""
    import torch

    made_with = re.search(r"^TORCH_VERSION \?= (\S+)$", (ROOT / "Makefile").read_text(), re.M)
    assert made_with is not None and torch.__version__.split("+")[0] == made_with.group(1)
    for path in (ROOT / "environment.yml", ROOT / "binder" / "environment.yml"):
        deps = yaml.safe_load(path.read_text())["dependencies"]
        assert f"pytorch-cpu={made_with.group(1)}" in deps, path
    assert "jupyter trust notebooks/*.ipynb" in (ROOT / "binder" / "postBuild").read_text()
