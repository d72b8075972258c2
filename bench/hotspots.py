#!/usr/bin/env python3
"""cProfile hotspots of ours on the benchmark workloads (run after bench/run.py
has built `.bench/corpus*`).

    .venv/bin/python bench/hotspots.py cold [--quick] [--top 25]
    .venv/bin/python bench/hotspots.py reindex|uses|check|set|get [--quick]

cold:    Workspace([corpus], cache=False).scan() in process
reindex: set_text + problems on the 5,000-line file (50 edits)
uses:    Workspace scan of a file with 20,000 uses of one name
check:   the `hpman check CORPUS --no-cache --format json` entry point in process
set/get: 200,000 runtime calls `_('lr', 0.1)` / `_('lr')`
"""
import argparse
import cProfile
import io
import os
import pstats
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import prepare  # noqa: E402
from worker import _problems_fn  # noqa: E402

REPO = HERE.parent


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["cold", "reindex", "uses", "check", "set", "get"])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--sort", default="tottime")
    a = ap.parse_args()
    os.environ["HPMAN_CACHE_DIR"] = tempfile.mkdtemp(prefix="hpman-prof-cache-")
    corpus = REPO / ".bench" / ("corpus-quick" if a.quick else "corpus")
    tmp = Path(tempfile.mkdtemp(prefix="hpman-prof-"))
    prof = cProfile.Profile()
    if a.what == "cold":
        from hpman.index import Workspace
        prof.enable()
        ws = Workspace([str(corpus)], cache=False)
        ws.scan()
        prof.disable()
    elif a.what == "reindex":
        from hpman.index import Workspace
        path, text = prepare.make_big_file(corpus, tmp / "big")
        variants, _l = prepare.default_edit_variants(text)
        ws = Workspace([str(tmp / "big")], cache=False)
        ws.scan()
        prof.enable()
        for i in range(50):
            ws.set_text(str(path), variants[i % 2])
            _problems_fn(ws)(str(path))
        prof.disable()
    elif a.what == "uses":
        from hpman.index import Workspace
        d = prepare.make_uses_dir(tmp / "uses", 20000)
        prof.enable()
        ws = Workspace([str(d)], cache=False)
        ws.scan()
        _problems_fn(ws)(str(d / "uses.py"))
        prof.disable()
    elif a.what == "check":
        from hpman.cli import main as cli_main
        sys.argv = ["hpman", "check", str(corpus), "--no-cache", "--format", "json"]
        out = io.StringIO()
        real = sys.stdout
        sys.stdout = out
        prof.enable()
        try:
            cli_main()
        except SystemExit:
            pass
        finally:
            prof.disable()
            sys.stdout = real
    else:
        from hpman.m import _
        _("lr", 0.1)
        prof.enable()
        if a.what == "set":
            for _i in range(200000):
                _("lr", 0.1)
        else:
            for _i in range(200000):
                _("lr")
        prof.disable()
    s = io.StringIO()
    pstats.Stats(prof, stream=s).strip_dirs().sort_stats(a.sort).print_stats(a.top)
    print(s.getvalue())


if __name__ == "__main__":
    main()
