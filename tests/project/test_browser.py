"""The course in a real browser: JupyterLab driven by Playwright in Debian's chromium, and the
static site opened with the network cut off.

JupyterLab serves a copy of notebooks/ so that nothing the browser runs (or autosaves) touches
the repository; one server and one page (1280x720, a projector) serve every lesson.
Screenshots go to screenshots/ (ignored by git).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Locator, Page, Route, expect, sync_playwright

from gradlab.widgets import KERNEL_GONE

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = ROOT / "screenshots"
LESSONS = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
# The pages with no broken/fixed toggle by design: the foundation (nothing is broken yet), the
# fact check, the capstone (the learner finds the fix), the cheat sheet, what next, the notes.
WITHOUT_TOGGLE = {"01_how_backward_works.ipynb", "11_fact_check.ipynb", "12_capstone.ipynb",
                  "13_cheat_sheet.ipynb", "14_what_next.ipynb", "instructor_notes.ipynb"}



def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def lab_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder JupyterLab serves: a copy of notebooks/ and what a test adds."""
    base = tmp_path_factory.mktemp("lab")
    shutil.copytree(ROOT / "notebooks", base / "notebooks")
    return base


@pytest.fixture(scope="module")
def lab(lab_root: Path) -> Iterator[str]:
    """JupyterLab on a free local port, token off, no news pop-up; stopped at the end."""
    base = lab_root
    config = base / "config"
    (config / "labconfig").mkdir(parents=True)
    (config / "labconfig" / "page_config.json").write_text(json.dumps(
        {"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}}))
    port = _free_port()
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(config),
           "JUPYTER_RUNTIME_DIR": str(base / "runtime"),
           "JUPYTER_DATA_DIR": str(base / "data")}  # its own trust database: nothing trusted
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


@pytest.fixture(scope="module")
def page(browser: Browser) -> Iterator[Page]:
    """One page for every lesson, at a projector's size: 1280x720."""
    shown = browser.new_page(viewport={"width": 1280, "height": 720})
    try:
        yield shown
    finally:
        shown.close()


NOTEBOOK = "window.jupyterapp.shell.currentWidget"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"

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


def _open(page: Page, url: str, name: str) -> None:
    """Open a notebook in a fresh JupyterLab page, file browser open, kernel idle."""
    page.goto(f"{url}/lab/tree/notebooks/{name}?reset")  # no tab of an earlier lesson
    page.wait_for_function(f"""() => {{
        const panel = window.jupyterapp && {NOTEBOOK};
        return panel && panel.context && panel.context.isReady && panel.sessionContext &&
            panel.sessionContext.session && panel.sessionContext.session.kernel &&
            panel.sessionContext.session.kernel.status === 'idle';
    }}""", timeout=120_000)
    if not page.locator("#filebrowser").is_visible():
        page.evaluate("() => window.jupyterapp.commands.execute('filebrowser:activate')")
    page.locator("#filebrowser").wait_for(state="visible")


def _run_all(page: Page) -> None:
    """Run every cell in classroom mode (every toggle big=True), as an instructor would."""
    page.evaluate(f"""async () => {{
        const kernel = {NOTEBOOK}.sessionContext.session.kernel;
        await kernel.requestExecute({{code: "import os; os.environ['GRADLAB_CLASSROOM'] = '1'",
                                      silent: true}}).done;
        await window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs');
        {NOTEBOOK}.__gradlabStarted = true;
        window.jupyterapp.commands.execute('notebook:run-all-cells');
    }}""")
    page.wait_for_function(FINISHED, timeout=240_000, polling=500)


STORED_PICTURES = """() => {
    // Every picture a stored output carries, looked at one by one (JupyterLab renders cells
    // lazily): loaded, drawn, and no markup left over as text.
    const problems = [];
    const root = window.jupyterapp.shell.currentWidget.node;
    const statics = [...root.querySelectorAll('.gradlab-compare-static')];
    for (const view of statics) {
        view.scrollIntoView();
        const pictures = [...view.querySelectorAll('.gradlab-graph img')];
        if (pictures.length < 2) problems.push(`a static view with ${pictures.length} graphs`);
        for (const img of pictures)
            if (!img.complete || img.naturalWidth === 0 || img.getBoundingClientRect().width === 0)
                problems.push('a graph picture that did not draw');
        if (view.getBoundingClientRect().height === 0) problems.push('a hidden static view');
    }
    const text = root.innerText;
    for (const leftover of ['cluster_legend', 'model not found', '<svg', 'CompareWidget('])
        if (text.includes(leftover)) problems.push(`the page shows ${leftover}`);
    return {statics: statics.length, problems};
}"""

DRAWS = """() => [...window.jupyterapp.shell.currentWidget.node.querySelectorAll(
    '.jp-OutputArea-output')].filter(o =>
    o.querySelector('img') && !o.querySelector('.gradlab-compare-static')).length"""


def _stored_views(page: Page, toggles: int) -> Any:
    """The stored outputs' pictures once JupyterLab has drawn every toggle's static view."""
    page.wait_for_function(
        """n => window.jupyterapp.shell.currentWidget.node.querySelectorAll(
            '.gradlab-compare-static').length >= n""", arg=toggles)
    return page.evaluate(STORED_PICTURES)


def _stored(name: str) -> tuple[int, int]:
    """How many toggles and plain `gl.draw` pictures the stored notebook holds."""
    cells = json.loads((ROOT / "notebooks" / name).read_text())["cells"]
    outputs = [o.get("data", {}) for c in cells if c["cell_type"] == "code" for o in c["outputs"]]
    html = ["".join(d.get("text/html", "")) for d in outputs]
    toggles = sum("gradlab-compare-static" in h for h in html)
    draws = sum('class="gradlab-graph"' in h and "gradlab-compare-static" not in h for h in html)
    return toggles, draws + sum("image/png" in d for d in outputs)


PROJECTOR = """(toggle) => {
    // The measurements of a projector (1280x720, file browser open) for one live toggle.
    toggle.querySelector('.widget-toggle-buttons').scrollIntoView({block: 'start'});
    const area = toggle.closest('.jp-OutputArea-output');
    const graph = toggle.querySelector('.gradlab-graph-pane svg');
    const box = graph.getBoundingClientRect();
    const scale = box.width / graph.viewBox.baseVal.width;
    const labels = [...graph.querySelectorAll('g.node text')].map(
        t => parseFloat(t.getAttribute('font-size')) * scale);
    const curve = toggle.querySelector('.gradlab-curve-pane img');  // drawn with 16 px type
    const curveScale = curve ? curve.getBoundingClientRect().width / curve.naturalWidth : 0;
    return {
        width: area.clientWidth, scrolls: area.scrollWidth > area.clientWidth + 1,
        graph: box.width, curve: curve ? curve.getBoundingClientRect().width : 0,
        curveText: curve ? 16 * curveScale : null,
        smallest: Math.min(...labels), top: box.top, viewport: window.innerHeight,
        legendInside: graph.innerHTML.includes('cluster_legend'),
        legendBeside: toggle.querySelector('.gradlab-graph-pane .gradlab-legend svg') !== null,
    };
}"""


def _flip(page: Page, toggle: Locator, variant: str, before: str) -> None:
    """Click `variant` and wait until the code pane shows it (the code always differs; the
    graph may not: forgetting zero_grad() changes no edge)."""
    toggle.locator(".widget-toggle-buttons button", has_text=variant).click()
    page.wait_for_function(
        "([t, c]) => t.querySelector('.gradlab-code-pane').innerHTML !== c",
        arg=[toggle.element_handle(), before])


def _pane(toggle: Locator, kind: str) -> str:
    return toggle.locator(f".gradlab-{kind}-pane").first.inner_html()


@pytest.mark.parametrize("name", LESSONS)
def test_lesson_in_jupyterlab_untrusted_live_projector_restart_reopen(
        lab: str, page: Page, name: str) -> None:
    """One lesson the ways it is met: opened untrusted (pictures, never markup), run in
    classroom mode on a projector (every toggle flips; type large, nothing scrolls sideways),
    after a kernel restart (the toggle says so), saved and reopened (the static view)."""
    toggles, draws = _stored(name)
    _open(page, lab, name)
    assert page.evaluate(f"""() => {NOTEBOOK}.content.widgets.filter(c =>
        c.model.type === 'code' && c.model.outputs.length).every(c => !c.model.trusted)""")
    stored = _stored_views(page, toggles)
    assert stored == {"statics": toggles, "problems": []}, name
    # gl.draw: the PNG beside the SVG (pictures still decoding may lag behind the views)
    page.wait_for_function(f"() => ({DRAWS})() >= {draws}", timeout=30_000)

    _run_all(page)
    assert page.evaluate(UNEXPECTED) == []
    live = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .gradlab-live")
    assert live.count() == toggles
    if toggles == 0:
        assert name in WITHOUT_TOGGLE, "a lesson without its toggle"
    redrawn = 0  # toggles whose graph differs between broken and fixed
    for i in range(live.count()):
        toggle = live.nth(i)
        toggle.scroll_into_view_if_needed()
        graph, code = _pane(toggle, "graph"), _pane(toggle, "code")
        assert "<svg" in graph
        _flip(page, toggle, "fixed", code)
        assert "<svg" in _pane(toggle, "graph")
        redrawn += _pane(toggle, "graph") != graph
        _flip(page, toggle, "broken", _pane(toggle, "code"))
        assert _pane(toggle, "graph") == graph and _pane(toggle, "code") == code
        seen = toggle.evaluate(PROJECTOR)
        assert not seen["scrolls"] and seen["graph"] <= seen["width"], seen
        assert seen["curve"] <= seen["width"], seen
        assert seen["curveText"] is None or seen["curveText"] >= 14, seen
        assert seen["smallest"] >= 14, seen
        assert not seen["legendInside"] and seen["legendBeside"], seen
        assert 0 <= seen["top"] < seen["viewport"], seen
        if i == 0:  # the rerun button says it runs, then how long it took; words wrap whole
            toggle.locator("button.gradlab-big-toggle", has_text="rerun").click()
            expect(toggle.locator(".gradlab-status")).to_have_text(
                re.compile(r"running broken…|ran broken in \d+\.\d\d s"))
            expect(toggle.locator(".gradlab-status")).to_have_text(
                re.compile(r"ran broken in \d+\.\d\d s"), timeout=60_000)
            assert toggle.locator(".gradlab-code-pane pre").evaluate(
                "el => getComputedStyle(el).wordBreak + ' ' + getComputedStyle(el).whiteSpace"
            ) == "normal pre-wrap"
            SCREENSHOTS.mkdir(exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / f"{Path(name).stem}.png"))
    assert redrawn >= min(toggles, 1), "no toggle of the lesson redraws its graph on a flip"

    page.evaluate(f"() => {NOTEBOOK}.sessionContext.session.kernel.restart()")
    page.wait_for_function(f"() => {NOTEBOOK}.sessionContext.session.kernel.status === 'idle'",
                           timeout=60_000)
    for i in range(live.count()):
        toggle = live.nth(i)
        toggle.scroll_into_view_if_needed()
        expect(toggle.locator(".gradlab-kernel-gone")).to_be_visible()
        assert KERNEL_GONE in (toggle.locator(".gradlab-kernel-gone").text_content() or "")
        assert toggle.locator(".gradlab-controls").evaluate(
            "el => getComputedStyle(el).pointerEvents") == "none"

    page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
    page.wait_for_function(f"() => !{NOTEBOOK}.context.model.dirty")
    _open(page, lab, name)  # the page reloads: the widgets' models are gone with it
    reopened = _stored_views(page, toggles)
    assert reopened == {"statics": toggles, "problems": []}, name
    page.evaluate(f"() => {NOTEBOOK}.sessionContext.shutdown()")


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
            if name not in WITHOUT_TOGGLE:
                assert statics.count() >= 1, name
                first = statics.first
                assert first.locator("h4", has_text="broken").count() == 1
                assert first.locator("h4", has_text="fixed").count() == 1
                assert first.locator(".gradlab-scroll img").count() == 2  # both graphs
                assert first.locator("table.gradlab-grads").count() == 2
                assert first.locator("img").first.evaluate("i => i.naturalWidth") > 0  # drawn
            assert page.locator("text=Error displaying widget").count() == 0
            assert page.locator("img:not([alt])").count() == 0, name
            assert page.locator('img[alt^="No description"]').count() == 0, name  # nbconvert's
            for img in page.locator(".gradlab-scroll img").all():  # graphs at their own size
                assert img.evaluate("i => i.getBoundingClientRect().width / i.naturalWidth"
                                    ) >= 11 / 12, name  # 9 pt edge labels: 12 px, >= 11 px
        assert requested == [], f"the site asked the network for {requested}"
    finally:
        page.close()


VIEWS = [
    "import torch\nfrom torch import nn\nimport gradlab as gl\ngl.setup()\n%load_ext gradlab",
    "{switch}",
    """def broken():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    x, y = torch.randn(8, 3), torch.randn(8, 1)
    with torch.no_grad():
        h = model[0](x)
    loss = nn.functional.mse_loss(model[2](model[1](h)), y)
    loss.backward()
    return locals()

def fixed():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    x, y = torch.randn(8, 3), torch.randn(8, 1)
    loss = nn.functional.mse_loss(model(x), y)
    loss.backward()
    return locals()

gl.compare(broken, fixed, title="no_grad")""",
    """def micrograd():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    w = torch.tensor([0.5, -1.0], requires_grad=True)
    loss = (x * w).relu().sum()
    loss.backward()
    return locals()

gl.draw(micrograd, values=True)""",
    """%%gradlab
from train_buggy import Net, make_data
x, y = make_data()
torch.manual_seed(0)
model = Net()
loss = nn.functional.mse_loss(model(x), y)
loss.backward()""",
]

LABELS = """(minimum) => {
    // Every gradlab picture on the page: its drawn scale (rendered / natural width) times the
    // smallest type it was drawn with (edge labels: 9 pt = 12 px at 96 dpi; large type 14 pt),
    // and whether it and its legend lie inside the 1280 px page.
    const root = window.jupyterapp ? window.jupyterapp.shell.currentWidget.node : document;
    const seen = [];
    for (const img of root.querySelectorAll('.gradlab-graph img')) {
        img.scrollIntoView({block: 'center'});
        const box = img.getBoundingClientRect();
        const scale = box.width / img.naturalWidth;
        seen.push({alt: img.alt.slice(0, 40), px: (minimum.big ? 14 : 9) * 4 / 3 * scale,
                   right: box.right, legend: img.closest('.gradlab-legend') !== null,
                   drawn: img.complete && img.naturalWidth > 0});
    }
    return seen;
}"""


def _notebook(folder: Path, switch: str) -> Path:
    """A small notebook run by nbconvert (as the lessons are built): a toggle, a values graph
    and lesson 10's %%gradlab graph (1,750 px drawn plainly); `switch` is the classroom cell."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell(source.replace("{switch}", switch)) for source in VIEWS])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    NotebookClient(notebook, timeout=240, kernel_name="python3",
                   resources={"metadata": {"path": str(folder)}}).execute()
    path = folder / f"views_{'big' if 'True' in switch else 'normal'}.ipynb"
    nbformat.write(notebook, path)
    return path


@pytest.mark.parametrize("big", [False, True])
def test_static_views_are_readable_at_1280_px(lab: str, lab_root: Path, page: Page,
                                              big: bool) -> None:
    """Opened untrusted before any kernel ran (the stored outputs alone): every graph at a
    scale where its smallest labels are >= 11 px (>= 14 px after gl.classroom(True)), its
    legend inside the page, alt text on every picture; then run (the toggle flipped from the
    keyboard), saved and reopened: no "Error displaying widget"."""
    path = _notebook(lab_root / "notebooks", "gl.classroom(True)" if big else "gl.classroom(None)")
    _open(page, lab, path.name)
    page.wait_for_function("""() => window.jupyterapp.shell.currentWidget.node
        .querySelectorAll('.gradlab-graph img').length >= 4 * 2""")
    seen = page.evaluate(LABELS, {"big": big})
    page.screenshot(path=str(_shot(f"views_{big}")))
    graphs = [p for p in seen if not p["legend"]]
    assert len(graphs) == 4, seen  # broken, fixed, the values graph, the %%gradlab graph
    assert all(p["drawn"] and p["right"] <= 1280 for p in seen), [
        (p["alt"][:12], round(p["px"], 1), round(p["right"]), p["drawn"]) for p in seen]
    assert all(p["px"] >= (14 if big else 11) for p in graphs), seen
    assert page.evaluate(f"() => {NOTEBOOK}.node.querySelectorAll('img:not([alt])').length") == 0

    _run_all(page)
    # the toggle from the keyboard: its buttons are real <button>s, reached by Tab
    toggle = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .gradlab-live").first
    toggle.scroll_into_view_if_needed()
    code = _pane(toggle, "code")
    toggle.locator(".widget-toggle-buttons button", has_text="broken").focus()
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    page.wait_for_function(
        "([t, c]) => t.querySelector('.gradlab-code-pane').innerHTML !== c",
        arg=[toggle.element_handle(), code])
    assert "fixed" in _pane(toggle, "code")
    page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
    page.wait_for_function(f"() => !{NOTEBOOK}.context.model.dirty")
    saved = json.loads(path.read_text())["cells"]  # the live toggle's output was stored ...
    assert any(WIDGET_VIEW in o.get("data", {}) for c in saved for o in c.get("outputs", []))
    _open(page, lab, path.name)  # ... and its model is gone, as after a server restart
    page.wait_for_function("""() => window.jupyterapp.shell.currentWidget.node
        .querySelectorAll('.gradlab-compare-static img').length >= 2""")
    page.wait_for_timeout(3000)  # the widget manager gives up on a model after 2 s
    text = page.evaluate(f"() => {NOTEBOOK}.node.innerText")
    assert "Error displaying widget" not in text and "model not found" not in text
    page.evaluate(f"() => {NOTEBOOK}.sessionContext.shutdown()")


def _shot(name: str) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    return SCREENSHOTS / f"{name}.png"


PREDICTION = ("After loss.backward(), what is w.grad?", ["None", "zeros", "a tensor"], "None",
              "w was created without requires_grad=True, so backward never reaches it.")


def test_prediction_static_then_live(lab: str, lab_root: Path, page: Page) -> None:
    """gl.predict opened untrusted (the stored output alone): the question and its choices,
    the answer collapsed in a closed <details>; then run: the widget, a wrong choice committed
    with the button, and the reveal says "Not quite", the right answer and why."""
    import nbformat
    from nbclient import NotebookClient

    question, choices, answer, why = PREDICTION
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import gradlab as gl\ngl.setup()"),
        nbformat.v4.new_code_cell(f"gl.predict({question!r}, {choices!r}, {answer!r}, {why!r})")])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    NotebookClient(notebook, timeout=120, kernel_name="python3").execute()
    nbformat.write(notebook, lab_root / "notebooks" / "predict.ipynb")

    _open(page, lab, "predict.ipynb")
    static = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .gradlab-predict")
    expect(static).to_have_count(1)
    expect(static).to_contain_text(question)
    for choice in choices:
        expect(static.locator("li", has_text=choice)).to_have_count(1)
    details = static.locator("details")
    assert details.evaluate("d => d.open") is False
    expect(details.locator("summary")).to_have_text("Check your answer")
    expect(details.locator("p")).to_be_hidden()  # the answer waits for the learner's click

    _run_all(page)
    assert page.evaluate(UNEXPECTED) == []
    live = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output",
                        has=page.locator(".widget-radio-box"))
    expect(live).to_have_count(1)
    expect(live).to_contain_text(question)
    button = live.locator("button", has_text="Check my answer")
    expect(button).to_be_disabled()  # nothing picked yet
    live.locator(".widget-radio-box label", has_text="zeros").click()
    expect(button).to_be_enabled()
    button.click()
    expect(live).to_contain_text("Not quite")
    expect(live).to_contain_text(f"the answer is {answer}")
    expect(live).to_contain_text(why)
    expect(button).to_be_disabled()  # committed
    page.evaluate(f"() => {NOTEBOOK}.sessionContext.shutdown()")
