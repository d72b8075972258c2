#!/usr/bin/env python3
"""hpman benchmarks against the original hpman 0.13.0, in one run.

    python bench/run.py [--quick] [--repeats N] [--python PY] [--no-lsp]

Ours is the interpreter running this script (normally .venv/bin/python, with
its `hpman` console script next to it); the original is hpman==0.13.0 from
PyPI in `.bench/ref-venv` (created when missing).  Both run on the same
machine in the same run, alternating, in fresh subprocesses where cold state
matters; figures are medians of the repeats.  Prints one markdown table and
writes `.bench/results.md` and `.bench/results.json`.
"""
import argparse
import datetime
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import prepare  # noqa: E402
from prepare import clean_env, log  # noqa: E402

REPO = HERE.parent
WORKER = str(HERE / "worker.py")


# -- formatting ---------------------------------------------------------------

def _g3(x):
    return f"{x:#.3g}".rstrip(".")


def fmt_s(sec):
    if sec is None:
        return "n/a"
    if sec >= 1000:
        return f"{sec:.0f} s"
    if sec >= 1:
        return f"{_g3(sec)} s"
    if sec >= 1e-3:
        return f"{_g3(sec * 1e3)} ms"
    if sec >= 1e-6:
        return f"{_g3(sec * 1e6)} µs"
    return f"{_g3(sec * 1e9)} ns"


def fmt_ns(ns):
    return "n/a" if ns is None else (f"{ns:.0f} ns" if ns < 1000 else f"{_g3(ns / 1000)} µs")


def fmt_mb(kb):
    return "n/a" if kb is None else f"{kb / 1024:.0f} MB"


def med(xs):
    return statistics.median(xs) if xs else None


class NA(Exception):
    """A piece is missing: the row shows n/a with this message."""


class Timeout(NA):
    def __init__(self, seconds):
        super().__init__(f"killed at the {seconds} s timeout")
        self.seconds = seconds


# -- subprocess timing ----------------------------------------------------------

def run_timed(cmd, env=None, cwd=None, timeout=600, ok_codes=(0,)):
    """Run cmd in a fresh process; wall time and its rusage via wait4.

    Returns dict(seconds, returncode, stdout, stderr, timed_out); its ru_maxrss is
    not used (see SH_FORK).
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        # Own session, so that a timeout kills the whole group (the /bin/sh
        # launcher and the measured process under it), nothing else.
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, cwd=cwd,
                                start_new_session=True)
        killed = []

        def kill():
            killed.append(1)
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except OSError:
                pass

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            _pid, status, ru = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        dt = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status) if hasattr(os, "waitstatus_to_exitcode") \
            else (status >> 8)
        out.seek(0)
        err.seek(0)
        res = {
            "seconds": dt, "returncode": proc.returncode,
            "stdout": out.read().decode("utf-8", "replace"),
            "stderr": err.read().decode("utf-8", "replace"),
            "maxrss_kb": ru.ru_maxrss, "timed_out": bool(killed),
            # user + system CPU of the process and the children it waited for:
            # unlike wall time, hardly affected by other load on the machine.
            "cpu": ru.ru_utime + ru.ru_stime,
        }
    if killed:
        raise Timeout(timeout)
    if res["returncode"] not in ok_codes:
        tail = (res["stderr"] or res["stdout"]).strip().splitlines()[-1:]
        raise NA(f"exit {res['returncode']}: " + " | ".join(tail))
    return res


# A process's peak RSS (ru_maxrss) on Linux starts at the RSS of the process
# that fork+exec'ed it: the kernel keeps the high-water mark of the pre-exec
# address space, a copy of this (large) harness.  So processes whose memory
# is reported are started by a small /bin/sh (which forks, it does not exec
# the last command when another follows), and report getrusage themselves.
SH_FORK = ["/bin/sh", "-c", '"$@"; exit $?', "sh"]
TIME_V = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None


def worker(python, task, *args, env=None, cwd=None, timeout=600):
    res = run_timed(SH_FORK + [str(python), WORKER, task, *map(str, args)],
                    env=env or clean_env(), cwd=cwd, timeout=timeout)
    lines = [l for l in res["stdout"].strip().splitlines() if l.startswith("{")]
    if not lines:
        raise NA(f"worker {task}: no result")
    data = json.loads(lines[-1])
    data["wall"] = res["seconds"]
    data["cpu"] = res["cpu"]
    return data


# -- the benchmark -------------------------------------------------------------

class Bench:
    def __init__(self, args):
        self.args = args
        self.quick = args.quick
        self.bench_dir = REPO / ".bench"
        self.bench_dir.mkdir(exist_ok=True)
        self.ours_py = Path(args.python or sys.executable)
        self.ours_bin = self.ours_py.parent
        self.rows = []
        self.notes = []
        self.raw = {}
        self.tmp = Path(tempfile.mkdtemp(prefix="hpman-bench-"))
        self.neutral_cwd = str(self.tmp)   # neither tree is importable from here
        r = args.repeats
        self.R_cold = r or (3 if self.quick else 3)
        self.R = r or (3 if self.quick else 5)

    # rows ---------------------------------------------------------------
    def add_row(self, key, what, orig, ours, ratio, target, met, note=None):
        self.rows.append({"key": key, "what": what, "original": orig, "ours": ours,
                          "ratio": ratio, "target": target, "met": met, "note": note})

    def na_row(self, key, what, target, err, orig="n/a"):
        self.add_row(key, what, orig, f"n/a ({err})", None, target, None)

    # setup --------------------------------------------------------------
    def setup(self):
        t0 = time.perf_counter()
        self.ref_py = None
        self.ref_error = None
        try:
            self.ref_py = prepare.ensure_ref_venv(self.bench_dir / "ref-venv", str(self.ours_py))
        except Exception as e:
            self.ref_error = f"reference venv: {e}"
            log("[prepare] " + self.ref_error)
        # Byte-compile our sources as `pip install` does for both (the original's wheel was):
        # an editable install under PYTHONDONTWRITEBYTECODE would recompile them every run.
        subprocess.run([str(self.ours_py), "-m", "compileall", "-q", str(REPO / "server")], check=False,
                       stdout=subprocess.DEVNULL)
        name = "corpus-quick" if self.quick else "corpus"
        self.corpus = (self.bench_dir / name).resolve()
        self.corpus_info = prepare.ensure_corpus(REPO, self.corpus, 600 if self.quick else 0,
                                                 str(self.ours_py))
        self.big_dir = self.tmp / "big"
        self.big_path, self.big_text = prepare.make_big_file(self.corpus, self.big_dir)
        shutil.copy(self.corpus / "zz_defaults.py", self.big_dir / "zz_defaults.py")
        # The LSP workspace: the corpus plus a folder with only the big file
        # (the corpus defines shared.lr once already).
        self.lsp_big_dir = self.tmp / "lsp-big"
        self.lsp_big_path, _t = prepare.make_big_file(self.corpus, self.lsp_big_dir)
        log(f"[prepare] done in {time.perf_counter() - t0:.1f} s; corpus: "
            f"{self.corpus_info['files']} files, {self.corpus_info['lines']:,} lines, "
            f"{self.corpus_info['hpman_files']} using hpman")

    def ours_cli(self):
        exe = self.ours_bin / "hpman"
        if not exe.exists():
            raise NA(f"no `hpman` console script in {self.ours_bin}")
        return str(exe)

    def ours_check(self, paths, cache_dir, no_cache=True, timeout=600):
        cmd = [self.ours_cli(), "check", *map(str, paths), "--format", "json"]
        if no_cache:
            cmd.insert(3, "--no-cache")
        if TIME_V:  # peak RSS of the CLI process (see SH_FORK)
            cmd = [TIME_V, "-f", "BENCH-MAXRSS-KB %M"] + cmd
        res = run_timed(cmd, env=clean_env(HPMAN_CACHE_DIR=str(cache_dir)),
                        cwd=self.neutral_cwd, timeout=timeout, ok_codes=(0, 1))
        res["maxrss_kb"] = None
        if TIME_V:
            lines = res["stderr"].rstrip("\n").split("\n")
            if lines and lines[-1].startswith("BENCH-MAXRSS-KB "):
                res["maxrss_kb"] = int(lines[-1].split()[1])
                res["stderr"] = "\n".join(lines[:-1])
        if "Traceback (most recent call last)" in res["stderr"]:
            raise NA(f"`hpman check` crashed: {res['stderr'].strip().splitlines()[-1]}")
        try:
            res["problems"] = json.loads(res["stdout"])
            if not isinstance(res["problems"], list):
                raise ValueError
        except ValueError:
            tail = (res["stderr"].strip().splitlines() or [""])[-1]
            raise NA(f"`hpman check --format json` printed no JSON list "
                     f"(exit {res['returncode']}): {res['stdout'][:100]!r} {tail}") from None
        return res

    def fresh_cache(self):
        return Path(tempfile.mkdtemp(prefix="cache-", dir=self.tmp))

    def cpu_note(self, row, ours, orig):
        s = f"{row}, CPU time (user + system, medians) instead of wall time: ours {fmt_s(ours)}"
        if orig:
            s += f", original {fmt_s(orig)}"
            if ours:
                s += f", ratio {ours / orig:.3g}"
        return s

    # row 1 + 9 ------------------------------------------------------------
    def row_cold(self):
        what = f"cold `hpman check` of the corpus ({self.corpus_info['files']:,} files, " \
               f"{self.corpus_info['lines']:,} lines), with syntax verification"
        ours, orig, astp, ours_err, orig_err = [], [], [], None, self.ref_error
        ours_rss, orig_rss = [], []
        cpu = {"ours": [], "orig": [], "ast": []}
        self.ours_cold_output = None
        for i in range(self.R_cold):
            order = ["ours", "orig", "ast"] if i % 2 == 0 else ["orig", "ours", "ast"]
            for who in order:
                try:
                    if who == "ours" and ours_err is None:
                        r = self.ours_check([self.corpus], self.fresh_cache())
                        ours.append(r["seconds"])
                        cpu["ours"].append(r["cpu"])
                        if r["maxrss_kb"]:
                            ours_rss.append(r["maxrss_kb"])
                        self.ours_cold_output = r["problems"]
                        log(f"[1] cold index, ours #{i + 1}: {r['seconds']:.2f} s "
                            f"({len(r['problems'])} problems)")
                    elif who == "orig" and orig_err is None:
                        r = worker(self.ref_py, "orig-index", self.corpus, cwd=self.neutral_cwd)
                        orig.append(r["wall"])
                        cpu["orig"].append(r["cpu"])
                        orig_rss.append(r["maxrss_kb"])
                        self.orig_names = r["names"]
                        log(f"[1] cold index, original #{i + 1}: {r['wall']:.2f} s "
                            f"({r['names']} names)")
                    elif who == "ast" and (i == 0 or not self.quick):
                        r = worker(self.ours_py, "ast-parse", self.corpus, cwd=self.neutral_cwd)
                        astp.append(r["wall"])
                        cpu["ast"].append(r["cpu"])
                        log(f"[1] ast.parse of every file #{i + 1}: {r['wall']:.2f} s")
                except Exception as e:
                    if who == "ours":
                        ours_err = str(e)
                    elif who == "orig":
                        orig_err = str(e)
                    else:
                        self.notes.append(f"ast.parse reference failed: {e}")
                    log(f"[1] {who}: {e}")
        self.orig_cold_cpu = med(cpu["orig"])
        self.notes.append(self.cpu_note("Row 1", med(cpu["ours"]), self.orig_cold_cpu)
                          + (f"; `ast.parse` {fmt_s(med(cpu['ast']))}" if cpu["ast"] else "") + ".")
        self.raw["cold"] = {"cpu": cpu, "ours": ours, "original": orig, "ast_parse": astp,
                            "ours_maxrss_kb": ours_rss, "original_maxrss_kb": orig_rss}
        self.orig_cold = med(orig)
        self.orig_rss = max(orig_rss) if orig_rss else None
        self.ours_cli_rss = max(ours_rss) if ours_rss else None
        self.ast_all = med(astp)
        o = fmt_s(self.orig_cold) if orig else f"n/a ({orig_err})"
        if self.ast_all:
            o += f" (`ast.parse` of every file alone: {fmt_s(self.ast_all)})"
        if ours:
            ratio = med(ours) / self.orig_cold if self.orig_cold else None
            self.add_row("cold", what, o, fmt_s(med(ours)), ratio, "≤ 0.10 × original",
                         None if ratio is None else ratio <= 0.10)
        else:
            self.na_row("cold", what, "≤ 0.10 × original", ours_err, o)
        if self.ast_all and self.orig_cold:
            self.notes.append(
                f"Row 1 reference: `ast.parse` of every file alone (fresh process, same "
                f"interpreter) {fmt_s(self.ast_all)} = {self.ast_all / self.orig_cold:.2f} × original"
                + (f"; ours = {med(ours) / self.ast_all:.2f} × `ast.parse`" if ours else "") + ".")
        self.notes.append("Row 1 times whole processes (interpreter start included): ours "
                          "`hpman check CORPUS --no-cache --format json` with an empty "
                          "HPMAN_CACHE_DIR, the original `python -c 'from hpman.m import _; "
                          "_.parse_file(CORPUS)'` in the reference venv; both byte-compiled, as "
                          "`pip install` leaves them. Ours reads and parses on two processes "
                          "(the CPU-time note above adds both).")

    # row 2 ----------------------------------------------------------------
    def row_cache(self):
        what = "`hpman check` second start with the cache"
        target = "≤ 0.02 × original cold"
        try:
            cache = self.fresh_cache()
            first = self.ours_check([self.corpus], cache, no_cache=False)
            log(f"[2] cache: first run {first['seconds']:.2f} s")
            times, cpus = [], []
            same = True
            for i in range(self.R):
                r = self.ours_check([self.corpus], cache, no_cache=False)
                times.append(r["seconds"])
                cpus.append(r["cpu"])
                same = same and (r["problems"] == first["problems"])
                log(f"[2] cache: second start #{i + 1}: {r['seconds']:.3f} s")
        except NA as e:
            return self.na_row("cache", what, target, e)
        self.raw["cache"] = {"first": first["seconds"], "second": times, "second_cpu": cpus}
        # Same work? Count the names ours lists vs the names the original parsed.
        try:
            lr = run_timed([self.ours_cli(), "list", str(self.corpus), "--format", "json"],
                           env=clean_env(HPMAN_CACHE_DIR=str(cache)), cwd=self.neutral_cwd,
                           timeout=300)
            n_ours = len(json.loads(lr["stdout"]))
            n_orig = getattr(self, "orig_names", None)
            self.notes.append(
                f"Same work: `hpman list CORPUS --format json` gives {n_ours:,} names; the "
                f"original's `parse_file(CORPUS)` gave "
                + (f"{n_orig:,}" if n_orig is not None else "n/a")
                + (" (equal)." if n_ours == n_orig else " (DIFFERENT)."))
        except (NA, ValueError, TypeError) as e:
            self.notes.append(f"Name count check (`hpman list`): n/a ({e}).")
        self.notes.append(self.cpu_note("Row 2", med(cpus), getattr(self, "orig_cold_cpu", None))
                          + " (original: cold).")
        m = med(times)
        ratio = m / self.orig_cold if self.orig_cold else None
        self.add_row("cache", what, "(no cache) cold: " + fmt_s(self.orig_cold), fmt_s(m), ratio,
                     target, None if ratio is None else ratio <= 0.02)
        self.notes.append(f"Row 2: `hpman check CORPUS` with a warm HPMAN_CACHE_DIR (first, "
                          f"populating run: {fmt_s(first['seconds'])}); output identical to the "
                          f"populating run: {'yes' if same else 'NO'}.")

    # runtime parse_file rows --------------------------------------------------
    def row_runtime_parse(self):
        """The runtime's `_.parse_file(CORPUS)` as a whole process, cold (empty cache) and on a
        second start (warm cache), against the original's cold parse_file of row 1."""
        what_cold = "runtime `_.parse_file(corpus)` cold (empty cache), with syntax verification"
        what_warm = "runtime `_.parse_file(corpus)` second start (cache)"
        t_cold, t_warm = "≤ 0.15 × original", "≤ 0.03 × original"
        cold, warm, cpu_cold, cpu_warm, names = [], [], [], [], None
        try:
            for i in range(self.R_cold):
                r = worker(self.ours_py, "ours-parse-file", self.corpus, cwd=self.neutral_cwd,
                           env=clean_env(HPMAN_CACHE_DIR=str(self.fresh_cache())))
                cold.append(r["wall"])
                cpu_cold.append(r["cpu"])
                names = r["names"]
                log(f"[rt] parse_file cold #{i + 1}: {r['wall']:.2f} s ({names} names)")
            cache = self.fresh_cache()
            worker(self.ours_py, "ours-parse-file", self.corpus, cwd=self.neutral_cwd,
                   env=clean_env(HPMAN_CACHE_DIR=str(cache)))
            for i in range(self.R):
                r = worker(self.ours_py, "ours-parse-file", self.corpus, cwd=self.neutral_cwd,
                           env=clean_env(HPMAN_CACHE_DIR=str(cache)))
                warm.append(r["wall"])
                cpu_warm.append(r["cpu"])
                log(f"[rt] parse_file second start #{i + 1}: {r['wall']:.3f} s")
        except NA as e:
            if not cold:
                self.na_row("rt-cold", what_cold, t_cold, e)
            return self.na_row("rt-cache", what_warm, t_warm, e)
        self.raw["runtime_parse"] = {"cold": cold, "warm": warm, "cold_cpu": cpu_cold, "warm_cpu": cpu_warm}
        for key, what, target, times, limit in (("rt-cold", what_cold, t_cold, cold, 0.15),
                                                ("rt-cache", what_warm, t_warm, warm, 0.03)):
            m = med(times)
            ratio = m / self.orig_cold if self.orig_cold else None
            self.add_row(key, what, fmt_s(self.orig_cold) if self.orig_cold else "n/a", fmt_s(m), ratio, target,
                         None if ratio is None else ratio <= limit)
        n_orig = getattr(self, "orig_names", None)
        self.notes.append(
            f"Runtime rows: `python -c 'from hpman.m import _; _.parse_file(CORPUS)'` as a whole process, "
            f"ours with an empty HPMAN_CACHE_DIR (cold, median of {len(cold)}) and a warm one (median of "
            f"{len(warm)}), against the original's cold parse_file of row 1; ours reads every module, checks "
            f"each one that uses hpman whole (0.13's SyntaxError), and parses on two processes (the second a "
            f"spawned interpreter). CPU time (user + system, both processes): cold {fmt_s(med(cpu_cold))}, "
            f"second start {fmt_s(med(cpu_warm))}. Names found: {names:,} ours, "
            + (f"{n_orig:,} original" if n_orig is not None else "original n/a") + ".")

    # row 3 ----------------------------------------------------------------
    def row_reindex(self):
        what = "re-index after editing one 5,000-line file"
        target = "≤ 0.5 × `ast.parse` of that file"
        variants, lineno = prepare.default_edit_variants(self.big_text)
        vf = self.tmp / "variants.json"
        vf.write_text(json.dumps(variants))
        n = 20 if self.quick else 50
        try:
            r = worker(self.ours_py, "ours-reindex", self.big_dir, self.big_path, vf, n,
                       env=clean_env(HPMAN_CACHE_DIR=str(self.fresh_cache())),
                       cwd=self.neutral_cwd)
        except NA as e:
            return self.na_row("reindex", what, target, e, "—")
        ours, ours_set, ref = med(r["set_text_problems"]), med(r["set_text"]), med(r["ast_parse"])
        self.big_ast = ref
        self.raw["reindex"] = r
        ratio = ours / ref
        self.add_row("reindex", what, f"— (`ast.parse`: {fmt_s(ref)})", fmt_s(ours), ratio,
                     target, ratio <= 0.5,
                     note="ratio vs `ast.parse`")
        self.notes.append(
            f"Row 3: in process, `Workspace([dir]).scan()` then {n} × `set_text(big5000.py, …)` "
            f"changing one default value on line {lineno} of {r['lines']:,} (alternating two "
            f"values), each followed by `problems(path)`: median {fmt_s(ours)} "
            f"(`set_text` alone {fmt_s(ours_set)}); `ast.parse` of the same text, interleaved: "
            f"median {fmt_s(ref)}. The ratio column of this row is ours / `ast.parse`.")

    # row 4 ----------------------------------------------------------------
    def row_uses(self):
        n = 20000
        what = f"{n:,} uses of one name in one file"
        target = "≤ 0.5 s (linear)"
        d = prepare.make_uses_dir(self.tmp / "uses20000", n)
        n_orig = 5000 if self.quick else n
        d_orig = d if n_orig == n else prepare.make_uses_dir(self.tmp / "uses5000", n_orig)
        ours, ours_err, orig, orig_err = [], None, None, self.ref_error
        orig_timeout = orig_cpu = None
        ours_cpu = []
        if orig_err is None:
            try:
                r = worker(self.ref_py, "orig-index", d_orig, cwd=self.neutral_cwd, timeout=120)
                orig = r["wall"]
                orig_cpu = r["cpu"]
                log(f"[4] {n_orig} uses, original: {orig:.1f} s")
            except Timeout as e:
                orig_timeout = e.seconds
                log(f"[4] original: {e}")
            except NA as e:
                orig_err = str(e)
                log(f"[4] original: {e}")
        for i in range(self.R):
            try:
                r = self.ours_check([d], self.fresh_cache())
                ours.append(r["seconds"])
                ours_cpu.append(r["cpu"])
                log(f"[4] {n} uses, ours #{i + 1}: {r['seconds']:.3f} s")
            except NA as e:
                ours_err = str(e)
                break
        # Linearity, in process (no interpreter start): 10,000 vs 20,000 uses.
        lin = {}
        if ours:
            d10 = prepare.make_uses_dir(self.tmp / "uses10000", 10000)
            for k, dd in ((10000, d10), (20000, d)):
                try:
                    lin[k] = worker(self.ours_py, "ours-uses", dd, cwd=self.neutral_cwd,
                                    env=clean_env(HPMAN_CACHE_DIR=str(self.fresh_cache())))["cpu"]
                except NA as e:
                    lin = {"error": str(e)}
                    break
        if ours_cpu:
            self.notes.append(self.cpu_note("Row 4", med(ours_cpu), orig_cpu)
                              + (f" (original at {n_orig:,} uses)" if n_orig != n else "") + ".")
        self.raw["uses"] = {"ours_cpu": ours_cpu, "original_cpu": orig_cpu, "ours": ours, "original": orig,
                            "original_uses": n_orig, "inproc": lin}
        if orig_timeout:
            o = f"> {orig_timeout} s (killed at the timeout" + (
                f", {n_orig:,} uses)" if n_orig != n else ")")
        elif orig is None:
            o = f"n/a ({orig_err})"
        elif n_orig == n:
            o = fmt_s(orig)
        else:
            o = (f"{fmt_s(orig)} at {n_orig:,} uses (quick mode; ×{(n / n_orig) ** 2:.0f} "
                 f"quadratic extrapolation to {n:,}: ≈ {fmt_s(orig * (n / n_orig) ** 2)})")
        if not ours:
            return self.na_row("uses", what, target, ours_err, o)
        m = med(ours)
        orig_n = orig if n_orig == n else (orig * (n / n_orig) ** 2 if orig else None)
        ratio = m / orig_n if orig_n else None
        if orig_timeout and n_orig == n:
            ratio = m / orig_timeout   # an upper bound: the original took longer
        self.add_row("uses", what, o, fmt_s(m), ratio, target, m <= 0.5)
        note = (f"Row 4: ours = `hpman check DIR --no-cache` as a whole process (interpreter "
                f"start included), median of {len(ours)}")
        if "error" not in lin and lin:
            note += (f"; in process (`Workspace.scan` + `problems`, CPU time, fastest of 3): "
                     f"10,000 uses "
                     f"{fmt_s(lin[10000])}, 20,000 uses {fmt_s(lin[20000])} "
                     f"(×{lin[20000] / lin[10000]:.2f} for ×2 uses)")
        if n_orig != n:
            note += "; ratio against the extrapolated original figure"
        if orig_timeout:
            note += (f"; the original was stopped at {orig_timeout} s, so its ratio is an "
                     f"upper bound (ours / {orig_timeout} s)")
        self.notes.append(note + ".")

    # rows 5, 6 --------------------------------------------------------------
    def row_runtime(self):
        res = {(k, s): [] for k in ("ours", "orig", "dict") for s in ("set", "get")}
        mins = {k: [] for k in res}
        errs = {"ours": None, "orig": self.ref_error, "dict": None}
        pys = {"ours": self.ours_py, "orig": self.ref_py, "dict": self.ours_py}
        # Now and then a whole process runs every call ~1.7 x slower (any Python callable
        # does, a trivial class with `__call__` too); the median of 7 processes is robust to it.
        rounds = 2 if self.quick else 7
        for i in range(rounds):
            for stmt in ("set", "get"):
                for kind in (("ours", "orig", "dict") if i % 2 == 0 else ("orig", "ours", "dict")):
                    if errs[kind]:
                        continue
                    try:
                        r = worker(pys[kind], "timeit", kind, stmt, 3 if self.quick else 5,
                                   0.1 if self.quick else 0.2,
                                   cwd=self.neutral_cwd,
                                   timeout=120)
                        res[(kind, stmt)].append(r["ns"])
                        mins[(kind, stmt)].append(r["ns_min"])
                    except NA as e:
                        errs[kind] = str(e)
            log(f"[5,6] runtime round {i + 1}: " + ", ".join(
                f"{k}/{s} {res[(k, s)][-1]:.0f} ns" for (k, s) in res if res[(k, s)]))
        self.raw["runtime"] = {f"{k}/{s}": v for (k, s), v in res.items()}
        self.raw["runtime_min"] = {f"{k}/{s}": v for (k, s), v in mins.items()}
        for stmt, label, factor in (("set", "runtime `_('lr', 0.1)`", 20),
                                    ("get", "runtime `_('lr')`", 4)):
            target = f"≥ {factor} × faster than original"
            o, u, dref = (med(res[(k, stmt)]) for k in ("ours", "orig", "dict"))
            os_ = fmt_ns(u) if u else f"n/a ({errs['orig']})"
            if o is None:
                self.na_row("runtime-" + stmt, label, target, errs["ours"], os_)
                continue
            ratio = o / u if u else None
            ours_s = fmt_ns(o) + (f" ({u / o:.1f} × faster)" if u else "")
            self.add_row("runtime-" + stmt, label, os_, ours_s, ratio, target,
                         None if ratio is None else ratio <= 1 / factor)
            if dref:
                best = {k: min(mins[(k, stmt)]) for k in ("ours", "orig") if mins[(k, stmt)]}
                self.notes.append(
                    f"Row {label}: plain `dict.get` reference "
                    f"`d.get('lr'{', 0.1' if stmt == 'set' else ''})`: {fmt_ns(dref)} "
                    f"(ours = {o / dref:.1f} × dict.get). Fastest batch instead of medians: "
                    + ", ".join(f"{'ours' if k == 'ours' else 'original'} {fmt_ns(v)}"
                                for k, v in best.items())
                    + (f" ({best['orig'] / best['ours']:.1f} × faster)" if len(best) == 2 else "")
                    + ".")
        self.notes.append(f"Rows 5–6: `timeit` in a fresh process per figure ({3 if self.quick else 5} "
                          f"batches of ≥ {0.1 if self.quick else 0.2} s, median), {rounds} processes per figure "
                          f"alternating ours and the original, median.")

    # rows 7, 8 ------------------------------------------------------------
    def row_lsp(self):
        what7 = "LSP {m} on the corpus (p50 / p95 / p99)"
        target7 = "p95 ≤ 10 ms"
        what8 = "LSP edit → diagnostics for a 5,000-line file (p50 / p95 / p99)"
        target8 = "p95 ≤ 0.5 × `ast.parse` of that file"
        methods = ("hover", "definition", "references")
        if self.args.no_lsp:
            for m in methods:
                self.na_row("lsp-" + m, what7.format(m=m), target7, "skipped (--no-lsp)", "—")
            return self.na_row("lsp-edit", what8, target8, "skipped (--no-lsp)", "—")
        err = None
        probe = subprocess.run([str(self.ours_py), "-c", "import hpman_lsp.__main__"],
                               env=clean_env(), cwd=self.neutral_cwd, capture_output=True,
                               text=True)
        if probe.returncode != 0:
            err = "server missing: " + (probe.stderr.strip().splitlines() or ["?"])[-1]
        r = None
        if err is None:
            from lsp_bench import run_lsp_bench
            stderr_path = self.bench_dir / "lsp-server-stderr.log"
            try:
                r = run_lsp_bench(
                    str(self.ours_py), self.corpus, self.lsp_big_dir, self.lsp_big_path,
                    self.big_text, n_requests=100 if self.quick else 300,
                    n_edits=30 if self.quick else 60, stderr_path=str(stderr_path), log=log,
                    profile_path=self.args.lsp_profile)
            except Exception as e:
                err = f"{type(e).__name__}: {e}"
                log("[7,8] LSP: " + traceback.format_exc())
        if r is None:
            for m in methods:
                self.na_row("lsp-" + m, what7.format(m=m), target7, err, "—")
            return self.na_row("lsp-edit", what8, target8, err, "—")
        self.raw["lsp"] = r
        log(f"[7,8] LSP: {json.dumps(r)}")

        def trio(s):
            return " / ".join(fmt_s(s[k]) for k in ("p50", "p95", "p99"))

        for m in methods:
            s = r[m]
            if not s["n"]:
                self.na_row("lsp-" + m, what7.format(m=m), target7,
                            f"no answers ({s.get('first_error')})", "—")
                continue
            extra = f"; {s['nonempty']}/{s['n']} non-empty"
            sp = s.get("split")
            if sp and sp["rest_n"]:
                self.notes.append(
                    f"Row LSP {m}: requests on `{sp['name']}` (the most used name, in every "
                    f"hpman module): {sp['name_n']}, p50 {fmt_s(sp['name_p50'])}, p95 "
                    f"{fmt_s(sp['name_p95'])}; on the other names: {sp['rest_n']}, p50 "
                    f"{fmt_s(sp['rest_p50'])}, p95 {fmt_s(sp['rest_p95'])}.")
            if s["errors"]:
                extra += f", {s['errors']} errors"
            self.add_row("lsp-" + m, what7.format(m=m), "—", trio(s) + extra, None, target7,
                         s["p95"] <= 0.010 and s["nonempty"] > 0)
        e = r["edit"]
        big_ast = getattr(self, "big_ast", None)
        if big_ast is None:
            import ast as _ast
            ts = []
            for _i in range(9):
                t0 = time.perf_counter()
                _ast.parse(self.big_text)
                ts.append(time.perf_counter() - t0)
            big_ast = med(ts)
        lim = 0.5 * big_ast
        ours = trio(e) + (f"; {e['timeouts']} timeouts (counted as 5 s)" if e["timeouts"] else "")
        self.add_row("lsp-edit", what8, f"— (`ast.parse`: {fmt_s(big_ast)})", ours,
                     e["p95"] / big_ast, f"{target8} (= {fmt_s(lim)})", e["p95"] <= lim)
        full = r.get("edit_full")
        if full:
            ours_full = trio(full) + (f"; {full['timeouts']} timeouts (counted as 5 s)" if full["timeouts"] else "")
            self.add_row("lsp-edit-full", what8 + " (whole-text didChange)", f"— (`ast.parse`: {fmt_s(big_ast)})",
                         ours_full, full["p95"] / big_ast, f"{target8} (= {fmt_s(lim)})", full["p95"] <= lim)
        self.notes.append(
            f"Rows 7–8: own JSON-RPC client over stdio (`bench/lsp_client.py`) driving "
            f"`python -m hpman_lsp`, workspace folders = corpus + a folder with the 5,000-line "
            f"file; initial indexing took {fmt_s(r['index_seconds'])} (detected by "
            f"{r['index_detected_by']}; {r['tree_top_nodes']} top-level tree nodes). "
            f"{r['hover']['n']} requests of each kind at random hyperparameter occurrences in 40 "
            f"opened files, one at a time; latency = request written → answer decoded. Edits: "
            f"{e['n']} incremental `didChange` (typing/removing one letter of a `shared.lr` use "
            f"near the middle, line {prepare.use_toggle_edit(self.big_text)[0] + 1}) → the "
            f"document's next `publishDiagnostics`, each edit sent once the server is quiet "
            f"(no message for 150 ms); ratio column = p95 / `ast.parse`. Documents "
            f"that got a `publishDiagnostics` per edit (median): "
            f"{e.get('documents_published_per_edit_median')}; edit → the last of them "
            f"(p50): {fmt_s(e.get('settle_p50'))}.")

    # row 9 ----------------------------------------------------------------
    def row_memory(self):
        what = "peak memory (max RSS) of the index on the corpus"
        o = fmt_mb(self.orig_rss) if self.orig_rss else f"n/a ({self.ref_error or 'not measured'})"
        try:
            r = worker(self.ours_py, "ours-workspace", self.corpus, cwd=self.neutral_cwd,
                       env=clean_env(HPMAN_CACHE_DIR=str(self.fresh_cache())))
        except NA as e:
            return self.na_row("memory", what, "— (informative)", e, o)
        self.raw["memory"] = r
        total = r["maxrss_kb"] + (r["children_maxrss_kb"] or 0)
        ratio = total / self.orig_rss if self.orig_rss else None
        ours = fmt_mb(r["maxrss_kb"])
        if r["children_maxrss_kb"]:
            ours += f" + worker processes up to {fmt_mb(r['children_maxrss_kb'])} each"
        self.add_row("memory", what, o, ours, ratio, "— (informative)", None)
        self.notes.append(
            f"Row 9: max RSS (`getrusage`) of a fresh process that ran "
            f"`Workspace([CORPUS], cache=False).scan()` ({fmt_s(r['seconds'])} in process), vs "
            f"the original's process after `parse_file(CORPUS)`; `hpman check` process peak: "
            f"{fmt_mb(self.ours_cli_rss)}."
            + (" Ratio column: (main + one worker) / original." if r["children_maxrss_kb"] else ""))

    # row: sweeps -----------------------------------------------------------
    SWEEP_PROGRAM = """\
import time
import hpman
from hpman.m import _
_.parse_file(__file__)
x = _('bench.x', 0.5, range=(0.0, 1.0))
depth = _('bench.depth', 4, range=(1, 8))
opt = _('bench.opt', 'a', choices=['a', 'b'])
time.sleep({seconds})
hpman.report((x - 0.3) ** 2 + depth)
"""

    def row_sweep(self):
        """Per-trial overhead of `hpman sweep` over running the command directly: the time per
        trial of two sweeps that differ only in their number of trials, minus the time of a
        direct run. The sweep also indexes the whole corpus, once per worker (at its start)."""
        what = "`hpman sweep`: overhead per trial over running the command directly"
        target = "< 5% of a 10-s trial (0.5 s)"
        seconds = 0.3 if self.quick else 1.0
        small, large = (2, 6) if self.quick else (3, 13)
        rounds = 1 if self.quick else 2
        proj = self.tmp / "sweep"
        proj.mkdir(exist_ok=True)
        (proj / "train.py").write_text(self.SWEEP_PROGRAM.format(seconds=seconds))
        env = clean_env(HPMAN_CACHE_DIR=str(self.fresh_cache()))
        py = str(self.ours_py)
        try:
            # the measured sweeps must find the same state: the index cache filled and the storage's
            # tables made (the first sweep would do both, and look slower per trial than it is)
            sweep = [py, "-m", "hpman", "sweep", str(proj), str(self.corpus), "--only", "bench.*", "--pruner", "none"]
            run_timed(sweep + ["--trials", "1", "--study", "bench-warm", "--", py, "train.py"], env=env,
                      cwd=str(proj), timeout=900)
            direct = med([run_timed([py, "train.py"], env=env, cwd=str(proj))["seconds"] for _ in range(large)])
            overheads, starts = [], []
            for r in range(rounds):
                times = {}
                for n in (small, large):
                    cmd = sweep + ["--trials", str(n), "--study", f"bench-{r}-{n}", "--", py, "train.py"]
                    times[n] = run_timed(cmd, env=env, cwd=str(proj), timeout=900)["seconds"]
                per_trial = (times[large] - times[small]) / (large - small)
                overheads.append(per_trial - direct)
                starts.append(times[small] - small * per_trial)
        except NA as e:
            return self.na_row("sweep", what, target, e, "— (no sweeps in 0.13)")
        overhead, start = med(overheads), med(starts)
        self.raw["sweep"] = {"direct_s": direct, "overheads_s": overheads, "starts_s": starts,
                             "trial_seconds": seconds, "trials": [small, large]}
        self.add_row("sweep", what, "— (no sweeps in 0.13)",
                     f"{fmt_s(overhead)} per trial = {100 * overhead / 10:.1f}% of a 10-s trial",
                     None, target, overhead < 0.5)
        self.notes.append(
            f"Row sweep: a program that sleeps {seconds} s and reports, run directly ({fmt_s(direct)} a run, "
            f"median of {large}) and by `hpman sweep` over it and the corpus on SQLite with {small} and "
            f"{large} trials ({rounds} round(s)); overhead = the difference per trial minus a direct run "
            f"(median {fmt_s(overhead)}, rounds {', '.join(fmt_s(o) for o in overheads)}). "
            f"A worker's start (imports, reading the corpus's index once — from the cache here —, opening the "
            f"storage): {fmt_s(start)}.")

    # ---------------------------------------------------------------------
    def run(self):
        t_all = time.perf_counter()
        started = datetime.datetime.now(datetime.timezone.utc)
        self.load_start = os.getloadavg()[0]
        self.setup()
        steps = [self.row_cold, self.row_cache, self.row_runtime_parse, self.row_reindex, self.row_uses,
                 self.row_runtime, self.row_lsp, self.row_memory, self.row_sweep]
        for step in steps:
            t0 = time.perf_counter()
            try:
                step()
            except Exception as e:  # a bug in the harness must not lose the other rows
                log(traceback.format_exc())
                self.notes.append(f"{step.__name__} failed: {type(e).__name__}: {e}")
            log(f"[{step.__name__}] {time.perf_counter() - t0:.1f} s")
        elapsed = time.perf_counter() - t_all
        self.report(started, elapsed)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def report(self, started, elapsed):
        def ratio_s(r):
            return "—" if r is None else f"{r:.3g}"

        def met_s(m):
            return "n/a" if m is None else ("met" if m else "**not met**")

        order = ["cold", "cache", "rt-cold", "rt-cache", "reindex", "uses", "runtime-set", "runtime-get",
                 "lsp-hover", "lsp-definition", "lsp-references", "lsp-edit", "lsp-edit-full", "memory", "sweep"]
        # a row this list does not know yet goes last instead of losing the whole run's report
        rows = sorted(self.rows, key=lambda r: order.index(r["key"]) if r["key"] in order else len(order))
        commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True).stdout.strip()
        load = os.getloadavg()
        head = (f"hpman benchmark ({'quick' if self.quick else 'full'}), "
                f"{started:%Y-%m-%d %H:%M} UTC, commit {commit}, Python "
                f"{platform.python_version()}, {os.cpu_count()} CPUs, load average "
                f"{self.load_start:.2f} at start, {load[0]:.2f} at end; corpus {self.corpus_info['files']:,} files / "
                f"{self.corpus_info['lines']:,} lines ({self.corpus_info['hpman_files']} using "
                f"hpman); whole run {elapsed:.0f} s. Reproduce: "
                f"`make bench{'-quick' if self.quick else ''}`.")
        lines = [head, "",
                 "| # | what | original 0.13 | ours | ours / original | target | met? |",
                 "|---|---|---|---|---|---|---|"]
        for i, r in enumerate(rows, 1):
            lines.append(f"| {i} | {r['what']} | {r['original']} | {r['ours']} | "
                         f"{ratio_s(r['ratio'])} | {r['target']} | {met_s(r['met'])} |")
        lines.append("")
        lines += [f"- {n}" for n in self.notes]
        text = "\n".join(lines) + "\n"
        print(text)
        (self.bench_dir / "results.md").write_text(text)
        (self.bench_dir / "results.json").write_text(json.dumps({
            "mode": "quick" if self.quick else "full", "started": started.isoformat(),
            "elapsed_seconds": elapsed, "commit": commit, "corpus": self.corpus_info,
            "python": platform.python_version(), "rows": rows, "notes": self.notes,
            "raw": self.raw}, indent=1, default=str))


def main():
    ap = argparse.ArgumentParser(description="hpman benchmarks against hpman 0.13.0")
    ap.add_argument("--quick", action="store_true", help="600-file corpus, fewer repeats")
    ap.add_argument("--repeats", type=int, default=0, help="override the number of repeats")
    ap.add_argument("--python", help="our interpreter (default: the one running this)")
    ap.add_argument("--no-lsp", action="store_true", help="skip the language-server rows")
    ap.add_argument("--lsp-profile", metavar="FILE",
                    help="run the server under cProfile and write its profile to FILE "
                         "(for finding hotspots; slows the server rows down)")
    args = ap.parse_args()
    Bench(args).run()


if __name__ == "__main__":
    main()
