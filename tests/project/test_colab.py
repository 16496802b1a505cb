"""The set-up cell every notebook starts with: on Colab it clones the repository, installs
gradlab[course] from it and Graphviz's `dot`, moves to the notebooks' folder (where lessons find
their files) and turns on Colab's widget manager; anywhere else it does nothing, prints nothing."""

from __future__ import annotations

import os
import subprocess
import sys
import types
from typing import Any

import pytest

from project.test_notebooks_in_sync import build_script


class FakeOutput(types.ModuleType):
    """google.colab.output, remembering that the widget manager was turned on."""

    def __init__(self) -> None:
        super().__init__("google.colab.output")
        self.widget_manager = False

    def enable_custom_widget_manager(self) -> None:
        self.widget_manager = True


def test_on_colab_the_cell_installs_gradlab_dot_and_the_widget_manager(
        monkeypatch: pytest.MonkeyPatch) -> None:
    script = build_script()
    google, colab = types.ModuleType("google"), types.ModuleType("google.colab")
    output = FakeOutput()
    colab.output = output  # type: ignore[attr-defined]
    google.colab = colab  # type: ignore[attr-defined]
    for name, module in (("google", google), ("google.colab", colab),
                         ("google.colab.output", output)):
        monkeypatch.setitem(sys.modules, name, module)
    commands: list[list[str]] = []

    def run(command: list[str], **options: Any) -> subprocess.CompletedProcess[str]:
        assert options == {"check": True}  # a failed install stops the notebook there
        commands.append(command)
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(subprocess, "run", run)
    monkeypatch.setattr(os, "chdir", lambda path: commands.append(["cd", path]))
    exec(script.colab_setup(), {})
    assert commands == [
        ["git", "clone", "--quiet", "--depth", "1",
         f"https://github.com/{script.repository()}", "/content/gradlab"],
        [sys.executable, "-m", "pip", "install", "--quiet", "/content/gradlab[course]"],
        ["apt-get", "update", "-qq"],
        ["apt-get", "install", "-y", "-qq", "graphviz"],
        ["cd", "/content/gradlab/notebooks"],
    ]
    assert output.widget_manager
    commands.clear()  # run again (a second Run All): the clone is there, nothing is fetched twice
    monkeypatch.setattr(os.path, "isdir", lambda path: path == "/content/gradlab")
    exec(script.colab_setup(), {})
    assert [c[0] for c in commands] == [sys.executable, "apt-get", "apt-get", "cd"]


def test_elsewhere_the_cell_runs_nothing_and_prints_nothing(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "google.colab", None)  # as where it is not installed

    def run(*args: object, **options: object) -> None:
        raise AssertionError("ran a command off Colab")

    monkeypatch.setattr(subprocess, "run", run)
    monkeypatch.setattr(os, "chdir", run)
    namespace: dict[str, object] = {}
    exec(build_script().colab_setup(), namespace)
    assert namespace["colab_output"] is None
    assert capsys.readouterr() == ("", "")
