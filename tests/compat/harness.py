"""Drive the worker under both interpreters, compare, match the registry, shrink.

`run_both` sends one batch of rendered cases to each side in a subprocess (ours: the
interpreter running the tests, with the repo's hpman; the original: .venv-compat) and
returns both result lists. `compare` turns a pair of results into divergences
(path, ours, original); `unexplained` drops those a registry entry documents; `shrink`
reduces a failing case to a minimal one that still shows the same divergence.
"""
import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
WORKER = HERE / "worker.py"
BATCH_TIMEOUT = 240  # seconds for one subprocess; a hang fails the test instead of blocking CI

Divergence = Tuple[str, Any, Any]


def original_python() -> str:
    """The reference interpreter, installed on first use by scripts/compat-venv.sh."""
    out = subprocess.run(["bash", str(REPO / "scripts" / "compat-venv.sh")], cwd=REPO,
                         capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        raise RuntimeError("scripts/compat-venv.sh failed:\n" + out.stderr[-3000:])
    return str(REPO / out.stdout.strip().splitlines()[-1])


def worker_env() -> Dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "HPMAN", "COV_"))}
    env.update(LC_ALL="C.UTF-8", LANG="C.UTF-8", PYTHONHASHSEED="0", COLUMNS="1000", LINES="50",
               PYTHONDONTWRITEBYTECODE="1", PYTHONWARNINGS="ignore", TERM="dumb", NO_COLOR="1",
               PYTHONIOENCODING="utf-8")
    return env


def run_side(python: str, kind: str, cases: List[Dict[str, Any]], side: str = "") -> List[Dict[str, Any]]:
    """One batch in one subprocess; `side` replaces {SIDE} in command lines (where to save)."""
    payload = json.dumps({"kind": kind, "cases": cases, "side": side})
    proc = subprocess.run([python, str(WORKER)], input=payload, capture_output=True, text=True,
                          timeout=BATCH_TIMEOUT, env=worker_env(), cwd=str(HERE))
    if proc.returncode != 0:
        raise RuntimeError("worker under {} failed ({}):\n{}".format(python, proc.returncode, proc.stderr[-3000:]))
    results = json.loads(proc.stdout)
    assert len(results) == len(cases), (len(results), len(cases))
    for res in results:
        if "harness_error" in res:
            raise RuntimeError("worker under {} crashed on a case:\n{}".format(python, res["traceback"]))
    return results


def run_both(ours: str, original: str, kind: str, cases: List[Dict[str, Any]]):
    """Both sides of one batch, the two subprocesses running at once (2 cores)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as pool:
        a = pool.submit(run_side, ours, kind, cases, "ours")
        b = pool.submit(run_side, original, kind, cases, "orig")
        return a.result(), b.result()


# -- comparison ---------------------------------------------------------------------

def same_exception(ours: Optional[dict], orig: Optional[dict]) -> bool:
    """Ours matches when it is the original's type or a subclass of it (so `except` clauses
    written for 0.13 still catch it); a SyntaxError also at the same line."""
    if ours is None or orig is None:
        return ours is orig
    if orig["types"][0] not in ours["types"]:
        return False
    if "SyntaxError" in orig["types"]:
        return ours.get("lineno") == orig.get("lineno") and ours.get("filename") == orig.get("filename")
    if "SystemExit" in orig["types"]:
        return ours.get("code") == orig.get("code")
    return True


def compare(ours: Any, orig: Any, path: str = "") -> List[Divergence]:
    """Every place where the two results differ, as (path, ours, original)."""
    if isinstance(ours, dict) and isinstance(orig, dict):
        if "types" in ours and "types" in orig:  # an exception description
            return [] if same_exception(ours, orig) else [(path, ours, orig)]
        out: List[Divergence] = []
        for key in sorted(set(ours) | set(orig)):
            sub = "{}.{}".format(path, key) if path else key
            if key not in ours or key not in orig:
                out.append((sub, ours.get(key, "<missing>"), orig.get(key, "<missing>")))
            else:
                out.extend(compare(ours[key], orig[key], sub))
        return out
    if isinstance(ours, dict) != isinstance(orig, dict) or ours != orig:
        return [(path, ours, orig)]
    return []


def compare_results(ours: dict, orig: dict) -> List[Divergence]:
    """Divergences of one case. When both sides fail at the same step with the same
    exception, the state after it is not compared (0.13 leaves a half-parsed manager;
    ours leaves it unchanged)."""
    for step in ("parse_exc", "bind_exc"):
        if step in ours or step in orig:
            return compare(ours.get(step, "<none>"), orig.get(step, "<none>"), step)
    a, b = ours.get("exc"), orig.get("exc")
    if not same_exception(a, b):
        return [("exc", a, b)]
    if a is not None and "error" not in ours:
        return []
    rest_a = {k: v for k, v in ours.items() if k != "exc"}
    rest_b = {k: v for k, v in orig.items() if k != "exc"}
    if isinstance(rest_a.get("error"), str) and isinstance(rest_b.get("error"), str):
        # both reject the command line: the option they blame matters, argparse's wording not
        rest_a["error"], rest_b["error"] = _blamed(rest_a["error"]), _blamed(rest_b["error"])
    return compare(rest_a, rest_b)


def _blamed(error: str) -> str:
    m = re.match(r"(main\.py: error: argument [^:]+:)", error)
    return m.group(1) if m else error


# -- the registry ---------------------------------------------------------------------

def unexplained(case: dict, ours: dict, orig: dict, registry) -> Tuple[List[Divergence], List[str]]:
    """Divergences left after every registry entry rewrote the results the way its documented
    difference predicts, and the ids of the entries that explained something."""
    divs = compare_results(ours, orig)
    used = []
    for entry in registry:
        if not divs:
            break
        a, b = entry.explain(case, ours, orig)
        if a is ours and b is orig:
            continue
        # a rewrite normalises what its class makes differ; it is kept even when it does not
        # change the divergences yet (a later entry may uncover what it normalised)
        left = compare_results(a, b)
        if left != divs:
            used.append(entry.id)
        ours, orig, divs = a, b, left
    return divs, used


def divergence_class(divs: List[Divergence]) -> str:
    """A key (the first differing field; for exceptions both types) to group failures and
    to keep the shrinker on the same failure."""
    path, a, b = divs[0]
    head = path.split(".")[0]
    if head.endswith("exc"):
        def name(e: Any) -> str:
            return e["types"][0] if isinstance(e, dict) and "types" in e else str(e)
        return "{} ours={} original={}".format(head, name(a), name(b))
    return head


def shrink(case: dict, key: str, check: Callable[[List[dict]], List[Optional[str]]],
           candidates: Callable[[dict], List[dict]], rounds: int = 40) -> dict:
    """Greedy: keep taking the first smaller variant that still fails with the same class.
    `check` runs a batch of cases and returns each one's failure class (None: passes)."""
    for _ in range(rounds):
        options = candidates(case)
        if not options:
            return case
        verdicts = check(options)
        for option, verdict in zip(options, verdicts):
            if verdict == key:
                case = option
                break
        else:
            return case
    return case


def format_failure(case_source: str, divs: List[Divergence]) -> str:
    lines = ["minimal failing input:", case_source, "divergences (path: ours | original):"]
    for path, a, b in divs[:8]:
        lines.append("  {}:\n    ours:     {}\n    original: {}".format(
            path or "<result>", json.dumps(a, ensure_ascii=False)[:800], json.dumps(b, ensure_ascii=False)[:800]))
    return "\n".join(lines)
