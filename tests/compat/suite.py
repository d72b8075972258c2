"""One differential run: generate seeded cases, run both sides, explain or shrink.

Used by the pytest tests and from the command line to explore:
    .venv/bin/python tests/compat/suite.py hpman 2000 --seed 1
"""
import argparse
import base64
import collections
import json
import os
import random
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

sys.path.insert(0, str(Path(__file__).resolve().parent))

import gen  # noqa: E402
import gen_argparse  # noqa: E402
import harness  # noqa: E402
import registry  # noqa: E402

KINDS: Dict[str, Dict[str, Callable]] = {
    "hpman": {"make": gen.hpman_case, "render": gen.render, "shrink": gen.shrink_candidates,
              "show": None},
    "argparse": {"make": gen_argparse.argparse_case, "render": gen_argparse.render,
                 "shrink": gen_argparse.shrink_candidates, "show": None},
}


def show_case(rendered: Dict[str, Any]) -> str:
    """A readable form of a rendered case: its settings, then each file's bytes."""
    head = {k: v for k, v in rendered.items() if k not in ("files", "probes")}
    lines = [json.dumps(head, ensure_ascii=False)]
    for path, data in rendered.get("files", {}).items():
        lines.append("--- {}: {!r}".format(path, base64.b64decode(data)))
    return "\n".join(lines)


class Run:
    """Both interpreters and the registry, for one kind of case."""

    def __init__(self, kind: str, ours: str, original: str) -> None:
        self.kind, self.ours, self.original = kind, ours, original
        self.spec = KINDS[kind]
        self.used: collections.Counter = collections.Counter()

    def verdicts(self, cases: List[dict]) -> List[Optional[str]]:
        """Each case's unexplained divergence class, or None."""
        out = []
        for case, a, b in self.results(cases):
            left, _ = harness.unexplained(case, a, b, registry.ENTRIES)
            out.append(harness.divergence_class(left) if left else None)
        return out

    def results(self, cases: List[dict]):
        rendered = [self.spec["render"](c) for c in cases]
        a, b = harness.run_both(self.ours, self.original, self.kind, rendered)
        return list(zip(rendered, a, b))

    def run(self, n: int, seed: int, batch: int = 1000, shrink_classes: int = 4,
            only: str = "") -> List[str]:
        """Failure reports (empty: every divergence is documented)."""
        rng = random.Random(seed)
        cases = [self.spec["make"](rng) for _ in range(n)]
        failures: Dict[str, list] = collections.OrderedDict()
        for start in range(0, n, batch):
            chunk = cases[start:start + batch]
            for case, (rendered, a, b) in zip(chunk, self.results(chunk)):
                left, used = harness.unexplained(rendered, a, b, registry.ENTRIES)
                self.used.update(used)
                if left and only in harness.divergence_class(left):
                    failures.setdefault(harness.divergence_class(left), []).append(case)
        reports = []
        for key, group in list(failures.items())[:shrink_classes]:
            small = harness.shrink(group[0], key, self.verdicts, self.spec["shrink"])
            rendered, a, b = self.results([small])[0]
            left, _ = harness.unexplained(rendered, a, b, registry.ENTRIES)
            reports.append("[{}] {} of {} cases\n{}".format(
                key, len(group), n, harness.format_failure(show_case(rendered), left or [("?", a, b)])))
        for key in list(failures)[shrink_classes:]:
            reports.append("[{}] {} more cases (not shrunk)".format(key, len(failures[key])))
        return reports


class ValuesRun:
    """Values files across the two sides: each side saves (phase 1), then each side loads
    the other's file and its own (phase 2). Compared: the saves as ordinary cases; the
    original reading our file against it reading its own ("orig-reads-ours"); ours reading
    the original's file against the original reading it ("ours-reads-orig")."""

    def __init__(self, ours: str, original: str) -> None:
        self.ours, self.original = ours, original
        self.used: collections.Counter = collections.Counter()

    def judge(self, cases: List[dict]) -> List[Optional[tuple]]:
        """Per case: None, or (class, rendered case, divergences) of its first unexplained divergence."""
        import tempfile

        out: List[Optional[tuple]] = [None] * len(cases)
        with tempfile.TemporaryDirectory(prefix="hpman-compat-values-") as tmp:
            rendered = []
            for i, case in enumerate(cases):
                r = gen_argparse.render(case)
                r["argv"] = [a.replace("{OUT}", tmp).replace("{I}", str(i)) for a in r["argv"]]
                r["help"] = False
                rendered.append(r)
            first = harness.run_both(self.ours, self.original, "argparse", rendered)
            loads, where = [], []
            for i, (r, a, b) in enumerate(zip(rendered, *first)):
                left, used = harness.unexplained(r, a, b, registry.ENTRIES)
                self.used.update(used)
                if left:
                    out[i] = ("save " + harness.divergence_class(left), r, left)
                    continue
                path = gen_argparse.saved_path(r)
                files = {side: path.replace("{SIDE}", side) for side in ("ours", "orig")}
                if not all(os.path.exists(f) for f in files.values()):
                    continue  # neither saved (both refused the same way): nothing to cross
                for reader in ("ours", "orig"):
                    for writer in ("ours", "orig"):
                        loads.append(gen_argparse.load_case(r, files[writer]))
                        where.append((i, reader, writer))
            if not loads:
                return out
            by_ours, by_orig = harness.run_both(self.ours, self.original, "argparse", loads)
            got: Dict[tuple, dict] = {}
            for (i, reader, writer), a, b in zip(where, by_ours, by_orig):
                got[(i, reader, writer)] = a if reader == "ours" else b
            for i in sorted({w[0] for w in where}):
                if out[i] is not None:
                    continue
                ext = gen_argparse.saved_path(rendered[i]).rsplit(".", 1)[1]
                base = got[(i, "orig", "orig")]
                for direction, tested in (("orig-reads-ours", got[(i, "orig", "ours")]),
                                          ("ours-reads-orig", got[(i, "ours", "orig")])):
                    case = dict(rendered[i], direction=direction, ext=ext)
                    left, used = harness.unexplained(case, tested, base, registry.ENTRIES)
                    self.used.update(used)
                    if left:
                        out[i] = ("{} .{} {}".format(direction, ext, harness.divergence_class(left)), case, left)
                        break
        return out

    def run(self, n: int, seed: int, batch: int = 500, shrink_classes: int = 4, only: str = "") -> List[str]:
        rng = random.Random(seed)
        cases = [gen_argparse.save_case(rng) for _ in range(n)]
        failures: Dict[str, list] = collections.OrderedDict()
        for start in range(0, n, batch):
            chunk = cases[start:start + batch]
            for case, verdict in zip(chunk, self.judge(chunk)):
                if verdict and only in verdict[0]:
                    failures.setdefault(verdict[0], []).append(case)

        def check(options):
            return [v[0] if v else None for v in self.judge(options)]

        reports = []
        for key, group in list(failures.items())[:shrink_classes]:
            small = harness.shrink(group[0], key, check, gen_argparse.shrink_save_candidates)
            verdict = self.judge([small])[0] or ("?", gen_argparse.render(small), [])
            reports.append("[{}] {} of {} cases\n{}".format(
                key, len(group), n, harness.format_failure(show_case(verdict[1]), verdict[2])))
        for key in list(failures)[shrink_classes:]:
            reports.append("[{}] {} more cases (not shrunk)".format(key, len(failures[key])))
        return reports


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("kind", choices=sorted(KINDS) + ["values"])
    ap.add_argument("n", type=int)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--classes", type=int, default=8)
    ap.add_argument("--only", default="", help="only classes containing this text")
    ap.add_argument("--without", default="", help="registry entries to leave out (ids, comma-separated; "
                    "'pending' for every pending one): is an entry still needed?")
    args = ap.parse_args()
    t0 = time.time()
    drop = set(args.without.split(",")) - {""}
    registry.ENTRIES[:] = [e for e in registry.ENTRIES
                           if e.id not in drop and not ("pending" in drop and e.status.startswith("pending"))]
    if args.kind == "values":
        run = ValuesRun(sys.executable, harness.original_python())
    else:
        run = Run(args.kind, sys.executable, harness.original_python())
    reports = run.run(args.n, args.seed, shrink_classes=args.classes, only=args.only)
    print("\n\n".join(reports) or "no unexplained divergence")
    print("\nregistry entries used:", dict(run.used))
    print("{} cases in {:.1f} s".format(args.n, time.time() - t0))
    return 1 if reports else 0


if __name__ == "__main__":
    sys.exit(main())
