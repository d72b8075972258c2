"""Helpers of the sweep tests: projects on disk and the real `hpman` command line in a subprocess."""
import json
import os
import subprocess
import sys
import textwrap
from typing import Any, Dict, List, Optional

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SERVER = os.path.join(REPO, "server")
PY = sys.executable


def env(tmp_path, **extra: str) -> Dict[str, str]:
    out = dict(os.environ)
    out["PYTHONPATH"] = os.pathsep.join([SERVER, os.environ.get("PYTHONPATH", "")])
    out["HPMAN_CACHE_DIR"] = str(tmp_path / "cache")
    for name in ("HPMAN_VALUES", "HPMAN_VALUES_MANAGER", "HPMAN_REPORT_FD"):
        out.pop(name, None)
    out.update(extra)
    return out


def write(root, rel: str, text: str) -> str:
    path = os.path.join(str(root), rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(textwrap.dedent(text))
    return path


def hpman(tmp_path, *args: str, cwd=None, timeout: float = 180, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([PY, "-m", "hpman", *args], cwd=str(cwd or tmp_path), env=env(tmp_path),
                          capture_output=True, text=True, timeout=timeout, **kw)


def show_json(tmp_path, project, *extra: str) -> Dict[str, Any]:
    r = hpman(tmp_path, "sweep", "show", str(project), "--format", "json", *extra)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def states(data: Dict[str, Any]) -> List[str]:
    return [t["state"] for t in data["trials"]]


def by_state(data: Dict[str, Any], state: str) -> List[Dict[str, Any]]:
    return [t for t in data["trials"] if t["state"] == state]


def sweep(tmp_path, project, trials: int, command: List[str], *options: str, timeout: float = 240,
          cwd=None) -> subprocess.CompletedProcess:
    return hpman(tmp_path, "sweep", str(project), "--trials", str(trials), *options, "--", *command,
                 cwd=cwd or project, timeout=timeout)


def python_cmd(script: str) -> List[str]:
    return [PY, script]


def first_line(text: Optional[str]) -> str:
    return (text or "").strip().splitlines()[0] if (text or "").strip() else ""


def alive(pid: int) -> bool:
    """Whether process `pid` still runs (a zombie does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open("/proc/{}/stat".format(pid)) as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:     # gone between the two looks
        return False
