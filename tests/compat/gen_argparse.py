"""Seeded hpargparse cases: a module of hyperparameters, `bind` options and a command line.

A case holds hyperparameter specs (name, default text, hints) rather than source text,
so the shrinker can drop hyperparameters and command-line words independently.
"""
import base64
import copy
import random
from typing import Any, Dict, List

# default text -> command-line texts to try for it (valid and invalid ones)
TYPED = {
    "int": (["3", "0", "-7", "1_000", "0x10"], ["7", "-3", "0x10", "1_000", "abc", "1.5", "", " 4 "]),
    "float": (["1e-5", "0.1", "-2.5", "3.0"], ["1e-4", "3", "inf", "-0.0", "nan", "x", "1_0.5"]),
    "bool": (["True", "False"], ["true", "False", "yes", "n", "1", "0", "maybe", "T"]),
    "str": (["'adam'", "''", "'a b'", "'é'"], ["sgd", "", "1", "héllo", "-", "a=b"]),
    "list": (["[1, 2]", "[]", "['a', 'b']"], ["[3, 4]", "[1,", "(1, 2)", "x", "[]", "['z']"]),
    "tuple": (["(3, 224)", "()", "(1,)"], ["(5, 6)", "5, 6", "[1]", "(", "()"]),
    "dict": (["{'beta': 0.9}", "{}"], ["{'beta': 0.5}", "[1]", "{", "{}"]),
    "none": (["None"], ["None", "3", "'s'", "x"]),
    "complex": (["1+2j"], ["3j", "1+1j", "x"]),
    "bytes": (["b'xy'"], ["b'ab'", "ab"]),
    "set": (["{1, 2}"], ["{3}", "set()", "[1]", "x"]),
    "nonliteral": (["get_date()", "lambda: 1"], ["2021-01-01", "3", "[1]"]),
}
COMMON = ["int", "int", "float", "float", "bool", "str", "str", "list", "tuple", "dict"]
RARE = ["none", "complex", "bytes", "set", "nonliteral"]
NAMES = ["lr", "weight_decay", "epochs", "batch_size", "model.depth", "model.act", "opt.beta", "seed",
         "data.root", "n_layers", "dropout", "use_amp", "name"]
HINTS = {
    "int": ["choices=[1, 2, 3]", "help='how many'", "required=True"],
    "str": ["choices=['adam', 'sgd']", "help='which one'", "required=True"],
    "float": ["help='rate 50%'", "help='rate'"],
}


def argparse_case(rng: random.Random) -> Dict[str, Any]:
    hps = []
    for name in rng.sample(NAMES, rng.randint(1, 5)):
        kind = rng.choice(RARE) if rng.random() < 0.12 else rng.choice(COMMON)
        default = rng.choice(TYPED[kind][0])
        hints = []
        if kind in HINTS and rng.random() < 0.2:
            hints.append(rng.choice(HINTS[kind]))
        hps.append({"name": name, "kind": kind, "default": default, "hints": hints})
    if rng.random() < 0.1:
        hps.append({"name": rng.choice(NAMES) + ".x", "kind": "int", "default": None, "hints": []})
    bind: Dict[str, Any] = {}
    roll = rng.random()
    if roll < 0.15:
        bind["inject_actions"] = sorted(rng.sample(["save", "load", "list", "detail"], rng.randint(1, 4)))
    elif roll < 0.18:
        bind["inject_actions"] = False
    if rng.random() < 0.1:
        bind["action_prefix"] = "cfg"
    if rng.random() < 0.15:
        bind["show_defaults"] = False
    argv: List[str] = []
    for hp in rng.sample(hps, rng.randint(0, len(hps))):
        if hp["default"] is None or rng.random() < 0.4:
            continue
        argv += ["--" + hp["name"].replace("_", "-"), rng.choice(TYPED[hp["kind"]][1])]
    prefix = bind.get("action_prefix", "hp")
    action = rng.choices(["none", "help", "list", "list-yaml", "list-json", "list-detail", "detail", "exit"],
                         [30, 25, 15, 10, 15, 4, 4, 5])[0]
    if action == "help":
        argv.append("-h")
    elif action == "list":
        argv.append("--{}-list".format(prefix))
    elif action in ("list-yaml", "list-json", "list-detail"):
        argv += ["--{}-list".format(prefix), action[5:]]
    elif action == "detail":
        argv.append("--{}-detail".format(prefix))
    elif action == "exit":
        argv.append("--{}-exit".format(prefix))
    return {"hps": hps, "bind": bind, "argv": argv}


def module_text(hps: List[Dict[str, Any]]) -> str:
    lines = ["from hpman.m import _", "", "", "def main():"]
    for i, hp in enumerate(hps):
        args = ["'{}'".format(hp["name"])]
        if hp["default"] is not None:
            args.append(hp["default"])
        args += hp["hints"]
        lines.append("    v{} = _({})".format(i, ", ".join(args)))
    return "\n".join(lines) + "\n"


def render(case: Dict[str, Any]) -> Dict[str, Any]:
    out = {k: v for k, v in case.items() if k != "hps"}
    out["files"] = {"main.py": base64.b64encode(module_text(case["hps"]).encode()).decode("ascii")}
    out["target"] = "main.py"
    out["names"] = sorted({hp["name"] for hp in case["hps"]})
    out["help"] = True
    return out


def shrink_candidates(case: Dict[str, Any]) -> List[Dict[str, Any]]:
    out = []
    for i in range(len(case["hps"])):
        c = copy.deepcopy(case)
        gone = c["hps"].pop(i)
        flag = "--" + gone["name"].replace("_", "-")
        if flag in c["argv"]:
            j = c["argv"].index(flag)
            del c["argv"][j:j + 2]
        if c["hps"]:
            out.append(c)
    for i in range(len(case["argv"])):
        c = copy.deepcopy(case)
        del c["argv"][i]
        out.append(c)
    for key in list(case["bind"]):
        c = copy.deepcopy(case)
        del c["bind"][key]
        out.append(c)
    for i, hp in enumerate(case["hps"]):
        if hp["hints"]:
            c = copy.deepcopy(case)
            c["hps"][i]["hints"] = []
            out.append(c)
    return out


SAFE_OVERRIDES = {"int": ["7", "-3"], "float": ["1e-4", "3"], "bool": ["false", "yes"], "str": ["sgd", "", "x y"]}
SAVE_KINDS = COMMON + ["none", "complex", "bytes", "set"]


def save_case(rng: random.Random) -> Dict[str, Any]:
    """A command line that saves the values (after a few overrides) to a values file.
    `{OUT}`, `{I}` and `{SIDE}` in the path are filled in by the driver and the worker."""
    hps = []
    for name in rng.sample(NAMES, rng.randint(1, 5)):
        kind = rng.choice(SAVE_KINDS)
        hps.append({"name": name, "kind": kind, "default": rng.choice(TYPED[kind][0]), "hints": []})
    argv: List[str] = []
    for hp in hps:
        if hp["kind"] in SAFE_OVERRIDES and rng.random() < 0.3:
            argv += ["--" + hp["name"].replace("_", "-"), rng.choice(SAFE_OVERRIDES[hp["kind"]])]
    ext = rng.choices(["yaml", "yml", "pickle", "pkl", "json", "cfg"], [35, 5, 30, 5, 15, 10])[0]
    fmt = None
    if ext == "cfg" or rng.random() < 0.1:
        fmt = rng.choice(["yaml", "pickle"])
    save = ["--hp-save", "{OUT}/{SIDE}-{I}." + ext]
    if fmt:
        save += ["--hp-serial-format", fmt]
    return {"hps": hps, "bind": {}, "argv": argv + save, "fmt": fmt}


def load_case(case: Dict[str, Any], path: str) -> Dict[str, Any]:
    """The same module, loading `path` (then exiting)."""
    argv = ["--hp-load", path, "--hp-exit"]
    if case.get("fmt"):
        argv += ["--hp-serial-format", case["fmt"]]
    return dict(case, argv=argv)


def saved_path(case: Dict[str, Any]) -> str:
    return case["argv"][case["argv"].index("--hp-save") + 1]


def shrink_save_candidates(case: Dict[str, Any]) -> List[Dict[str, Any]]:
    """Fewer hyperparameters and overrides; the save itself stays."""
    out = []
    for c in shrink_candidates(case):
        if "--hp-save" in c["argv"] and c["argv"].index("--hp-save") + 1 < len(c["argv"]) \
                and c["argv"][c["argv"].index("--hp-save") + 1].startswith("{OUT}"):
            out.append(c)
    return out
