"""Search spaces from the hints in code: `choices=[…]`, `range=(lo, hi)`, `log=True`, `step=`.

Pure functions over occurrences (nothing imported from the user's code, no Optuna):
`hint_problems` says what is wrong with one call's hints (shown by `hpman check` and the
editor), `dimension_of` turns a name's hints into one dimension of the space that
`hpman sweep` searches, and `describe` is its one-line text (the editor's hover).
"""
from typing import Any, Dict, List, Optional, Tuple

from ..primitives import EmptyValue, NotLiteralEvaluable

CATEGORICAL, INT, FLOAT = "categorical", "int", "float"


class Dimension:
    """One searched hyperparameter: categorical over `choices`, or an int/float range."""

    __slots__ = ("name", "kind", "choices", "low", "high", "log", "step", "default")

    def __init__(self, name: str, kind: str, default: Any, choices: Optional[List[Any]] = None,
                 low: Any = None, high: Any = None, log: bool = False, step: Any = None) -> None:
        self.name = name
        self.kind = kind
        self.default = default
        self.choices = choices
        self.low, self.high, self.log, self.step = low, high, log, step

    def as_dict(self) -> Dict[str, Any]:
        out: Dict[str, Any] = {"name": self.name, "kind": self.kind}
        if self.kind == CATEGORICAL:
            out["choices"] = list(self.choices or [])
        else:
            out.update(low=self.low, high=self.high, log=self.log, step=self.step)
        return out

    def __repr__(self) -> str:
        return "Dimension({!r}, {})".format(self.name, describe(self))


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _has_default(value: Any) -> bool:
    return not isinstance(value, (EmptyValue, NotLiteralEvaluable))


def hint_problems(hints: Dict[str, Any], default: Any) -> List[Tuple[str, str, str]]:
    """(code, hint name, message) for each thing wrong with the sweep hints of one call.

    `default` is the call's default (an EmptyValue when it has none): the range's type
    follows it, and it must lie inside the range.
    """
    if "range" not in hints:
        return []   # hints are free-form: `log` or `step` alone may mean something else
    rng = hints["range"]
    if not isinstance(rng, (list, tuple)) or len(rng) != 2 or not all(_is_number(v) for v in rng):
        return [("bad-range", "range", "`range` must be two numbers `(lo, hi)`, not {!r}".format(rng))]
    lo, hi = rng
    out: List[Tuple[str, str, str]] = []
    if _has_default(default):
        if not _is_number(default):
            return [("bad-range", "range", "`range` needs a number default, not {!r}".format(default))]
        if isinstance(default, int) and not (isinstance(lo, int) and isinstance(hi, int)):
            out.append(("bad-range", "range", "the default is an int, so the range takes int bounds, not {!r}"
                        .format(rng)))
    if lo >= hi:
        out.append(("empty-range", "range", "`range` {!r} is empty: its low end must be below its high end"
                    .format(rng)))
    elif _has_default(default) and _is_number(default) and not lo <= default <= hi:
        out.append(("out-of-range", "range", "the default {!r} is outside its range {!r}".format(default, rng)))
    log = hints.get("log", False)
    if log not in (True, False):
        out.append(("bad-log", "log", "`log` is True or False, not {!r}".format(log)))
    elif log and lo <= 0:
        out.append(("bad-log", "log", "`log=True` needs a range above 0, not {!r}".format(rng)))
    if "step" in hints:
        step = hints["step"]
        if not _is_number(step) or step <= 0:
            out.append(("bad-step", "step", "`step` must be a number above 0, not {!r}".format(step)))
        elif log:
            out.append(("bad-step", "step", "`step` and `log=True` cannot be combined"))
        elif isinstance(default, int) and _has_default(default) and not isinstance(step, int):
            out.append(("bad-step", "step", "the default is an int, so `step` must be an int, not {!r}"
                        .format(step)))
    return out


def dimension_of(name: str, hints: Dict[str, Any], default: Any) -> Optional[Dimension]:
    """The dimension a name's hints describe, or None when they describe none (no `choices`
    nor `range`) or describe it wrongly (see `hint_problems`)."""
    choices = hints.get("choices")
    if choices is not None and "range" not in hints:
        try:
            options = list(choices)
        except TypeError:
            return None
        return Dimension(name, CATEGORICAL, default, choices=options) if options else None
    if "range" not in hints or hint_problems(hints, default):
        return None
    lo, hi = hints["range"]
    is_int = isinstance(default, int) if _has_default(default) else isinstance(lo, int) and isinstance(hi, int)
    if is_int and not (isinstance(lo, int) and isinstance(hi, int)):
        return None
    step = hints.get("step")
    return Dimension(name, INT if is_int else FLOAT, default, low=lo, high=hi, log=bool(hints.get("log")),
                     step=step)


def describe(dim: Dimension) -> str:
    """`float in [1e-05, 0.1], log scale` / `one of 'adam', 'sgd'` / `int in [2, 12], step 2`."""
    if dim.kind == CATEGORICAL:
        return "one of " + ", ".join(repr(c) for c in dim.choices or [])
    text = "{} in [{!r}, {!r}]".format(dim.kind, dim.low, dim.high)
    if dim.log:
        text += ", log scale"
    if dim.step is not None:
        text += ", step {!r}".format(dim.step)
    return text
