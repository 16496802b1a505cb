"""Every finding kind is found in its broken program and absent from its fixed one; correct
programs give no error and no warning."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path

import pytest
import scenarios as S
import torch

import gradlab as gl

PAIRS = [(kind, *pair) for kind, pair in S.BROKEN_FIXED.items()] + [
    (kind, *pair) for kind, pair in S.MORE_BROKEN.items()]


def line_of(text: str) -> str:
    """Return `scenarios.py:N` for the first line of scenarios.py containing `text`."""
    lines = Path(S.__file__).read_text(encoding="utf-8").splitlines()
    return f"scenarios.py:{next(i for i, line in enumerate(lines, 1) if text in line)}"


def diagnose_quietly(scenario: S.Scenario) -> gl.Report:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the scenarios trigger torch's own warnings on purpose
        return gl.diagnose(scenario)


def test_every_kind_has_a_broken_and_fixed_program() -> None:
    assert set(S.BROKEN_FIXED) == set(gl.report.KINDS)


@pytest.mark.parametrize(("kind", "broken", "fixed", "severity"), PAIRS,
                         ids=[f"{p[0]}-{p[1].__name__}" for p in PAIRS])
def test_kind_found_in_broken_and_absent_from_fixed(kind: str, broken: S.Scenario,
                                                    fixed: S.Scenario, severity: str) -> None:
    found = diagnose_quietly(broken)
    assert (kind, severity) in [(f.kind, f.severity) for f in found.findings], str(found)
    clean = diagnose_quietly(fixed)
    assert kind not in clean.kinds(), str(clean)
    assert clean.ok, str(clean)


@pytest.mark.parametrize("program", S.CORRECT, ids=lambda f: f.__name__)
def test_no_error_or_warning_on_correct_code(program: S.Scenario) -> None:
    report = diagnose_quietly(program)
    assert report.problems == [], str(report)


def test_corpus_is_large_enough() -> None:
    assert len(S.CORRECT) >= 15


def test_no_grad_names_the_cut_parameters_and_line() -> None:
    report = diagnose_quietly(S.no_grad_broken)
    (finding,) = report.findings
    assert finding.names == ("fc1.weight", "fc1.bias")
    assert finding.where == line_of("h = h * 2")
    assert finding.lesson == "03_no_grad_block"
    (edge,) = report.graph.severed
    assert report.graph.node(edge.src).label == "ReluBackward0"
    assert report.graph.node(edge.dst).label == "AddmmBackward0"
    assert edge.cause == "no_grad"


def test_in_place_is_predicted_before_backward_with_op_and_line() -> None:
    report = diagnose_quietly(S.in_place_predicted_broken)
    assert report.exception is None  # nothing ran backward: this is a prediction
    (finding,) = report.findings
    assert finding.names == ("ExpBackward0",)
    assert finding.where == line_of("y[0] = 0")
    assert "__setitem__" in finding.message and "version 1, saved at 0" in finding.message
    (stale,) = [n for n in report.graph.nodes if any(m.startswith("stale") for m in n.marks)]
    assert stale.label == "ExpBackward0"


def test_in_place_after_sigmoid_names_sigmoid() -> None:
    report = diagnose_quietly(S.in_place_broken)
    assert report.exception is not None and report.exception.kind == "in_place"
    assert [f.names for f in report.findings] == [("SigmoidBackward0",)]


def test_double_backward_is_predicted_before_the_second_backward() -> None:
    report = diagnose_quietly(S.double_backward_predicted_broken)
    assert report.exception is None
    assert report.kinds() == ["double_backward"]
    assert any("freed" in n.marks for n in report.graph.nodes)


def test_detached_gan_discriminator_step_is_info_not_error() -> None:
    report = diagnose_quietly(S.gan_step)
    assert [(f.kind, f.severity) for f in report.findings] == [("detach", "info")]


def test_grad_table_shows_none_for_cut_parameters() -> None:
    report = diagnose_quietly(S.no_grad_broken)
    states = {row.name: row.state for row in report.grads}
    assert states == {"fc1.weight": "None", "fc1.bias": "None", "fc2.weight": "norm",
                      "fc2.bias": "norm"}


def test_findings_are_in_a_stable_order_and_text() -> None:
    first = str(diagnose_quietly(S.not_in_optimizer_broken))
    assert first == str(diagnose_quietly(S.not_in_optimizer_broken))
    assert "0x" not in first


def test_report_html_names_the_kind() -> None:
    html = diagnose_quietly(S.detach_broken)._repr_html_()
    assert "detach" in html and "fc1.weight" in html


def test_a_wrapped_scenario_is_diagnosed_like_the_scenario() -> None:
    """A lambda around a failing scenario: the variables come from the scenario's frame."""
    for broken in (S.double_backward_broken, S.in_place_broken):
        assert gl.diagnose(lambda: broken()).kinds() == gl.diagnose(broken).kinds()  # noqa: B023


def test_a_cut_behind_another_cut_is_reported_at_once() -> None:
    """A no_grad encoder feeding a layer that .detach() then cuts off: both cuts, not one."""
    def program() -> dict[str, object]:
        x, y = S.data()
        encoder, hidden, head = torch.nn.Linear(3, 4), torch.nn.Linear(4, 4), torch.nn.Linear(4, 1)
        optimizer = torch.optim.SGD([*encoder.parameters(), *hidden.parameters(),
                                     *head.parameters()], lr=0.1)
        with torch.no_grad():
            h = encoder(x)
        loss = torch.nn.functional.mse_loss(head(hidden(h).detach()), y)
        loss.backward()
        return locals()

    report = gl.diagnose(program)
    assert sorted(report.kinds()) == ["detach", "no_grad"]
    named = {f.kind: f.names for f in report.findings}
    assert named["no_grad"] == ("encoder.weight", "encoder.bias")
    assert named["detach"] == ("hidden.weight", "hidden.bias")


class _Tied(torch.nn.Module):
    """A layer registered twice, a parameter set to None, one of its own, and a layer that
    lists its parameters its own way."""

    def __init__(self) -> None:
        super().__init__()
        self.encode = torch.nn.Linear(2, 2)
        self.decode = self.encode
        self.register_parameter("unset", None)
        self.scale = torch.nn.Parameter(torch.ones(2))
        self.head = _Listed()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.decode(self.encode(x)) * self.scale)


class _Listed(torch.nn.Linear):
    def __init__(self) -> None:
        super().__init__(2, 1)

    def named_parameters(self, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        return reversed(list(super().named_parameters(*args, **kwargs)))  # type: ignore[arg-type]


@pytest.mark.parametrize("model", [_Tied, _Listed], ids=["tied", "own-listing"])
def test_the_gradient_table_lists_parameters_as_named_parameters_does(
        model: type[torch.nn.Module]) -> None:
    def step() -> dict[str, object]:
        net = model()
        loss = net(torch.randn(3, 2)).sum()
        loss.backward()
        return locals()

    expected = [name for name, _ in model().named_parameters()]
    assert [row.name for row in gl.diagnose(step).grads] == expected


class _OwnModules(torch.nn.Sequential):
    def named_modules(self, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        return reversed(list(super().named_modules(*args, **kwargs)))  # type: ignore[arg-type]


def _nested() -> torch.nn.Module:
    shared = torch.nn.Linear(2, 2)
    inner = torch.nn.Sequential(shared, torch.nn.ReLU())
    inner.register_module("missing", None)
    return torch.nn.Sequential(inner, shared, torch.nn.Sequential(inner, _Tied()))


@pytest.mark.parametrize("model", [_Tied, _nested, lambda: _OwnModules(_Tied(), _Listed())],
                         ids=["tied", "nested-shared", "own-listing"])
def test_the_inventory_lists_modules_as_named_modules_does(
        model: Callable[[], torch.nn.Module]) -> None:
    from gradlab.facts.names import _named_modules

    net = model()
    assert [(n, id(m)) for n, m in _named_modules(net)] == [
        (n, id(m)) for n, m in net.named_modules()]


def test_each_kind_is_declared_once_beside_the_rule_that_owns_it() -> None:
    """report.KINDS and gl.explain's lessons come from the rule modules' METADATA."""
    import importlib
    import pkgutil

    from gradlab import rules, warned
    from gradlab.explanations import LESSONS
    modules = [importlib.import_module(f"gradlab.rules.{m.name}")
               for m in pkgutil.iter_modules(rules.__path__)] + [warned]
    declared = [kind for m in modules for kind in getattr(m, "METADATA", ())]
    assert sorted(k.name for k in declared) == sorted(gl.report.KINDS)
    for kind in declared:
        assert LESSONS[kind.name] == kind.lesson and kind.severity and kind.explanation


def _rebind_in_a_loop() -> dict[str, object]:
    w = torch.tensor(5.0, requires_grad=True)
    for _ in range(2):
        loss = (w - 3) ** 2
        loss.backward()
        with torch.no_grad():
            w = w - 0.1 * w.grad  # type: ignore[operator]
    return locals()


def test_a_rebound_weight_is_named_not_the_loss_built_from_it() -> None:
    """The loss of the next step has no history either, but it went to backward(): it is the
    loss, and the headline error names the weight that was rebound."""
    report = diagnose_quietly(_rebind_in_a_loop)
    rebound = [f for f in report.findings if f.kind == "rebound_parameter"]
    assert [f.names for f in rebound] == [("w",)], report
    assert "loss was rebound" not in str(report) and "w was rebound" in str(report), report


def _gan_zeroing_after_step() -> dict[str, object]:
    torch.manual_seed(0)
    net_g = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 6))
    net_d = torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.LeakyReLU(0.2),
                                torch.nn.Linear(8, 1))
    opt_g = torch.optim.Adam(net_g.parameters(), lr=2e-4)
    opt_d = torch.optim.Adam(net_d.parameters(), lr=2e-4)

    def d_loss(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        return torch.relu(1 - net_d(real)).mean() + torch.relu(1 + net_d(fake.detach())).mean()

    for _ in range(2):
        fake = net_g(torch.randn(8, 4))
        d_loss(torch.randn(8, 6), fake).backward()
        opt_d.step()
        opt_d.zero_grad()
        (-net_d(fake).mean()).backward()
        opt_g.step()
        opt_g.zero_grad()  # after the step: every .grad is None when the run ends
    return locals()


def test_a_step_that_used_a_gradient_is_evidence_of_training() -> None:
    """The generator's .grad is None after the run (zero_grad after the step), but its
    optimizer stepped it from a non-zero gradient: the discriminator's detach is by design."""
    report = diagnose_quietly(_gan_zeroing_after_step)
    assert report.ok, report
    assert [f.severity for f in report.findings if f.kind == "detach"] == ["info"], report
