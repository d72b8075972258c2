"""Differential tests: ours against hpman 0.13.0 and hpargparse 0.14.0 from PyPI.

Each test generates seeded cases, runs them through both in subprocesses (ours from this
interpreter, the originals from .venv-compat, installed by scripts/compat-venv.sh) and
fails on any divergence that tests/compat/registry.py does not document, printing the
shrunk input and both outputs. HPMAN_COMPAT_SCALE multiplies the number of cases.
"""
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402
import registry  # noqa: E402
import suite  # noqa: E402

SCALE = float(os.environ.get("HPMAN_COMPAT_SCALE", "1"))


@pytest.fixture(scope="module")
def original() -> str:
    return harness.original_python()


def cases(n: int) -> int:
    return max(1, int(n * SCALE))


@pytest.mark.parametrize("seed", [1, 2])
def test_hpman_parse_and_runtime(original, seed):
    """parse_file / parse_source of generated trees, then runtime calls and setters."""
    reports = suite.Run("hpman", sys.executable, original).run(cases(3000), seed)
    assert not reports, "\n\n".join(reports)


@pytest.mark.parametrize("seed", [1, 2])
def test_hpargparse_command_lines(original, seed):
    """bind + parse_args: -h entries and usage, values and namespace, exit status and the
    option an error blames, --hp-list in each format."""
    reports = suite.Run("argparse", sys.executable, original).run(cases(1500), seed)
    assert not reports, "\n\n".join(reports)


def test_values_files_across_versions(original):
    """--hp-save by each side, --hp-load of each file by each side (yaml, yml, pickle, pkl, json,
    and an unknown extension with --hp-serial-format)."""
    reports = suite.ValuesRun(sys.executable, original).run(cases(600), 1)
    assert not reports, "\n\n".join(reports)


def test_registry_entries_are_described():
    """Every entry says what it covers, why, and where the docs describe it."""
    root = harness.REPO
    ids = [e.id for e in registry.ENTRIES]
    assert len(ids) == len(set(ids))
    for entry in registry.ENTRIES:
        assert entry.case_class and entry.reason, entry.id
        doc = (root / entry.doc).read_text(encoding="utf-8")
        if entry.status == "documented":
            assert entry.section in doc, (entry.id, entry.section)
            section = " ".join(doc.split(entry.section, 1)[1].split("\n#", 1)[0].split())
            assert entry.bullet and " ".join(entry.bullet.split()) in section, (entry.id, entry.bullet)


def test_every_entry_is_a_documented_difference():
    """No entry stands for a bug of ours: each one is a difference the docs describe."""
    assert [e.id for e in registry.ENTRIES if e.status != "documented"] == []


def test_an_undocumented_divergence_fails(original):
    """The comparison sees a real difference and no registry entry explains it away:
    the original's result for one case against the same result with a changed value."""
    case = {"op": "parse_source", "placeholder": "_", "text": "x = _('a', 1)\ny = _('b.c', (2, 3))\n",
            "filename": "m.py", "probes": ["a", "b", "b.c"], "files": {}}
    (result,) = harness.run_side(original, "hpman", [case])
    assert result["values"] == [["a", ["int", "1"]], ["b.c", ["tuple", [["int", "2"], ["int", "3"]]]]]
    assert harness.unexplained(case, result, result, registry.ENTRIES) == ([], [])
    changed = dict(result, values=[["a", ["int", "2"]], result["values"][1]])
    left, _ = harness.unexplained(case, changed, result, registry.ENTRIES)
    assert [d[0] for d in left] == ["values"]
    listed = dict(result, values=[["a", ["int", "1"]], ["b.c", ["list", [["int", "2"], ["int", "3"]]]]])
    left, _ = harness.unexplained(case, listed, result, registry.ENTRIES)
    assert [d[0] for d in left] == ["values"]
    raised = dict(result, exc={"types": ["KeyError", "LookupError", "Exception"], "msg": "x"})
    left, _ = harness.unexplained(case, raised, result, registry.ENTRIES)
    assert [d[0] for d in left] == ["exc"]


def test_shrinking_keeps_the_failure():
    """The shrinker drops what does not matter and keeps what makes the case fail."""
    import gen

    case = {"op": "parse_source", "placeholder": "_", "filename": "m.py",
            "source": {"blocks": ["import os", "x = _('a', 1)", "y = 2", "z = _('b', 3)"],
                       "eol": "\r\n", "enc": "utf-8", "final_eol": True}}

    def check(options):  # "fails" while the text still defines `b`
        return ["key" if "_('b', 3)" in gen.render(o)["text"] else None for o in options]

    small = harness.shrink(case, "key", check, gen.shrink_candidates)
    assert small["source"]["blocks"] == ["z = _('b', 3)"]
    assert small["source"]["eol"] == "\n"
