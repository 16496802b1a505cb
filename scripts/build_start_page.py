"""Build and execute notebooks/00_start_here.ipynb (run: .venv/bin/python scripts/build_start_page.py notebooks/00_start_here.ipynb)."""
import nbformat as nbf, sys
from nbclient import NotebookClient
nb = nbf.v4.new_notebook()
md, code = nbf.v4.new_markdown_cell, nbf.v4.new_code_cell
nb.cells = [
 md("# Start here: why do PyTorch gradients go missing?\n\n"
    "This course shows, on small programs you can run, every common way a gradient gets lost "
    "between a weight and the loss, and how to see it with **gradlab**.\n\n"
    "*This start page is the first version: the lessons and the graph pictures arrive with the next releases of the course.*"),
 md("## A first diagnosis\n\nThe model below computes its hidden layer under `torch.no_grad()`. "
    "Training runs without an error, yet the first layer never learns. `gl.diagnose` runs the "
    "function, watches the forward pass and says where the gradient was cut."),
 code("import torch\nfrom torch import nn\nimport gradlab as gl\n\ngl.setup()"),
 code("def broken():\n"
      "    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))\n"
      "    x, y = torch.randn(8, 3), torch.randn(8, 1)\n"
      "    with torch.no_grad():\n"
      "        hidden = model[1](model[0](x))\n"
      "    loss = nn.functional.mse_loss(model[2](hidden), y)\n"
      "    loss.backward()\n"
      "    return locals()\n\n"
      "report = gl.diagnose(broken)\nprint(report)"),
 md("The gradient table confirms it: the first layer's `.grad` is `None`, the last layer's is not."),
 code("for row in report.grads:\n    print(row)"),
 md("## Is everything installed?\n\nThis cell checks torch, the graphviz `dot` program (for the graph pictures), "
    "the widget frontend (for the broken/fixed toggles) and gradlab. It says in words what is missing."),
 code("from gradlab.install_check import report as install_report\n\nprint(install_report(verbose=False))"),
]
nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": "notebooks"}}).execute()
for c in nb.cells:
    c.metadata.pop("execution", None)
nbf.write(nb, sys.argv[1])
