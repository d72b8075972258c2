"""Diagnostics: the index's problems, pushed per file (no pull, so nothing shows twice)."""
from typing import Iterable, List

from lsprotocol import types as T

from hpman.index.problems import Problem, problems_of

SOURCE = "hpman"
SEVERITY = {"error": T.DiagnosticSeverity.Error, "warning": T.DiagnosticSeverity.Warning,
            "information": T.DiagnosticSeverity.Information}
DATA_KEYS = ("manager", "name", "suggestion", "conflict")


def to_diagnostic(ls, problem: Problem) -> T.Diagnostic:
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


def diagnostics_of(ls, path: str) -> List[T.Diagnostic]:
    return [to_diagnostic(ls, p) for p in problems_of(ls.ws, path)]


def publish(ls, paths: Iterable[str], first: Iterable[str] = ()) -> None:
    """Publish the diagnostics of `paths` (the ones in `first` before the others).

    A file with no problems is published only to clear what was shown before,
    or when it is open (so the editor knows it is clean)."""
    paths = set(paths)
    first = [p for p in first if p in paths]
    rest = sorted(paths - set(first))
    for path in first + rest:
        diagnostics = diagnostics_of(ls, path)
        if not diagnostics and path not in ls.published and path not in ls.open_docs:
            continue
        if diagnostics:
            ls.published.add(path)
        else:
            ls.published.discard(path)
        version = None
        uri = ls.open_docs.get(path)
        if uri is not None:
            version = ls.workspace.get_text_document(uri).version
        ls.text_document_publish_diagnostics(T.PublishDiagnosticsParams(
            uri=ls.uri_of(path), diagnostics=diagnostics, version=version))


def register(ls) -> None:
    """Nothing to register: diagnostics are pushed after each change (see HpmanServer.after_change)."""
    return None

