"""Diagnostics: the index's problems as LSP diagnostics (pushed per file by publish.py; no
pull, so nothing shows twice)."""
from lsprotocol import types as T

from hpman.index.problems import Problem

from .host import Host

SOURCE = "hpman"
SEVERITY = {"error": T.DiagnosticSeverity.Error, "warning": T.DiagnosticSeverity.Warning,
            "information": T.DiagnosticSeverity.Information}
DATA_KEYS = ("manager", "name", "suggestion", "conflict")


def to_diagnostic(ls: Host, problem: Problem) -> T.Diagnostic:
    related = [T.DiagnosticRelatedInformation(ls.location(r.path, r.range), r.message) for r in problem.related]
    data = {k: problem.data[k] for k in DATA_KEYS if isinstance(problem.data.get(k), str)}
    return T.Diagnostic(
        range=ls.positions.range(problem.path, problem.range),
        message=problem.message,
        severity=SEVERITY.get(problem.severity, T.DiagnosticSeverity.Information),
        code=problem.code,
        source=SOURCE,
        related_information=related or None,
        data=data or None,
    )
