"""The sweep hints' problems (`range=`, `log=`, `step=`) reach the editor as diagnostics."""
from lsprotocol import types as T

E, W = T.DiagnosticSeverity.Error, T.DiagnosticSeverity.Warning

HINTS = (
    "from hpman.m import _\n"
    "a = _('sw.a', 1, range=(1, 2, 3))\n"
    "b = _('sw.b', 3, range=(5, 1))\n"
    "c = _('sw.c', 20, range=(0, 10))\n"
    "d = _('sw.d', 0.5, range=(0.0, 1.0), log=True)\n"
    "e = _('sw.e', 2, range=(1, 10), step=0)\n"
    "ok = _('sw.ok', 1e-3, range=(1e-5, 1e-1), log=True)\n"
)


async def test_hint_problems_are_published_and_go_away_when_fixed(start, workspace):
    (workspace / "sweep_hints.py").write_text(HINTS, encoding="utf-8")
    s = await start()
    diags = await s.diagnostics_where("sweep_hints.py", lambda d: len(d) >= 5, "hint problems")
    got = sorted((str(d.code), d.severity, d.range.start.line) for d in diags)
    assert got == [("bad-log", E, 4), ("bad-range", E, 1), ("bad-step", E, 5), ("empty-range", E, 2),
                   ("out-of-range", W, 3)]
    by_code = {str(d.code): d for d in diags}
    assert by_code["bad-log"].range == s.range_of("sweep_hints.py", "log")
    assert by_code["out-of-range"].range == s.range_of("sweep_hints.py", "20")
    assert "`sw.b`: `range` (5, 1) is empty" in by_code["empty-range"].message
    s.open("sweep_hints.py")
    s.replace_all("sweep_hints.py", "from hpman.m import _\nb = _('sw.b', 3, range=(1, 5))\n")
    await s.diagnostics_where("sweep_hints.py", lambda d: len(d) == 0, "no problems after the fix")


async def test_the_hover_of_a_swept_name_shows_its_search_space(start, workspace):
    (workspace / "sweep_hints.py").write_text(HINTS, encoding="utf-8")
    s = await start()
    hover = await s.hover("sweep_hints.py", s.pos("sweep_hints.py", "'sw.ok'", 1))
    assert "Sweep: float in [1e-05, 0.1], log scale" in hover.contents.value
    plain = await s.hover("model.py", s.pos("model.py", "'lr'", 1))
    assert "Sweep:" not in plain.contents.value
