"""Workers in separate processes, as on separate machines, sharing one study on a real
PostgreSQL server (Debian's package, installed by scripts/postgres.sh; the server is started
here in a temporary data directory, as the `postgres` user since PostgreSQL refuses root, and
listens only on a Unix socket)."""
import glob
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time

import pytest
from sweep_helpers import PY, alive, env, show_json, write

TRAIN = """\
    import os, time
    import hpman
    from hpman.m import _
    _.parse_file(__file__)
    x = _('x', 0.0, range=(-2.0, 2.0))
    number = os.environ['HPMAN_TRIAL']
    with open('running-' + number, 'w') as f:
        f.write('{} {}'.format(os.getppid(), os.getpid()))
    time.sleep(30 if number == os.environ.get('HOLD_TRIAL') else 0.2)
    os.remove('running-' + number)
    hpman.report((x - 1) ** 2)
    """


def _bin(name: str) -> str:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/" + name), key=lambda p: int(p.split("/")[4]))
    assert found, "PostgreSQL is not installed (make test runs scripts/postgres.sh)"
    return found[-1]


def _as_postgres(args, **kw):
    """Run a server command as the `postgres` user when we are root (PostgreSQL refuses root)."""
    if os.geteuid() == 0:
        pw = pwd.getpwnam("postgres")

        def demote():
            os.setgid(pw.pw_gid)
            os.setuid(pw.pw_uid)
        kw["preexec_fn"] = demote
        kw["env"] = dict(os.environ, HOME=pw.pw_dir, USER="postgres", LOGNAME="postgres")
    return subprocess.run(args, check=True, capture_output=True, text=True, timeout=120, **kw)


@pytest.fixture(scope="module")
def postgres_url():
    base = tempfile.mkdtemp(prefix="hpman-pg-")
    data, sock = os.path.join(base, "data"), os.path.join(base, "sock")
    os.mkdir(sock)
    if os.geteuid() == 0:
        pw = pwd.getpwnam("postgres")
        for path in (base, sock):
            os.chown(path, pw.pw_uid, pw.pw_gid)
    try:
        _as_postgres([_bin("initdb"), "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"])
        _as_postgres([_bin("pg_ctl"), "-D", data, "-w", "-t", "60", "-l", os.path.join(base, "log"),
                      "-o", "-k {} -c listen_addresses='' -c fsync=off -c max_connections=50".format(sock), "start"])
        yield "postgresql://postgres@/postgres?host=" + sock
    finally:
        if os.path.isdir(data):
            try:
                _as_postgres([_bin("pg_ctl"), "-D", data, "-m", "immediate", "-w", "stop"])
            except subprocess.CalledProcessError:
                pass
        shutil.rmtree(base, ignore_errors=True)


def _workers(tmp_path, proj, url, study, n, extra_env=None, heartbeat=1):
    cmd = [PY, "-m", "hpman", "sweep", str(proj), "--trials", "40", "--storage", url, "--study", study,
           "--heartbeat", str(heartbeat), "--pruner", "none", "--", PY, "train.py"]
    return [subprocess.Popen(cmd, cwd=str(proj), env=env(tmp_path, **(extra_env or {})), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True) for _ in range(n)]


def _finish(procs, timeout=240):
    outs = []
    for p in procs:
        out, err = p.communicate(timeout=timeout)
        outs.append((p.returncode, err))
    return outs


def test_four_workers_share_one_study_of_forty_trials(tmp_path, postgres_url):
    proj = tmp_path / "proj"
    write(proj, "train.py", TRAIN)
    results = _finish(_workers(tmp_path, proj, postgres_url, "shared", 4))
    assert all(code == 0 for code, _err in results), results
    data = show_json(tmp_path, proj, "--storage", postgres_url, "--study", "shared")
    trials = data["trials"]
    assert len([t for t in trials if t["state"] == "complete"]) == 40
    numbers = [t["number"] for t in trials]
    assert len(numbers) == len(set(numbers))
    ran = [err.count("value ") for _code, err in results]   # each worker prints a line per trial it ran
    assert sum(ran) >= 40 and sum(1 for r in ran if r) >= 2, ran


def test_a_killed_worker_s_trial_is_failed_by_heartbeat_and_run_again(tmp_path, postgres_url):
    proj = tmp_path / "proj"
    write(proj, "train.py", TRAIN)
    procs = _workers(tmp_path, proj, postgres_url, "killed", 3, {"HOLD_TRIAL": "5"}, heartbeat=2)
    marker = proj / "running-5"
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert time.monotonic() < deadline, "trial 5 never started"
        time.sleep(0.05)
    time.sleep(0.2)
    worker_pid, program_pid = map(int, marker.read_text().split())
    victim = next(p for p in procs if p.pid == worker_pid)
    os.kill(worker_pid, signal.SIGKILL)               # the worker dies in the middle of trial 5
    victim.wait(timeout=30)
    deadline = time.monotonic() + 10
    while alive(program_pid):                        # its program goes with it
        assert time.monotonic() < deadline, "the killed worker's program still runs"
        time.sleep(0.05)
    results = _finish([p for p in procs if p is not victim])
    assert all(code == 0 for code, _err in results), results
    data = show_json(tmp_path, proj, "--storage", postgres_url, "--study", "killed")
    trials = {t["number"]: t for t in data["trials"]}
    assert trials[5]["state"] == "fail" and trials[5]["note"] == "worker lost (queued again)"
    reruns = [t for t in trials.values() if t["retry_of"] == 5]
    assert [t["state"] for t in reruns] == ["complete"]
    assert reruns[0]["values"] == trials[5]["values"]            # the same values, run again
    assert len([t for t in trials.values() if t["state"] == "complete"]) == 40
    assert len(trials) == len(data["trials"])                    # no trial number twice
