"""What an exercise is (`Exercise`, `Edit`), where exercises live (one module per id under
`gradlab.course.exercises`), and what the exercise cell sees (`exercise_namespace`)."""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["Edit", "Exercise", "exercise_keys", "exercise_namespace", "load", "normalise",
           "reference_scope"]

PACKAGE = "gradlab.course.exercises"
_MODULE = re.compile(r"ex(\d\d)(?:_(\d+))?")


@dataclass(frozen=True)
class Edit:
    """One edit of the reference solution: `old` (found exactly once) replaced by `new`. In
    `Exercise.wrong`, `says` is what the feedback on the edited answer must contain."""

    old: str
    new: str
    says: str = ""

    def apply(self, text: str) -> str:
        """`text` with the edit made; ValueError unless `old` is in it exactly once."""
        if text.count(self.old) != 1:
            raise ValueError(f"{self.old!r} is not exactly once in the solution")
        return text.replace(self.old, self.new)


@dataclass(frozen=True)
class Exercise:
    """One graded exercise: the goal in words and in parts, its data, the code the learner
    starts from, the reference solution, three hints, and the routes known right and wrong.

    The goal's parts, each compared with the reference solution's run on the same seed and data:
    `parameters` (the same parameters, trainable, from the same values, all given to an
    optimizer when the reference has one), `forward` (these values of the forward pass),
    `gradients` (every parameter's `.grad`), and `quantities` (name -> what it is, in words)."""

    name: str  # the class or function the learner defines
    goal: str
    starter: str
    solution: str
    hints: tuple[str, str, str]  # 1 the symptom in words, 2 where, 3 the fix
    lesson: str = ""
    parameters: bool = True
    forward: tuple[str, ...] = ("output", "loss")
    gradients: bool = True
    quantities: Mapping[str, str] = field(default_factory=dict)
    features: int = 3  # `x` has `features` columns and 16 rows; `y` is 16 x 1
    spread: float = 1.0  # scale of `x`: wide enough that every op of the exercise acts
    seed: int = 0
    tips: Mapping[str, str] = field(default_factory=dict)  # a name a right answer uses -> tip
    right: tuple[Edit, ...] = ()  # other right routes (tests check they pass)
    wrong: tuple[Edit, ...] = ()  # single-edit wrong answers (tests check they fail, truly)

    def parts(self) -> list[str]:
        """The goal's parts, named as the feedback names them."""
        return [*(["the parameters"] if self.parameters else []),
                *(f"`{n}`" for n in self.forward),
                *(["every parameter's gradient"] if self.gradients else []),
                *(f"`{n}` ({what})" for n, what in self.quantities.items())]


def normalise(key: object) -> str:
    """"5", 5 and "05" -> "05"; "12.1" -> "12.1"; TypeError for anything but a str or int."""
    if isinstance(key, bool) or not isinstance(key, (str, int)):
        raise TypeError(f"an exercise is named by its id, e.g. '05' or '12.1'; got {key!r}")
    lesson, _, case = str(key).strip().partition(".")
    return f"{lesson.zfill(2)}.{case}" if case else lesson.zfill(2)


def _module_name(key: str) -> str:
    return "ex" + key.replace(".", "_")


def exercise_keys() -> list[str]:
    """Every exercise id, in order: one per module `exNN.py` or `exNN_K.py` of the package."""
    package = importlib.import_module(PACKAGE)
    keys = []
    for info in pkgutil.iter_modules(package.__path__):
        match = _MODULE.fullmatch(info.name)
        if match:
            keys.append((int(match[1]), int(match[2] or 0),
                         match[1] + (f".{match[2]}" if match[2] else "")))
    return [key for *_, key in sorted(keys)]


def load(key: object) -> tuple[str, Exercise]:
    """The exercise of id `key` ("05", 5, "12.1"), read from its module's `EXERCISE`."""
    name = normalise(key)
    if name not in exercise_keys():
        raise ValueError(f"no exercise {name!r}: the exercises are {', '.join(exercise_keys())}")
    exercise = importlib.import_module(f"{PACKAGE}.{_module_name(name)}").EXERCISE
    if not isinstance(exercise, Exercise):
        raise TypeError(f"{PACKAGE}.{_module_name(name)}.EXERCISE is not an Exercise")
    return name, exercise


def exercise_namespace(key: object) -> dict[str, Any]:
    """What the exercise cell sees: torch, `nn`, `F`, numpy as `np`, and the exercise's `x`, `y`
    (seeded like `gl.setup()`: the lesson's own unless the exercise spreads `x` wider)."""
    _, exercise = load(key)
    generator = torch.Generator().manual_seed(exercise.seed)
    x = exercise.spread * torch.randn(16, exercise.features, generator=generator)
    y = torch.randn(16, 1, generator=generator)
    return {"torch": torch, "nn": nn, "F": F, "np": np, "x": x, "y": y}


def reference_scope(key: object, source: str | None = None) -> dict[str, Any]:
    """The names `source` (by default the reference solution) defines, run as the exercise
    cell would run it."""
    name, exercise = load(key)
    namespace = exercise_namespace(name)
    before = set(namespace)
    code = exercise.solution if source is None else source
    exec(compile(code, f"<exercise {name}>", "exec"), namespace)
    return {k: v for k, v in namespace.items() if k not in before and not k.startswith("_")}
