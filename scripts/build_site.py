"""Build the static course site: one HTML page per notebook and an index, readable with no
kernel and no network. Run: .venv/bin/python scripts/build_site.py [OUTPUT_DIR] (default site/).

Each gl.compare shows as two outputs: a static side-by-side view (text/html, pictures as PNG)
and the live widget. The widget outputs and the stored widget state are dropped here, so the
pages show the static view instead of widget views that would need a widget manager from a
CDN; cells tagged `remove-cell` (the hidden checks) are left out.
"""

from __future__ import annotations

import html
import re
import sys
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter
from nbconvert.preprocessors import TagRemovePreprocessor
from traitlets.config import Config

ROOT = Path(__file__).resolve().parents[1]
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
# A link to another lesson's notebook, which the site has as a page; Binder's and Colab's links
# (absolute addresses) keep their notebook.
LESSON_LINK = re.compile(r'(href="|\()(?!https?://)([^"()\s]+)\.ipynb(?=[#")])')
# A badge, `[![Binder](picture address)](link)`: the site keeps the link as words (no picture
# from the network).
BADGE = re.compile(r"\[!\[([^\]]*)\]\(https?://[^)]*\)\]\(([^)]*)\)")


def exporter() -> HTMLExporter:
    """nbconvert's lab template, without the hidden cells and without MathJax from a CDN."""
    config = Config()
    config.TagRemovePreprocessor.remove_cell_tags = ("remove-cell",)
    config.TagRemovePreprocessor.enabled = True
    config.HTMLExporter.mathjax_url = ""
    html_exporter = HTMLExporter(config=config, template_name="lab")
    html_exporter.register_preprocessor(TagRemovePreprocessor(config=config), enabled=True)
    return html_exporter


def title_of(notebook: nbformat.NotebookNode) -> str:
    """The first heading of the notebook."""
    for cell in notebook.cells:
        if cell.cell_type == "markdown" and cell.source.startswith("# "):
            return cell.source.splitlines()[0][2:].strip()
    return "untitled"


def build(out: Path) -> list[Path]:
    """Write one page per notebook and index.html into `out`; return the pages."""
    out.mkdir(parents=True, exist_ok=True)
    pages, rows = [], []
    html_exporter = exporter()
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        notebook.metadata.pop("widgets", None)
        for cell in notebook.cells:
            if cell.cell_type == "markdown":
                cell.source = BADGE.sub(r"[\1](\2)", cell.source)
            if cell.cell_type == "code":
                cell.outputs = [o for o in cell.outputs if WIDGET_VIEW not in o.get("data", {})]
        body, _ = html_exporter.from_notebook_node(notebook, resources={"metadata": {
            "name": path.stem, "path": str(path.parent)}})
        body = LESSON_LINK.sub(r"\1\2.html", body)
        body = re.sub(r'<script src="https?://[^"]*"></script>', "", body)  # nothing from a CDN
        page = out / f"{path.stem}.html"
        page.write_text(body, encoding="utf-8")
        pages.append(page)
        rows.append(f'<li><a href="{page.name}">{html.escape(title_of(notebook))}</a></li>')
    index = out / "index.html"
    index.write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>gradlab course</title></head>"
        "<body style='font-family:sans-serif;max-width:50em;margin:2em auto'>"
        "<h1>gradlab: why do PyTorch gradients go missing?</h1>"
        "<p>The lessons as static pages: graphs, findings and gradient tables of both the broken "
        "and the fixed program are shown side by side. To run them, open the notebooks in "
        "JupyterLab (see the README).</p>"
        f"<ol start='0'>{''.join(rows)}</ol></body></html>", encoding="utf-8")
    return [index, *pages]


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "site"
    for written in build(target):
        print("wrote", written.relative_to(target.parent) if target.is_absolute() else written)
