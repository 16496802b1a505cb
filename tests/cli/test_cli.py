"""`python -m gradlab check` runs a script as `python` does and exits with the documented code.

Most cases run the CLI in-process (`main([...])`); two run `python -m gradlab` itself."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

import pytest

from gradlab.__main__ import main

SCRIPT_NO_GRAD = """\
import torch
from torch import nn
torch.manual_seed(0)
model = nn.Linear(3, 1)
x = torch.randn(4, 3)
with torch.no_grad():
    out = model(x)
loss = out.pow(2).mean()
loss.backward()
"""

SCRIPT_CORRECT = SCRIPT_NO_GRAD.replace("with torch.no_grad():\n    out", "out")
FORWARD_NO_GRAD = SCRIPT_NO_GRAD.replace("loss.backward()\n", "")  # the bug, and no error yet


@pytest.fixture(autouse=True)
def python_warning_filters() -> Iterator[None]:
    """The script sees Python's default filters and warnings go to stderr, as under `python`
    (not pytest's `error` filter and warning summary)."""

    def show(message: Warning | str, category: type[Warning], filename: str, lineno: int,
             file: TextIO | None = None, line: str | None = None) -> None:
        sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))

    with warnings.catch_warnings():
        warnings.resetwarnings()
        warnings.simplefilter("default")
        warnings.showwarning = show
        yield


def write(tmp_path: Path, source: str | bytes, name: str = "train.py") -> str:
    script = tmp_path / name
    if isinstance(source, bytes):
        script.write_bytes(source)
    else:
        script.write_text(source, encoding="utf-8")
    return str(script)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["check", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def subprocess_check(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gradlab", "check", script, *args],
                          capture_output=True, text=True, timeout=120, check=False)


def test_python_m_gradlab_reports_findings_as_json_with_exit_1(tmp_path: Path) -> None:
    done = subprocess_check(write(tmp_path, SCRIPT_NO_GRAD), "--json")
    assert done.returncode == 1, done.stderr
    (finding,) = json.loads(done.stdout)
    assert finding["kind"] == "no_grad" and finding["severity"] == "error"
    assert finding["names"] == ["model.weight", "model.bias"]
    assert finding["where"] == "train.py:7"
    assert {"message", "fix"} <= finding.keys()


def test_exit_0_on_correct_script(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, write(tmp_path, SCRIPT_CORRECT))
    assert code == 0, out + err
    assert "no problems found" in out


def test_json_keeps_the_scripts_prints_off_stdout(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, write(tmp_path, "print('epoch 1')\n" + SCRIPT_NO_GRAD),
                         "--json")
    assert code == 1
    assert [f["kind"] for f in json.loads(out)] == ["no_grad"]
    assert "epoch 1" in err


def test_exit_3_on_unrelated_failure(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, write(tmp_path, "import torch\nvalue = 1 / 0\n"))
    assert code == 3
    assert "unrelated to autograd: ZeroDivisionError" in err
    assert "train.py:2" in err


def test_exit_2_on_missing_file_and_bad_usage(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, str(tmp_path / "nope.py"))
    assert code == 2 and "no such file" in err
    assert main(["bogus"]) == 2
    code, _, err = run(capsys, write(tmp_path, SCRIPT_CORRECT), "--timeout", "-1")
    assert code == 2 and "--timeout takes a number of seconds > 0" in err


def test_loss_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = write(tmp_path, SCRIPT_CORRECT.replace("loss", "objective"))
    assert run(capsys, script, "--loss", "objective")[0] == 0
    code, _, err = run(capsys, script, "--loss", "cost")
    assert code == 2 and "no tensor named 'cost'" in err


def test_a_script_that_trains_nothing_has_nothing_to_check(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """No loss and no backward(): exit 0 and saying so, not "no problems found"."""
    script = write(tmp_path, FORWARD_NO_GRAD.replace("loss = out.pow(2).mean()\n",
                                                     "print(out.sum().item())\n"))
    code, out, err = run(capsys, script)
    assert code == 0 and "nothing to check" in err and "no problems found" not in out
    code, out, _ = run(capsys, script, "--json")
    assert code == 0 and json.loads(out) == []
    assert run(capsys, script, "--loss", "loss")[0] == 2


def test_help_documents_the_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--help"]) == 0
    out = capsys.readouterr().out
    assert "0 no error or warning finding" in out and "1 findings; 2 usage error" in out
    assert "3 the script failed for a reason unrelated to autograd" in out
    assert "--timeout SECONDS" in out


def test_script_runs_as_main_with_argv_path_and_file(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """A class the script defines pickles (it lives in `__main__`), and sys.argv, sys.path[0]
    and __file__ are what `python train.py --epochs 3` gives."""
    (tmp_path / "helper.py").write_text("SCALE = 2.0\n", encoding="utf-8")
    source = """\
import os, pickle, sys
import torch
from torch import nn
from helper import SCALE

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 1)

    def forward(self, x):
        return self.fc(x) * SCALE

net = pickle.loads(pickle.dumps(Net()))
print("argv", sys.argv[1:], "name", __name__, "file", os.path.basename(__file__),
      "path0", sys.path[0])
loss = net(torch.randn(4, 3)).pow(2).mean()
loss.backward()
"""
    script = write(tmp_path, source)
    code, out, err = run(capsys, script, "--", "--epochs", "3")
    assert code == 0, out + err
    assert f"argv ['--epochs', '3'] name __main__ file train.py path0 {tmp_path}" in out
    assert sys.argv[0] != script and sys.path[0] != str(tmp_path)  # both restored


@pytest.mark.parametrize("source", [
    b"\xef\xbb\xbf" + SCRIPT_CORRECT.encode(),
    b"# -*- coding: latin-1 -*-\nname = 'caf\xe9'\n" + SCRIPT_CORRECT.encode(),
], ids=["utf8-bom", "latin1-cookie"])
def test_source_decoded_as_python_does(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                       source: bytes) -> None:
    code, out, err = run(capsys, write(tmp_path, source))
    assert code == 0, out + err
    assert "no problems found" in out


@pytest.mark.parametrize(("source", "message"), [
    (b"x = 1\x00\n", "not a Python source file: it contains NUL bytes"),
    (bytes(range(256)), "not a Python source file: it contains NUL bytes"),
    (b"name = 'caf\xe9'\n", "not a Python source file Python can read"),
], ids=["nul-byte", "binary", "latin1-without-cookie"])
def test_not_a_source_file_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                            source: bytes, message: str) -> None:
    code, out, err = run(capsys, write(tmp_path, source))
    assert code == 2
    assert message in err and "Traceback" not in err and out == ""


def test_syntax_error_shown_as_python_shows_it(tmp_path: Path) -> None:
    script = write(tmp_path, "import torch\nx = (1,\n")
    done = subprocess_check(script)
    python = subprocess.run([sys.executable, script], capture_output=True, text=True,
                            check=False)
    assert done.returncode == 3
    assert done.stderr == python.stderr  # file, line, caret and message, nothing of gradlab
    assert f'File "{script}", line 2' in done.stderr and "^" in done.stderr


def test_sys_exit_stops_the_script_and_reports_what_ran(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = FORWARD_NO_GRAD + "import sys\nsys.exit(0)\nprint('never')\n"
    code, out, err = run(capsys, write(tmp_path, source))
    assert code == 1
    assert "[error] no_grad at train.py:7" in out and "never" not in out
    assert "sys.exit(0)" in err


def test_sys_exit_inside_a_function_with_failure_status(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = SCRIPT_CORRECT + "import sys\ndef main():\n    sys.exit('bad data')\nmain()\n"
    code, out, err = run(capsys, write(tmp_path, source))
    assert code == 3
    assert "no problems found" in out
    assert "exited with status 'bad data'" in err


def test_timeout_stops_an_endless_script_and_reports_what_ran(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = FORWARD_NO_GRAD + "while True:\n    pass\n"
    code, out, err = run(capsys, write(tmp_path, source), "--timeout", "0.5")
    assert code == 1
    assert "[error] no_grad at train.py:7" in out
    assert "stopped after 0.5 s (--timeout)" in err


def test_a_warning_is_not_no_problems_found(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    source = """\
import torch
import torch.nn.functional as F
torch.manual_seed(0)
model = torch.nn.Linear(3, 1)
x, y = torch.randn(8, 3), torch.randn(8)
loss = F.mse_loss(model(x), y)
loss.backward()
"""
    code, out, err = run(capsys, write(tmp_path, source))
    assert code == 1
    assert "[error] broadcast_loss at train.py:6" in out
    assert "the program warned: train.py:6: UserWarning: Using a target size" in out
    assert "train.py:6: UserWarning: Using a target size" in err  # shown once, as Python does
    assert err.count("UserWarning") == 1


def test_lesson_07_script_through_the_cli() -> None:
    """The script lesson 10 debugs: every bug named with its line, exit code 1, and with
    --json the script's own prints stay off stdout."""
    script = Path(__file__).resolve().parents[2] / "notebooks" / "train_buggy.py"
    done = subprocess_check(str(script), "--json")
    assert done.returncode == 1, done.stderr
    findings = json.loads(done.stdout)
    assert [(f["kind"], f["severity"], f["where"]) for f in findings] == [
        ("plain_tensor_attribute", "error", ""),
        ("no_grad", "error", "train_buggy.py:29"),
        ("numpy_roundtrip", "error", "train_buggy.py:31"),
        ("unused_parameter", "warning", ""),
    ]
    assert findings[3]["names"] == ["aux.bias", "aux.weight"]
    assert "final loss" in done.stderr
