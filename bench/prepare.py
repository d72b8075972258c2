"""Workloads for the benchmark: the reference virtual environment with the
original hpman 0.13.0, the corpus, the 5,000-line file and the many-uses file.
Everything lives under ``.bench/`` in the repository and is made only when
missing (idempotent, fast when present).
"""
import ast
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

REF_VERSION = "0.13.0"


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def clean_env(**extra):
    """Environment for child processes: no PYTHONPATH leaking one tree into the other."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP")}
    env.update(extra)
    return env


# -- reference virtual environment -----------------------------------------

def ensure_ref_venv(path: Path, base_python: str) -> Path:
    """A venv with hpman==0.13.0 from PyPI; returns its python. Raises on failure."""
    py = path / "bin" / "python"
    marker = path / f".hpman-{REF_VERSION}-ok"
    if py.exists() and marker.exists():
        return py
    log(f"[prepare] creating reference venv {path} with hpman=={REF_VERSION}")
    if path.exists():
        shutil.rmtree(path)
    # A venv made from inside a venv uses the same base interpreter.
    subprocess.run([base_python, "-m", "venv", str(path)], check=True, env=clean_env())
    r = subprocess.run(
        [str(py), "-m", "pip", "install", "-q", "--disable-pip-version-check",
         f"hpman=={REF_VERSION}"],
        env=clean_env(), capture_output=True, text=True,
    )
    if r.returncode != 0:
        raise RuntimeError("pip install hpman==%s failed: %s" % (REF_VERSION, r.stderr[-2000:]))
    check = subprocess.run(
        [str(py), "-c", "import hpman, sys; from hpman.m import _; _('lr', 0.1);"
         "print(hpman.__version__, hpman.__file__)"],
        env=clean_env(), capture_output=True, text=True, cwd=str(path),
    )
    if check.returncode != 0 or not check.stdout.startswith(REF_VERSION):
        raise RuntimeError("reference hpman does not import: " + (check.stderr or check.stdout)[-2000:])
    if str(path.resolve()) not in check.stdout:
        raise RuntimeError("reference hpman imported from the wrong place: " + check.stdout)
    marker.write_text(check.stdout)
    return py


# -- corpus ------------------------------------------------------------------

def find_mkcorpus(repo: Path) -> Path:
    for cand in (repo.parent / "shared" / "bench" / "mkcorpus.py",
                 Path("/work/shared/bench/mkcorpus.py")):
        if cand.is_file():
            return cand
    raise FileNotFoundError("mkcorpus.py not found (../shared/bench/mkcorpus.py)")


def ensure_corpus(repo: Path, dest: Path, files: int, python: str) -> dict:
    """Build the corpus with mkcorpus.py unless it is already complete."""
    done = dest / ".bench-corpus.json"
    if done.exists() and (dest / "zz_defaults.py").exists():
        return json.loads(done.read_text())
    mk = find_mkcorpus(repo)
    log(f"[prepare] building corpus {dest} with {mk}" + (f" --files {files}" if files else ""))
    cmd = [python, str(mk), str(dest)] + (["--files", str(files)] if files else [])
    r = subprocess.run(cmd, env=clean_env(), capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("mkcorpus failed: " + r.stderr[-2000:])
    nfiles = nlines = nhp = 0
    for root, _dirs, names in os.walk(dest):
        for n in names:
            if n.endswith(".py"):
                with open(os.path.join(root, n), "rb") as fh:
                    data = fh.read()
                nfiles += 1
                nlines += data.count(b"\n")
                nhp += b"from hpman.m import _" in data
    info = {"files": nfiles, "lines": nlines, "hpman_files": nhp, "mkcorpus": str(mk),
            "summary": r.stdout.strip()}
    done.write_text(json.dumps(info))
    return info


HP_CALL = re.compile(r"\b_\(\s*'([^']*)'")


def corpus_occurrences(corpus: Path):
    """Every hpman call's name string in the corpus: (path, line0, char0, name).

    mkcorpus leaves out every module that calls a function named `_` on its
    own, so all `_('...` calls in the corpus are hpman's.  Positions are LSP
    positions (0-based line, UTF-16 column of the character after the quote).
    """
    out = []
    for root, _dirs, names in os.walk(corpus):
        for n in sorted(names):
            if not n.endswith(".py"):
                continue
            p = os.path.join(root, n)
            with open(p, encoding="utf-8") as fh:
                text = fh.read()
            if "from hpman.m import _" not in text:
                continue
            for i, line in enumerate(text.split("\n")):
                for m in HP_CALL.finditer(line):
                    prefix = line[: m.start(1)]
                    col = len(prefix.encode("utf-16-le")) // 2
                    out.append((p, i, col, m.group(1)))
    out.sort()
    return out


# -- the 5,000-line file ------------------------------------------------------

def make_big_file(corpus: Path, dest_dir: Path, target_lines=5000, prefix="big."):
    """Concatenate hpman-using corpus modules into one ~5,000-line module.

    Real standard-library code with mkcorpus's hyperparameter functions; the
    hyperparameter names get `prefix` so that they do not collide with the
    corpus's when both are in one workspace.  Returns (path, text, edit) where
    edit describes a `shared.lr` use and a default near the middle.
    """
    pieces, total = [], 1
    names = []
    for root, dirs, files in os.walk(corpus):
        dirs.sort()
        for n in sorted(files):
            if n.endswith(".py") and n != "zz_defaults.py":
                names.append(os.path.join(root, n))
    for p in names:
        with open(p, encoding="utf-8") as fh:
            text = fh.read()
        if not text.startswith("from hpman.m import _\n"):
            continue
        body = text[len("from hpman.m import _\n"):]
        body = "\n".join(l for l in body.split("\n") if not l.startswith("from __future__ import"))
        body = body.replace("_('group", "_('" + prefix + "group")
        if not body.endswith("\n"):
            body += "\n"
        try:
            ast.parse(body)
        except SyntaxError:
            continue
        pieces.append(body)
        total += body.count("\n")
        if total > target_lines + 2000:
            break
    text = "from hpman.m import _\n" + "".join(pieces)
    tree = ast.parse(text)
    cut = 0
    for stmt in tree.body:
        if stmt.end_lineno <= target_lines:
            cut = stmt.end_lineno
    lines = text.split("\n")[:cut]
    lines += [""] * (target_lines - len(lines))
    text = "\n".join(lines) + "\n"
    ast.parse(text)
    assert text.count("\n") == target_lines
    dest_dir.mkdir(parents=True, exist_ok=True)
    path = dest_dir / "big5000.py"
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
    return path, text


def _nearest_middle(text, pattern):
    lines = text.split("\n")
    mid = len(lines) // 2
    best = None
    for i, line in enumerate(lines):
        m = re.search(pattern, line)
        if m and (best is None or abs(i - mid) < abs(best[0] - mid)):
            best = (i, m)
    if best is None:
        raise RuntimeError("no match for %r in the big file" % pattern)
    return best


def default_edit_variants(text):
    """Texts of the big file with one default value in the middle changed."""
    i, m = _nearest_middle(text, r"_\('[^']+', ([^)]*)\)")
    lines = text.split("\n")
    out = []
    for val in ("0.25", "0.5"):
        l2 = list(lines)
        line = l2[i]
        l2[i] = line[: m.start(1)] + val + line[m.end(1):]
        out.append("\n".join(l2))
    return out, i + 1


def use_toggle_edit(text):
    """LSP position of the text `shared.lr` in a use near the middle of the file."""
    i, m = _nearest_middle(text, r"_\('(shared\.lr)'\)")
    line = text.split("\n")[i]
    c0 = len(line[: m.start(1)].encode("utf-16-le")) // 2
    return i, c0, "shared.lr"


# -- 20,000 uses of one name -------------------------------------------------

def make_uses_dir(dest: Path, n: int) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    path = dest / "uses.py"
    text = "from hpman.m import _\n\n_('x', 1)\n" + "_('x')\n" * n
    if not path.exists() or path.read_text() != text:
        path.write_text(text)
    return dest
