"""The course in a real browser: JupyterLab driven by Playwright in Debian's chromium, and the
static site opened with the network cut off.

JupyterLab serves a copy of notebooks/ so that nothing the browser runs (or autosaves) touches
the repository. Screenshots go to screenshots/ (ignored by git).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Route, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = ROOT / "screenshots"
LESSONS = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))



def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """JupyterLab on a free local port, token off, no news pop-up; stopped at the end."""
    base = tmp_path_factory.mktemp("lab")
    shutil.copytree(ROOT / "notebooks", base / "notebooks")
    config = base / "config"
    (config / "labconfig").mkdir(parents=True)
    (config / "labconfig" / "page_config.json").write_text(json.dumps(
        {"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}}))
    port = _free_port()
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(config),
           "JUPYTER_RUNTIME_DIR": str(base / "runtime")}
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("jupyter")), "lab", "--no-browser",
         "--ip=127.0.0.1", f"--port={port}", "--ServerApp.token=", "--ServerApp.password=",
         "--allow-root", "--expose-app-in-browser", f"--ServerApp.root_dir={base}",
         f"--LabApp.workspaces_dir={base / 'workspaces'}"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{url}/lab", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("JupyterLab did not start") from None
                time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), "Debian's chromium is missing: `make system-deps` installs it"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        try:
            yield chromium
        finally:
            chromium.close()


NOTEBOOK = "window.jupyterapp.shell.currentWidget"

FINISHED = f"""() => {{
    const panel = {NOTEBOOK};
    const kernel = panel && panel.sessionContext.session && panel.sessionContext.session.kernel;
    if (!kernel || kernel.status !== 'idle' || !panel.__gradlabStarted) return false;
    return panel.content.widgets.filter(c => c.model.type === 'code')
        .every(c => c.model.executionCount !== null);
}}"""

UNEXPECTED = f"""() => {{
    const problems = [];
    {NOTEBOOK}.content.widgets.forEach((cell, index) => {{
        if (cell.model.type !== 'code') return;
        const tags = cell.model.getMetadata('tags') || [];
        const failed = cell.model.outputs.toJSON().some(o => o.output_type === 'error');
        const expected = tags.includes('raises-exception');
        if (failed !== expected) problems.push(`cell ${{index}}: ${{failed ? 'unexpected error' :
            'expected an error'}}`);
    }});
    return problems;
}}"""


def _run_all(page: Page, url: str, name: str) -> None:
    page.goto(f"{url}/lab/tree/notebooks/{name}")
    page.wait_for_function(f"""() => {{
        const panel = window.jupyterapp && {NOTEBOOK};
        return panel && panel.sessionContext && panel.sessionContext.session &&
            panel.sessionContext.session.kernel &&
            panel.sessionContext.session.kernel.status === 'idle';
    }}""", timeout=90_000)
    page.evaluate(f"""async () => {{
        await window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs');
        {NOTEBOOK}.__gradlabStarted = true;
        window.jupyterapp.commands.execute('notebook:run-all-cells');
    }}""")
    page.wait_for_function(FINISHED, timeout=180_000, polling=500)


def _pane(page: Page, kind: str) -> str:
    return page.locator(f".gradlab-{kind}-pane").first.inner_html()


@pytest.mark.parametrize("name", LESSONS)
def test_lesson_runs_in_jupyterlab_and_the_toggle_flips(lab: str, browser: Browser,
                                                        name: str) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        _run_all(page, lab, name)
        assert page.evaluate(UNEXPECTED) == []
        if page.locator(".gradlab-graph-pane").count() == 0:
            assert name == "08_fact_check.ipynb", "a lesson without its toggle"
            return
        toggle = page.locator(".widget-toggle-buttons").first
        toggle.evaluate("el => el.scrollIntoView({block: 'start'})")
        graph, grads = _pane(page, "graph"), _pane(page, "grads")
        assert "<svg" in graph and "<table" in grads
        toggle.locator("button", has_text="fixed").click()
        page.wait_for_function(
            "g => document.querySelector('.gradlab-graph-pane').innerHTML !== g", arg=graph)
        assert _pane(page, "grads") != grads
        SCREENSHOTS.mkdir(exist_ok=True)
        toggle.evaluate("el => el.closest('.jp-Cell-outputArea').scrollIntoView({block: 'start'})")
        page.wait_for_timeout(300)  # let JupyterLab's windowed notebook settle before the picture
        page.screenshot(path=str(SCREENSHOTS / f"{Path(name).stem}.png"))
        toggle.locator("button", has_text="broken").click()
        page.wait_for_function(
            "g => document.querySelector('.gradlab-graph-pane').innerHTML === g", arg=graph)
        assert _pane(page, "grads") == grads
    finally:
        page.evaluate(f"() => {NOTEBOOK} && {NOTEBOOK}.sessionContext.shutdown()")
        page.close()


def test_static_site_shows_both_variants_offline(tmp_path: Path, browser: Browser) -> None:
    subprocess.run([sys.executable, str(ROOT / "scripts" / "build_site.py"), str(tmp_path)],
                   check=True, capture_output=True, timeout=300)
    page = browser.new_page()
    requested: list[str] = []

    def offline(route: Route) -> None:
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            requested.append(route.request.url)
            route.abort()

    page.route("**/*", offline)
    try:
        page.goto((tmp_path / "index.html").as_uri())
        links = page.locator("a").all()
        assert len(links) == len(LESSONS)
        for name in LESSONS:
            page.goto((tmp_path / name.replace(".ipynb", ".html")).as_uri())
            statics = page.locator(".gradlab-compare-static")
            if name != "08_fact_check.ipynb":
                assert statics.count() >= 1, name
                first = statics.first
                assert first.locator("h4", has_text="broken").count() == 1
                assert first.locator("h4", has_text="fixed").count() == 1
                assert first.locator("svg").count() >= 2  # both graphs
                assert first.locator("table.gradlab-grads").count() == 2
                assert first.locator("svg").first.bounding_box() is not None  # drawn, visible
            assert page.locator("text=Error displaying widget").count() == 0
        assert requested == [], f"the site asked the network for {requested}"
    finally:
        page.close()
