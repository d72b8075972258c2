"""One differential run: generate seeded cases, run both sides, explain or shrink.

Used by the pytest tests and from the command line to explore:
    .venv/bin/python tests/compat/suite.py hpman 2000 --seed 1
"""
import argparse
import base64
import collections
import json
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


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("kind", choices=sorted(KINDS))
    ap.add_argument("n", type=int)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--classes", type=int, default=8)
    ap.add_argument("--only", default="", help="only classes containing this text")
    args = ap.parse_args()
    t0 = time.time()
    run = Run(args.kind, sys.executable, harness.original_python())
    reports = run.run(args.n, args.seed, shrink_classes=args.classes, only=args.only)
    print("\n\n".join(reports) or "no unexplained divergence")
    print("\nregistry entries used:", dict(run.used))
    print("{} cases in {:.1f} s".format(args.n, time.time() - t0))
    return 1 if reports else 0


if __name__ == "__main__":
    sys.exit(main())
