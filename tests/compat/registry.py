"""Documented differences between ours and the originals (hpman 0.13.0, hpargparse 0.14.0).

Each entry names the class of cases it covers, why ours differs (0.13/0.14 crashes there
or is plainly wrong, or a deliberate change) and the doc section whose bullet describes
it. An entry *explains* a divergence by rewriting both results the way the difference
predicts (`explain(case, ours, orig) -> (ours, orig)`, copies); the suite applies every
entry, then any divergence left fails. An entry applies only to the cases of its class
(`applies`), so it cannot hide a divergence elsewhere.
"""
import copy
import json
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
    kind: str = "hpman"          # the cases it is about: "hpman", "argparse" or "values" (files)

    def explain(self, case: dict, ours: Result, orig: Result) -> Tuple[Result, Result]:
        kind = "values" if "direction" in case else "argparse" if "argv" in case else "hpman"
        if kind != self.kind or not self.applies(case):
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


# -- rewrites ---------------------------------------------------------------------------


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


def _sorted_tree(c: Any) -> Any:
    if isinstance(c, list) and c and c[0] == "dict":
        return ["dict", sorted(([k, _sorted_tree(v)] for k, v in c[1]), key=lambda kv: repr(kv[0]))]
    return c


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
    for x, y in zip(a, b):
        if isinstance(x, dict) and x.get("exc", {}).get("types", [""])[0] == "ImpossibleTree" \
                and not (isinstance(y, dict) and "exc" in y):
            tree = (orig.get("after") or {}).get("tree")
            if isinstance(tree, dict) and tree.get("exc"):
                return ours, ours
    return ours, orig


def _spread_none_hint(hints: Any) -> Any:
    if isinstance(hints, list) and hints and hints[0] == "dict":
        merged: Dict[str, list] = {}  # as Python merges keywords: first place, last value
        for k, v in hints[1]:
            spread = v[1] if k == ["None"] and isinstance(v, list) and v and v[0] == "dict" else [[k, v]]
            for k2, v2 in spread:
                merged[json.dumps(k2)] = [k2, v2]
        return ["dict", list(merged.values())]
    return hints


def double_star_hints(case: dict, ours: Result, orig: Result) -> Tuple[Result, Result]:
    """0.13's hint `None: {...}` becomes the dict's own items."""
    for snap in (orig, orig.get("after")):
        if not isinstance(snap, dict):
            continue
        snap["occurrences"] = sorted(
            ([r[0], r[1], _spread_none_hint(r[2])] + r[3:] for r in snap.get("occurrences", [])),
            key=lambda r: json.dumps(r))
        for row in snap.get("top", {}).values():
            if isinstance(row, list) and len(row) > 2:
                row[2] = _spread_none_hint(row[2])
    return ours, orig


def rebinds_placeholder(case: dict) -> bool:
    """The placeholder's name is bound to something else somewhere in the case."""
    ph = re.escape(case.get("placeholder", "_"))
    rx = re.compile(r"(^|[\r\n])[ \t]*{0}[ \t]*=(?!=)|\bfor {0} in\b|\bdef \w+\({0}[,)]|\blambda {0}:"
                    .format(ph))
    return any(rx.search(t) for t in texts(case))


def ours_sees_less(ours: Result, orig: Result) -> bool:
    """Ours' occurrences are some of the original's (the calls where the name is not the manager
    are left out), or ours accepts what the original refused because of such calls."""
    if exc_type(orig) is not None:
        return True  # the calls where the name is not the manager can be what 0.13 refused
    a, b = ours.get("occurrences"), orig.get("occurrences")
    return isinstance(a, list) and isinstance(b, list) and all(r in b for r in a)


def module_uses_hpman(case: dict, filename: Any) -> bool:
    """Whether the case's module `filename` mentions hpman or calls the placeholder (a name token
    followed by `(`, not an attribute; strings and comments do not count)."""
    import base64
    import io
    import tokenize

    rel = str(filename)
    rel = rel[2:] if rel.startswith("./") else rel
    data = case.get("files", {}).get(rel)
    if data is None:
        return True  # not a file of the case: no excuse
    ph = case.get("placeholder", "_")
    names = []
    try:
        for tok in tokenize.tokenize(io.BytesIO(base64.b64decode(data)).readline):
            if tok.type in (tokenize.NAME, tokenize.OP):
                names.append(tok.string)
    except (tokenize.TokenError, SyntaxError, UnicodeDecodeError, LookupError):
        pass  # the tokens up to the error are what we have
    calls = any(name == ph and nxt == "(" and prev != "."
                for prev, name, nxt in zip([""] + names, names, names[1:]))
    return calls or "hpman" in names


def syntax_outside(case: dict, ours: Result, orig: Result) -> Tuple[Result, Result]:
    if raises(orig, "SyntaxError") and not module_uses_hpman(case, orig["exc"].get("filename")):
        return ours, ours
    return ours, orig


def parsed_again(case: dict, ours: Result, orig: Result) -> Tuple[Result, Result]:
    """0.13 pushed the file's calls a second time: an error for any default, else every
    default-less occurrence twice."""
    if exc_type(orig) == "DoubleAssignmentException" and exc_type(ours) != "DoubleAssignmentException":
        return ours, ours
    for snap in (orig, orig.get("after")):
        if isinstance(snap, dict) and isinstance(snap.get("occurrences"), list):
            rows = []
            for row in snap["occurrences"]:
                if row not in rows:
                    rows.append(row)
            snap["occurrences"] = rows
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
        doc=README, section=HPMAN_SECTION, bullet='A source with CR-only line endings: its errors show the right lines',
        applies=has_cr_only_lines, rewrite=orig_crashes_with("AssertionError"),
    ),
    Difference(
        id="double-star-hints", case_class="`**{'help': 'h'}` (a literal dict) among a call's keywords",
        reason="deliberate: the dict's keys are the hints, as Python passes them; 0.13 stored the whole dict "
               "under the hint name None",
        doc=README, section=HPMAN_SECTION, bullet="the literal dict's keys are the call's hints",
        applies=has_text(r"\*\*\{"), rewrite=double_star_hints),
    Difference(
        id="bindings-in-order", case_class="the placeholder's name rebound (`_ = 3`, `for _ in`, `def f(_)`, ...)",
        reason="deliberate: a call counts only where the name is the manager, in the order Python binds it; "
               "0.13 counted every call of the name",
        doc=README, section=HPMAN_SECTION, bullet="Bindings count in order and scopes are followed",
        applies=rebinds_placeholder, rewrite=when(ours_sees_less)),
    Difference(
        id="bom", case_class="a module starting with a UTF-8 BOM",
        reason="0.13 opens files as plain UTF-8 and then fails on the BOM (U+FEFF), a valid Python file",
        doc=README, section=HPMAN_SECTION, bullet='A UTF-8 BOM is skipped', applies=starts_with_bom,
        rewrite=when(lambda ours, orig: raises(orig, "SyntaxError")
                     and (msg_has(orig, "U+FEFF") or orig["exc"].get("lineno") == 1))),
    Difference(
        id="coding-cookie", case_class="a module in latin-1/cp1252 with a coding cookie",
        reason="0.13 ignores the cookie and decodes as UTF-8 (UnicodeDecodeError on a valid file)",
        doc=README, section=HPMAN_SECTION, bullet='A coding cookie is honoured', applies=has_text(r"coding: (latin-1|cp1252)"),
        rewrite=when(lambda ours, orig: exc_type(orig) == "UnicodeDecodeError")),
    Difference(
        id="undecodable", case_class="undecodable bytes without a cookie (UnicodeDecodeError vs SyntaxError)",
        reason="deliberate: SyntaxError with the file and line, as Python's import; 0.13 let a UnicodeDecodeError without a file name escape", doc=README, section=HPMAN_SECTION, bullet='Bytes that do not decode raise', applies=has_undecodable,
        rewrite=when(lambda ours, orig: exc_type(orig) == "UnicodeDecodeError" and exc_type(ours) == "SyntaxError")),
    Difference(
        id="failed-mutation", case_class="runtime set_value/set_tree that raises",
        reason="0.13 keeps half of the failed change (get_tree() then crashes); ours leaves the manager unchanged",
        doc=README, section=HPMAN_SECTION, bullet='or `set_tree` that raises leaves the manager unchanged', applies=lambda c: bool(c.get("ops")),
        rewrite=after_failed_op),
    Difference(
        id="value-under-set-value", case_class="a runtime _() value under a name given a value by set_value()",
        reason="0.13 accepts it and leaves a tree that is both a leaf and a branch (get_tree() crashes "
               "with AssertionError); ours raises ImpossibleTree",
        doc=README, section=HPMAN_SECTION, bullet="under a name given a value by `set_value('a', 1)` raises `ImpossibleTree`", applies=lambda c: bool(c.get("ops")),
        rewrite=value_under_a_set_value),
    Difference(
        id="parse-file-again", case_class="parse_file of the same files twice by one manager",
        reason="deliberate: a file parsed again replaces what it said; 0.13 pushed its calls again "
               "(DoubleAssignmentException for any default)",
        doc=README, section=HPMAN_SECTION, bullet="of a file the manager has parsed before replaces what that file said",
        applies=lambda c: bool(c.get("twice")) and c.get("op") == "parse_file", rewrite=parsed_again),
    Difference(
        id="syntax-outside-hpman-modules",
        case_class="parse_file of a tree where a module that neither imports hpman nor calls the placeholder "
                   "has a syntax error",
        reason="deliberate: one broken script that does not use hpman no longer stops parse_file; 0.13 parsed "
               "every *.py",
        doc=README, section=HPMAN_SECTION, bullet="A syntax error in a module that does not use hpman",
        applies=lambda c: c.get("op") == "parse_file", rewrite=syntax_outside),
]


# -- hpargparse 0.14 ------------------------------------------------------------------

def _prefix(case: dict) -> str:
    return "--{}-".format(case.get("bind", {}).get("action_prefix", "hp"))


def _map_help(side: Result, fn) -> None:
    help_ = side.get("help")
    if isinstance(help_, dict) and "entries" in help_:
        help_["usage"] = fn(None, help_["usage"])
        help_["entries"] = [[fn(None, head), fn(head, text)] for head, text in help_["entries"]]


def defaults_on_hp_options_only(case: dict, ours: Result, orig: Result) -> Tuple[Result, Result]:
    """0.14 switched the whole parser to ArgumentDefaultsHelpFormatter: its own options and
    -h got a `(default: ...)` too."""
    prefix = _prefix(case)

    def fix(head, text):
        if head is not None and (head.startswith(prefix) or head.startswith("-h")):
            return re.sub(r" \(default: [^()]*\)$", "", text)
        return text
    _map_help(orig, fix)
    return ours, orig


def json_format_choice(case: dict, ours: Result, orig: Result) -> Tuple[Result, Result]:
    _map_help(orig, lambda head, text: text.replace("{auto,yaml,pickle}", "{auto,yaml,json,pickle}"))
    return ours, orig


def serial_format_help(case: dict, ours: Result, orig: Result) -> Tuple[Result, Result]:
    _map_help(orig, lambda head, text: text.replace(". It can be set to override", ". Can be set to override"))
    return ours, orig


def lacks_an_action(case: dict) -> bool:
    actions = case.get("bind", {}).get("inject_actions", True)
    return actions is False or (isinstance(actions, list) and not {"save", "load", "list"} <= set(actions))


ENTRIES += [
    Difference(
        id="help-defaults", kind="argparse",
        case_class="-h with show_defaults (the default): the `--hp-*` options and -h",
        reason="deliberate: 0.14 switched the whole parser to ArgumentDefaultsHelpFormatter, so every option "
               "(and the program's own) showed `(default: None)`",
        doc=HPARGPARSE_DOC, section=HPARGPARSE_SECTION, bullet="no longer switches the whole parser",
        applies=lambda c: True, rewrite=defaults_on_hp_options_only),
    Difference(
        id="json-format", kind="argparse", case_class="-h: the choices of --hp-serial-format",
        reason="deliberate: values files may be JSON (0.14 had yaml and pickle only)",
        doc=HPARGPARSE_DOC, section=HPARGPARSE_SECTION, bullet='`--hp-serial-format json` and JSON values files exist',
        applies=lambda c: True, rewrite=json_format_choice),
    Difference(
        id="serial-format-help", kind="argparse", case_class="-h: the help of --hp-serial-format",
        reason="0.14 says 'It can be set to override', ours 'Can be set to override'",
        doc=HPARGPARSE_DOC, section=HPARGPARSE_SECTION, bullet='The help of `--hp-serial-format` reads', applies=lambda c: True,
        rewrite=serial_format_help),
    Difference(
        id="inject-subsets", kind="argparse",
        case_class="bind(inject_actions=[...]) without all of save, load and list",
        reason="0.14 crashes in parse_args with AttributeError (it reads the namespace attribute of every action)",
        doc=HPARGPARSE_DOC, section=HPARGPARSE_SECTION, bullet="Every subset of `inject_actions` works",
        applies=lacks_an_action,
        rewrite=when(lambda ours, orig: exc_type(orig) == "AttributeError" and msg_has(orig, "attribute '"))),
]

#: default kinds 0.14 converts with the type's constructor (tuple('(1, 2)') is a tuple of
#: characters, bytes('ab') a TypeError) or with literal_eval (a SyntaxError traceback)
MISTYPED = {"list", "tuple", "dict", "set", "bytes", "none"}


def overridden_kinds(case: dict) -> set:
    """The kinds of the hyperparameters the command line gives a value."""
    import base64

    text = base64.b64decode(case["files"]["main.py"]).decode("utf-8")
    kinds = set()
    for flag in case["argv"]:
        if not flag.startswith("--"):
            continue
        m = re.search(r"_\('{}', ([^\n]*)\)\n".format(re.escape(flag[2:]).replace("\\-", "[-_]")), text)
        if m:
            kinds.add(kind_of_default(m.group(1)))
    return kinds


def kind_of_default(text: str) -> str:
    import ast

    try:
        value = ast.literal_eval(text.split(", choices=")[0].split(", help=")[0].split(", required=")[0])
    except (ValueError, SyntaxError):
        return "nonliteral"
    return {type(None): "none"}.get(type(value), type(value).__name__)


def take_ours_except_help(case: dict, ours: Result, orig: Result) -> Tuple[Result, Result]:
    merged = dict(ours)
    if "help" in orig:
        merged["help"] = orig["help"]
    return ours, merged


def type_func_help(case: dict, ours: Result, orig: Result) -> Tuple[Result, Result]:
    """0.14 names list and dict options after its converter: `A type_func hyper-parameter`."""
    ours_entries = {h: t for h, t in (ours.get("help") or {}).get("entries", [])}

    def fix(head, text):
        if head is not None and "A type_func hyper-parameter" in text and head in ours_entries:
            m = re.match(r"A (list|dict) hyper-parameter", ours_entries[head])
            if m:
                return text.replace("A type_func", "A " + m.group(1))
        return text
    _map_help(orig, fix)
    return ours, orig


ENTRIES += [
    Difference(
        id="typed-values", kind="argparse",
        case_class="a command-line value for a list, tuple, set, dict, bytes or None hyperparameter",
        reason="0.14 converts with the type itself (tuple('5, 6') is a tuple of characters, set('ab') a set of "
               "letters, bytes('ab') and NoneType('x') fail) or crashes with a SyntaxError traceback for a "
               "malformed list/dict; ours reads a Python literal of that type and makes a bad one a usage error",
        doc=HPARGPARSE_DOC, section=HPARGPARSE_SECTION, bullet="typed properly",
        applies=lambda c: bool(overridden_kinds(c) & MISTYPED), rewrite=take_ours_except_help),
    Difference(
        id="type-func-help", kind="argparse", case_class="-h of a list or dict hyperparameter",
        reason="0.14 prints its converter's name: `A type_func hyper-parameter named ...`",
        doc=HPARGPARSE_DOC, section=HPARGPARSE_SECTION, bullet="typed properly",
        applies=lambda c: True, rewrite=type_func_help),
]


def has_kind(case: dict, kinds: set) -> bool:
    import base64

    text = base64.b64decode(case["files"]["main.py"]).decode("utf-8")
    for m in re.finditer(r"_\('[^']*', ([^\n]*)\)\n", text):
        if kind_of_default(m.group(1)) in kinds:
            return True
    return False


def listing_format(case: dict) -> str:
    argv = case["argv"]
    for i, word in enumerate(argv):
        if word.endswith("-list"):
            nxt = argv[i + 1] if i + 1 < len(argv) else ""
            return nxt if nxt in ("json", "yaml", "detail") else "yaml"
    return ""


def percent_help(case: dict, ours: Result, orig: Result) -> Tuple[Result, Result]:
    """0.14's help formatting fails on the hint's lone %: in -h (the parse) and in format_help."""
    if exc_type(orig) == "ValueError":
        return ours, ours
    if isinstance(orig.get("help"), dict) and "exc" in orig["help"]:
        orig["help"] = ours.get("help")
    return ours, orig


def nonliteral_help(case: dict, ours: Result, orig: Result) -> Tuple[Result, Result]:
    ours_entries = {h: t for h, t in (ours.get("help") or {}).get("entries", [])}

    def fix(head, text):
        if head in ours_entries and text.endswith("(default: )") and re.search(r"\(default: .+\)$", ours_entries[head]):
            return text[:-len("(default: )")] + re.search(r"\(default: .+\)$", ours_entries[head]).group(0)
        return text
    _map_help(orig, fix)
    return ours, orig


ENTRIES += [
    Difference(
        id="nonliteral-help", kind="argparse", case_class="-h of a hyperparameter whose default is not a literal",
        reason="deliberate: the help shows the default's source text; 0.14 printed `(default: )`",
        doc=HPARGPARSE_DOC, section=HPARGPARSE_SECTION, bullet="the help's default is the default's source text",
        applies=lambda c: has_kind(c, {"nonliteral"}), rewrite=nonliteral_help),
    Difference(
        id="nonliteral-value", kind="argparse", case_class="a command-line value for a non-literal default",
        reason="deliberate: the text replaces the default as a literal or a string; 0.14 stored "
               "NotLiteralEvaluable('<text>')",
        doc=HPARGPARSE_DOC, section=HPARGPARSE_SECTION, bullet="it as a literal or a string",
        applies=lambda c: "nonliteral" in overridden_kinds(c), rewrite=take_ours_except_help),
    Difference(
        id="nonliteral-listing", kind="argparse", case_class="--hp-list of a non-literal default",
        reason="0.14: YAML with a python/object tag, JSON crashes (TypeError); ours the source text",
        doc=HPARGPARSE_DOC, section=HPARGPARSE_SECTION, bullet="its YAML listing showed a non-literal default",
        applies=lambda c: bool(listing_format(c)) and has_kind(c, {"nonliteral"}),
        rewrite=take_ours_except_help),
    Difference(
        id="json-listing-crash", kind="argparse", case_class="--hp-list json of bytes, sets, complex numbers",
        reason="0.14 crashes with TypeError in json.dumps", doc=HPARGPARSE_DOC, section=HPARGPARSE_SECTION, bullet='prints every value (0.14 crashed on sets, bytes, complex numbers',
        applies=lambda c: listing_format(c) == "json" and has_kind(c, {"bytes", "set", "complex"}),
        rewrite=when(lambda ours, orig: exc_type(orig) == "TypeError")),
    Difference(
        id="int-literals", kind="argparse", case_class="an int option given 0x10",
        reason="deliberate: int options take Python integer literals; 0.14's int() refused 0x10",
        doc=HPARGPARSE_DOC, section=HPARGPARSE_SECTION, bullet='int options take Python',
        applies=lambda c: "0x10" in c["argv"], rewrite=take_ours_except_help),
    Difference(
        id="percent-help", kind="argparse", case_class="a help hint with a lone %",
        reason="0.14's -h crashes with ValueError", doc=HPARGPARSE_DOC, section=HPARGPARSE_SECTION, bullet='A help hint with a lone `%`',
        applies=has_text(r"help='[^']*%'"), rewrite=percent_help),
]


# -- values files, saved by one side and loaded by the other ---------------------------

EXT_FORMAT = {"yaml": "yaml", "yml": "yaml", "pickle": "pickle", "pkl": "pickle", "json": "json"}


def files_path(case: dict) -> str:
    argv = case["argv"]
    for flag in ("--hp-save", "--hp-load"):
        if flag in argv:
            return argv[argv.index(flag) + 1]
    return ""


def unsupported_extension(ours: Result, orig: Result) -> bool:
    return exc_type(orig) == "ValueError" and msg_has(orig, "Unsupported file extension")


def format_option_differs(case: dict) -> bool:
    """--hp-serial-format names another format than the file's extension (0.14 ignores the option)."""
    fmt = case.get("fmt")
    return bool(fmt) and EXT_FORMAT.get(case.get("ext", ""), "") != fmt


def tested_is_right(case: dict, tested: Result, base: Result) -> Tuple[Result, Result]:
    return tested, tested


ENTRIES += [
    Difference(
        id="json-values-file", kind="argparse", case_class="--hp-save/--hp-load of a .json file",
        reason="deliberate: values files may be JSON; 0.14 raised ValueError('Unsupported file extension: .json')",
        doc=HPARGPARSE_DOC, section=HPARGPARSE_SECTION, bullet='`--hp-serial-format json` and JSON values files exist',
        applies=lambda c: files_path(c).endswith(".json"), rewrite=when(unsupported_extension)),
    Difference(
        id="serial-format-option", kind="argparse", case_class="--hp-serial-format on the command line",
        reason="0.14 ignored the option (it used bind's serial_format), so a file without a known extension "
               "raised ValueError even with the option",
        doc=HPARGPARSE_DOC, section=HPARGPARSE_SECTION, bullet="`--hp-serial-format` given on the command line is honoured",
        applies=lambda c: "--hp-serial-format" in c["argv"], rewrite=when(unsupported_extension)),
    Difference(
        id="serial-format-option-files", kind="values",
        case_class="a file saved and loaded with --hp-serial-format naming another format than its extension",
        reason="0.14 ignored the option: it wrote and read by the extension, so the two sides' files differ in format",
        doc=HPARGPARSE_DOC, section=HPARGPARSE_SECTION, bullet="`--hp-serial-format` given on the command line is honoured",
        applies=format_option_differs, rewrite=tested_is_right),
    Difference(
        id="yaml-tags", kind="values", case_class="0.14's own YAML file with a tuple or complex value, read back",
        reason="0.14 wrote `!!python/tuple`/`!!python/complex` with yaml.dump and could not read them with "
               "yaml.safe_load (ConstructorError); ours reads those two tags",
        doc=HPARGPARSE_DOC, section=HPARGPARSE_SECTION, bullet='0.14 could not read its own YAML with',
        applies=lambda c: c["direction"] == "ours-reads-orig",
        rewrite=lambda c, tested, base: (tested, tested) if exc_type(base) == "ConstructorError" else (tested, base)),
    Difference(
        id="none-in-file", kind="values", case_class="a None hyperparameter loaded from a values file",
        reason="0.14 crashes: NoneType takes no arguments", doc=HPARGPARSE_DOC, section=HPARGPARSE_SECTION, bullet='hyperparameter whose default is None loads from a file',
        applies=lambda c: True,
        rewrite=lambda c, tested, base: (tested, tested) if msg_has(base, "NoneType takes no arguments") else (tested, base)),
]


def has_nonfinite_override(case: dict) -> bool:
    return any(w in ("inf", "-inf", "nan") for w in case["argv"])


ENTRIES += [
    Difference(
        id="detail-after-override", kind="argparse", case_class="--hp-detail / --hp-list detail after a command-line value",
        reason="0.14 crashes with TypeError sorting occurrences by file name (a runtime occurrence has none)",
        doc=HPARGPARSE_DOC, section=HPARGPARSE_SECTION, bullet="also works after command",
        applies=lambda c: listing_format(c) == "detail" or any(w.endswith("-detail") for w in c["argv"]),
        rewrite=when(lambda ours, orig: exc_type(orig) == "TypeError" and msg_has(orig, "not supported between"))),
    Difference(
        id="json-nonfinite", kind="argparse", case_class="--hp-list json of inf/nan",
        reason="0.14 prints Infinity/NaN (not JSON); ours the Python text", doc=HPARGPARSE_DOC,
        section=HPARGPARSE_SECTION, bullet='In JSON listings NaN and infinities are the', applies=lambda c: listing_format(c) == "json" and has_nonfinite_override(c),
        rewrite=take_ours_except_help),
]


def detail_help_prefix(case: dict, ours: Result, orig: Result) -> Tuple[Result, Result]:
    prefix = _prefix(case)
    _map_help(orig, lambda head, text: text.replace("Shorthand for --hp-list detail",
                                                     "Shorthand for {}list detail".format(prefix)))
    return ours, orig


ENTRIES.append(Difference(
    id="detail-help-prefix", kind="argparse", case_class="-h of --PREFIX-detail with action_prefix",
    reason="0.14 always says 'Shorthand for --hp-list detail'", doc=HPARGPARSE_DOC, section=HPARGPARSE_SECTION,
    bullet='Shorthand for --cfg-list detail', applies=lambda c: _prefix(c) != "--hp-", rewrite=detail_help_prefix))
