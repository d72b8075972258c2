"""`hpman sweep` end to end on real Optuna with the default SQLite storage under `.hpman/`."""
import json
import os
import signal
import subprocess
import time

from sweep_helpers import PY, alive, by_state, env, hpman, show_json, sweep, write

OBJECTIVE = """\
    import argparse, json, sys
    import hpargparse
    import hpman
    from hpman.m import _
    parser = argparse.ArgumentParser()
    _.parse_file(__file__)
    hpargparse.bind(parser, _)
    parser.add_argument('--print', action='store_true')
    args = parser.parse_args()
    x = _('x', 0.0, range=(-5.0, 5.0))
    y = _('y', 0, range=(-3, 3))
    opt = _('opt', 'a', choices=['a', 'b'])
    value = (x - 1.5) ** 2 + (y - 2) ** 2 + (0.0 if opt == 'b' else 1.0)
    if args.print:
        print(json.dumps({'x': x, 'y': y, 'opt': opt, 'value': value}))
    hpman.report(value)
    """
# the optimum: x = 1.5, y = 2, opt = 'b', value 0


def test_forty_trials_find_the_known_optimum_and_best_round_trips_through_hp_load(tmp_path):
    proj = tmp_path / "proj"
    write(proj, "train.py", OBJECTIVE)
    r = sweep(tmp_path, proj, 40, [PY, "train.py"], "--seed", "3", "--pruner", "none")
    assert r.returncode == 0, r.stderr
    assert os.path.isfile(proj / ".hpman" / "sweeps.db")
    lines = r.stderr.strip().splitlines()
    assert lines[0] == "sweep `proj`: 40 trials (0 done), searching opt, x, y"
    assert lines[-1].startswith("done: best #") and "\r" not in r.stderr   # piped: plain lines only
    assert sum(1 for line in lines if line.startswith("[")) == 40 and "[40/40]" in r.stderr

    data = show_json(tmp_path, proj)
    assert data["study"] == "proj" and len(by_state(data, "complete")) == 40
    best = data["trials"][0]
    assert best["value"] == min(t["value"] for t in data["trials"])
    # within 0.5 of the optimum's value 0: the right category and integer, x within ~0.7 of 1.5
    assert best["value"] < 0.5, best
    assert best["values"]["opt"] == "b" and best["values"]["y"] == 2 and abs(best["values"]["x"] - 1.5) < 0.71

    r = hpman(tmp_path, "sweep", "best", str(proj), "--save", str(tmp_path / "best.yaml"))
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("best: #{} ".format(best["number"]))
    run = subprocess.run([PY, str(proj / "train.py"), "--hp-load", str(tmp_path / "best.yaml"), "--print"],
                         env=env(tmp_path), capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == dict(best["values"], value=best["value"])
    listed = hpman(tmp_path, "list", str(proj), "--values", str(tmp_path / "best.yaml"), "--format", "json")
    assert json.loads(listed.stdout) == best["values"]        # the editor's overlay reads it too
    assert hpman(tmp_path, "sweep", "best", str(proj), "--save", str(tmp_path / "best.txt")).returncode == 2

    table = hpman(tmp_path, "sweep", "show", str(proj)).stdout.splitlines()
    assert table[0] == "study `proj` (minimize): 40 trials"
    assert table[1].split()[:4] == ["#", "state", "value", "seconds"]
    assert table[3].split()[0] == str(best["number"])      # best first

    again = sweep(tmp_path, proj, 40, [PY, "train.py"])   # the study is done: nothing more to run
    assert again.returncode == 0 and "[" not in again.stderr.replace("sweep `", "")


FAILING = """\
    import sys, time
    import hpman
    from hpman.m import _
    _.parse_file(__file__)
    mode = _('mode', 'ok', choices=['ok', 'silent', 'crash', 'loud'])
    lr = _('lr', 0.1, range=(0.01, 1.0), log=True)
    if mode == 'crash':
        sys.stderr.write('Traceback (most recent call last):\\nValueError: loss is nan\\n')
        sys.exit(1)
    if mode == 'loud':
        block = ('x' * 1023 + '\\n') * 1024
        for i in range(10):                  # 10 MB on each of stdout and stderr
            sys.stdout.write(block)
            sys.stderr.write(block)
        sys.stderr.write('the last words\\n')
        sys.exit(4)
    if mode == 'ok':
        hpman.report(lr)
    """


# runs a command and prints the peak RSS (KiB) of its processes: the worker, or the program it ran
PEAK_RSS = ("import resource, subprocess, sys\n"
            "code = subprocess.run(sys.argv[1:]).returncode\n"
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
            "sys.exit(code)\n")


def test_programs_that_fail_fail_their_trial_clearly_and_the_sweep_goes_on(tmp_path):
    proj = tmp_path / "proj"
    write(proj, "train.py", FAILING)
    peak = {}
    for mode in ("silent", "crash", "loud"):
        r = subprocess.run([PY, "-c", PEAK_RSS, PY, "-m", "hpman", "sweep", str(proj), "--trials", "2",
                            "--study", mode, "--fix", "mode=" + mode, "--", PY, "train.py"],
                           cwd=str(proj), env=env(tmp_path), capture_output=True, text=True, timeout=240)
        assert r.returncode == 0, r.stderr
        assert r.stderr.count("failed: ") == 2, r.stderr
        peak[mode] = int(r.stdout.split()[-1])
    # 20 MB of output went through the worker; holding it would add that much to its peak
    assert peak["loud"] < peak["silent"] + 8 * 1024, peak
    silent = show_json(tmp_path, proj, "--study", "silent")["trials"]
    assert [t["state"] for t in silent] == ["fail", "fail"]
    assert silent[0]["note"] == "exited with code 0 without calling hpman.report()"
    crash = show_json(tmp_path, proj, "--study", "crash")["trials"]
    assert crash[0]["note"] == "exited with code 1" and crash[0]["exit_code"] == 1
    assert crash[0]["stderr_tail"].endswith("ValueError: loss is nan\n")
    loud = show_json(tmp_path, proj, "--study", "loud")["trials"]
    assert loud[0]["note"] == "exited with code 4"
    tail = loud[0]["stderr_tail"]
    assert tail.endswith("the last words\n") and len(tail) <= 2001     # a bounded tail, not 10 MB
    assert os.path.getsize(loud[0]["log"]) < 1024 * 1024 + 100          # the log is cut at 1 MiB
    assert loud[0]["values"] == {"mode": "loud", "lr": loud[0]["values"]["lr"]}


PRUNED = """\
    import os, sys, time
    import hpman
    from hpman.m import _
    _.parse_file(__file__)
    x = _('x', 0.5, range=(0.0, 1.0))
    number = os.environ['HPMAN_TRIAL']
    for step in range(10):
        with open('steps-' + number, 'w') as f:
            f.write(str(step))
        hpman.report(x, step=step)
        time.sleep(0.1)
    open('done-' + number, 'w').close()
    hpman.report(x)
    """


def test_pruned_trials_are_stopped(tmp_path):
    proj = tmp_path / "proj"
    write(proj, "train.py", PRUNED)
    r = sweep(tmp_path, proj, 14, [PY, "train.py"], "--seed", "1")
    assert r.returncode == 0, r.stderr
    data = show_json(tmp_path, proj)
    pruned = by_state(data, "pruned")
    assert pruned, r.stderr
    for t in pruned:
        assert not os.path.exists(proj / "done-{}".format(t["number"]))       # the program did not finish
        assert int(open(proj / "steps-{}".format(t["number"])).read()) < 9
        assert t["note"].startswith("pruned at step ")
    for t in by_state(data, "complete"):
        assert os.path.exists(proj / "done-{}".format(t["number"]))
    assert len(by_state(data, "complete")) + len(pruned) == 14


SLOW = """\
    import os, time
    import hpman
    from hpman.m import _
    _.parse_file(__file__)
    x = _('x', 0.5, range=(0.0, 1.0))
    with open('pid-' + os.environ['HPMAN_TRIAL'], 'w') as f:
        f.write(str(os.getpid()))
    time.sleep(60)
    hpman.report(x)
    """


def test_ctrl_c_stops_the_trial_and_the_sweep_cleanly(tmp_path):
    proj = tmp_path / "proj"
    write(proj, "train.py", SLOW)
    # Ctrl-C as in a terminal, even when the test runner was started with SIGINT ignored
    proc = subprocess.Popen([PY, "-m", "hpman", "sweep", str(proj), "--trials", "3", "--", PY, "train.py"],
                            cwd=str(proj), env=env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 60
    while not os.path.exists(proj / "pid-0"):
        assert time.monotonic() < deadline and proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    time.sleep(0.2)
    pid = int(open(proj / "pid-0").read())
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
    assert not alive(pid)
    (t,) = show_json(tmp_path, proj)["trials"]
    assert (t["state"], t["note"]) == ("fail", "interrupted")
    # an interrupted trial does not use up the budget: the next sweep runs all 3 (stopped at once here)
    write(proj, "train.py", SLOW.replace("time.sleep(60)", "pass"))
    r = sweep(tmp_path, proj, 3, [PY, "train.py"])
    assert r.returncode == 0 and len(by_state(show_json(tmp_path, proj), "complete")) == 3


def test_a_trial_over_its_time_limit_fails(tmp_path):
    proj = tmp_path / "proj"
    write(proj, "train.py", SLOW)
    r = sweep(tmp_path, proj, 1, [PY, "train.py"], "--timeout", "1")
    assert r.returncode == 0, r.stderr
    (t,) = show_json(tmp_path, proj)["trials"]
    assert t["note"] == "stopped after the time limit"
    assert not alive(int(open(proj / "pid-0").read()))


TUPLES = """\
    import hpman
    from hpman.m import _
    _.parse_file(__file__)
    shape = _('shape', (1, 2), choices=[(1, 2), (3, 4), (5, 6)])
    assert isinstance(shape, tuple), repr(shape)
    hpman.report(shape[0] * shape[1])
    """


def test_choices_that_are_not_plain_reach_the_program_as_themselves_and_maximize(tmp_path):
    proj = tmp_path / "proj"
    write(proj, "train.py", TUPLES)
    r = sweep(tmp_path, proj, 6, [PY, "train.py"], "--direction", "maximize", "--seed", "2")
    assert r.returncode == 0, r.stderr
    data = show_json(tmp_path, proj)
    assert data["direction"] == "maximize" and len(by_state(data, "complete")) == 6
    best = data["trials"][0]
    assert best["value"] == max(t["value"] for t in data["trials"])
    assert best["values"]["shape"] in ([1, 2], [3, 4], [5, 6])         # JSON has no tuples
    assert hpman(tmp_path, "sweep", "best", str(proj), "--save", str(tmp_path / "b.yaml")).returncode == 0
    assert "!!python/tuple" in (tmp_path / "b.yaml").read_text()
    again = sweep(tmp_path, proj, 8, [PY, "train.py"])                  # minimize on a maximize study
    assert again.returncode == 2 and "maximizes its value" in again.stderr


def test_only_and_fix_narrow_the_space(tmp_path):
    proj = tmp_path / "proj"
    write(proj, "train.py", OBJECTIVE)
    r = sweep(tmp_path, proj, 3, [PY, "train.py"], "--only", "[xy]", "--fix", "y=-1")
    assert r.returncode == 0, r.stderr
    assert "searching x\n" in r.stderr
    for t in show_json(tmp_path, proj)["trials"]:
        assert set(t["values"]) == {"x", "y"} and t["values"]["y"] == -1
        assert t["value"] == (t["values"]["x"] - 1.5) ** 2 + 9 + 1


def test_usage_errors_are_one_line_and_exit_2(tmp_path):
    proj = tmp_path / "proj"
    write(proj, "train.py", OBJECTIVE)
    write(tmp_path / "plain", "p.py", "from hpman.m import _\n_('a', 1)\n")
    write(tmp_path / "broken", "b.py", "from hpman.m import _\n_('a', 1, range=(3, 1))\n")
    cases = [
        (["sweep", str(proj), "--trials", "2"], "give the command to run after `--`"),
        (["sweep", str(tmp_path / "plain"), "--trials", "2", "--", PY, "x.py"], "nothing to sweep"),
        (["sweep", str(proj), "--trials", "2", "--fix", "xx=1", "--", PY, "x.py"], "did you mean `x`?"),
        (["sweep", str(tmp_path / "broken"), "--trials", "2", "--", PY, "x.py"], "empty-range"),
        (["sweep", str(proj), "--trials", "2", "--storage", "nosuchdb://x", "--", PY, "x.py"],
         "cannot open the storage"),
        (["sweep", "show", str(proj)], "no sweep has run in"),
        (["sweep", str(proj), "--trials", "2", "--", "no-such-program-here"], "not found on PATH"),
        (["sweep", str(proj), "--trials", "2", "--", "./train.py"], "not an executable file"),
        (["sweep", str(tmp_path / "nope"), "--trials", "2", "--", PY, "x.py"], "no such file or directory"),
    ]
    for args, expected in cases:
        r = hpman(tmp_path, *args)
        assert r.returncode == 2, (args, r.stderr)
        last = r.stderr.strip().splitlines()[-1]   # argparse's usage lines, then one error line
        assert last.startswith("hpman sweep") and expected in last, (args, r.stderr)
        assert "Traceback" not in r.stderr


def test_on_a_terminal_a_status_line_shows_trial_n_of_n_and_the_best(tmp_path):
    import pty
    proj = tmp_path / "proj"
    write(proj, "train.py", OBJECTIVE)
    master, slave = pty.openpty()
    proc = subprocess.Popen([PY, "-m", "hpman", "sweep", str(proj), "--trials", "2", "--", PY, "train.py"],
                            cwd=str(proj), env=env(tmp_path), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=slave)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:      # EIO: the sweep closed the terminal's last end
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    assert proc.wait(timeout=120) == 0
    text = b"".join(chunks).decode("utf-8", "replace")
    assert "\r\x1b[K\x1b[1;36mtrial 1 of 2 (#0)" in text and "trial 2 of 2 (#1)" in text
    assert "best " in text.split("trial 2 of 2")[1].split("\n")[0]          # best so far, after the first
    assert "\x1b[32m[1/2] #0" in text                                      # the first is the best so far


QUIET = """\
    import os, sys, time
    import hpman
    from hpman.m import _
    _.parse_file(__file__)
    x = _('x', 0.5, range=(0.0, 1.0))
    os.close(1)
    os.close(2)                  # no more output, but the program goes on
    time.sleep(1.0)
    hpman.report(x)
    """


def test_a_program_that_closes_its_output_still_runs_to_its_report(tmp_path):
    proj = tmp_path / "proj"
    write(proj, "train.py", QUIET)
    r = sweep(tmp_path, proj, 1, [PY, "train.py"])
    assert r.returncode == 0, r.stderr
    (t,) = show_json(tmp_path, proj)["trials"]
    assert t["state"] == "complete" and t["value"] == t["values"]["x"]


def test_two_workers_on_one_machine_share_the_default_sqlite_storage(tmp_path):
    proj = tmp_path / "proj"
    write(proj, "train.py", OBJECTIVE)
    cmd = [PY, "-m", "hpman", "sweep", str(proj), "--trials", "8", "--heartbeat", "2", "--", PY, "train.py"]
    procs = [subprocess.Popen(cmd, cwd=str(proj), env=env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(2)]
    for p in procs:
        _out, err = p.communicate(timeout=240)
        assert p.returncode == 0, err
    trials = show_json(tmp_path, proj)["trials"]
    assert len(by_state({"trials": trials}, "complete")) == 8
    numbers = [t["number"] for t in trials]
    assert len(numbers) == len(set(numbers))


def test_without_optuna_a_sweep_says_how_to_install_it(tmp_path):
    proj = tmp_path / "proj"
    write(proj, "train.py", OBJECTIVE)
    write(tmp_path / "blocked", "optuna/__init__.py", "raise ImportError('no optuna here')\n")
    e = env(tmp_path)
    e["PYTHONPATH"] = os.pathsep.join([str(tmp_path / "blocked"), e["PYTHONPATH"]])
    r = subprocess.run([PY, "-m", "hpman", "sweep", str(proj), "--trials", "2", "--", PY, "train.py"],
                       cwd=str(proj), env=e, capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and r.stderr.strip().splitlines() == [
        "hpman sweep: error: sweeps need Optuna: pip install 'hpman[sweep]' (from a clone: pip install '.[sweep]')"]
    check = subprocess.run([PY, "-m", "hpman", "check", str(proj)], env=e, capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stderr                       # the rest of hpman does not need it
