"""`hpman.*` settings, typed (attrs) and read with cattrs, one set per workspace folder.

Each folder's `exclude` globs apply to that folder only (they are written relative to it);
the values file is the first folder's that names one, relative to that folder. Editors send
settings as `workspace/configuration` answers (asked per folder scope) or as
`initializationOptions`; both read the same way, and a value of the wrong type is logged
and left at its default instead of dropping the other settings.
"""
import asyncio
import logging
import os
from typing import Any, Dict, List, Optional, Sequence, Tuple

import attrs
import cattrs
from lsprotocol import types as T

log = logging.getLogger("hpman_lsp")
FETCH_TIMEOUT = 10.0


@attrs.define
class Settings:
    """The settings of one folder (or of the whole server, from initializationOptions)."""
    exclude: List[str] = attrs.field(factory=list)
    values_file: Optional[str] = None


_converter = cattrs.Converter(forbid_extra_keys=False)
_converter.register_structure_hook(Settings, cattrs.gen.make_dict_structure_fn(
    Settings, _converter, values_file=cattrs.gen.override(rename="valuesFile")))
_FIELDS = {"exclude": List[str], "valuesFile": Optional[str]}


def parse(raw: Any) -> Settings:
    """Settings from `{"exclude": [...], "valuesFile": "..."}`, also nested under "hpman"."""
    if not isinstance(raw, dict):
        return Settings()
    if isinstance(raw.get("hpman"), dict):
        raw = raw["hpman"]
    raw = dict(raw)
    if "values_file" in raw and "valuesFile" not in raw:
        raw["valuesFile"] = raw.pop("values_file")
    if isinstance(raw.get("exclude"), str):
        raw["exclude"] = [raw["exclude"]]
    clean = {}
    for key, kind in _FIELDS.items():
        if raw.get(key) is None:
            continue
        try:
            clean[key] = _converter.structure(raw[key], kind)
        except Exception:
            log.warning("hpman setting `%s`: %r is not a %s; ignored", key, raw[key],
                        "list of globs" if key == "exclude" else "path")
            continue
        if key == "exclude" and not all(isinstance(p, str) for p in raw[key]):
            log.warning("hpman setting `exclude`: only strings count; ignored the rest")
            clean[key] = [p for p in raw[key] if isinstance(p, str)]
    settings = _converter.structure(clean, Settings)
    settings.exclude = [p for p in settings.exclude if p]
    settings.values_file = settings.values_file or None
    return settings


@attrs.define
class FolderSettings:
    """What the index needs: the exclude globs of each folder and the one values file."""
    by_folder: Dict[str, Settings] = attrs.field(factory=dict)
    values_file: Optional[str] = None     # absolute

    def exclude_of(self, folder: str) -> List[str]:
        found = self.by_folder.get(folder)
        return list(found.exclude) if found is not None else []

    def key(self) -> Tuple:
        return (tuple(sorted((f, tuple(s.exclude)) for f, s in self.by_folder.items())), self.values_file)


def combine(folders: Sequence[str], initial: Settings, answers: Sequence[Optional[Settings]]) -> FolderSettings:
    """Per-folder settings: a folder's own answer over the initializationOptions."""
    out = FolderSettings()
    for i, folder in enumerate(folders):
        own = answers[i] if i < len(answers) else None
        exclude = list(initial.exclude) + [p for p in (own.exclude if own else []) if p not in initial.exclude]
        values = (own.values_file if own else None) or initial.values_file
        out.by_folder[folder] = Settings(exclude, values)
        if out.values_file is None and values:
            out.values_file = os.path.abspath(os.path.join(folder, values))
    if not folders and initial.values_file:
        out.values_file = os.path.abspath(initial.values_file)
    if not folders and initial.exclude:
        out.by_folder[""] = Settings(list(initial.exclude), None)
    return out


async def fetch(server: Any, folders: Sequence[Tuple[str, str]], initial: Settings) -> FolderSettings:
    """Ask the client for each folder's `hpman` section (when it answers such requests)."""
    paths = [path for path, _uri in folders]
    caps = server.client_capabilities.workspace
    if caps is None or not caps.configuration:
        return combine(paths, initial, [])
    items = [T.ConfigurationItem(scope_uri=uri, section="hpman") for _path, uri in folders] or \
        [T.ConfigurationItem(section="hpman")]
    try:
        results = await asyncio.wait_for(
            server.workspace_configuration_async(T.ConfigurationParams(items=items)), FETCH_TIMEOUT)
    except Exception as exc:
        server.log_error("workspace/configuration", exc)
        return combine(paths, initial, [])
    answers = [parse(raw) for raw in (results or [])]
    if not folders:
        merged = Settings(initial.exclude + [p for a in answers for p in a.exclude],
                          next((a.values_file for a in answers if a.values_file), initial.values_file))
        return combine([], merged, [])
    return combine(paths, initial, answers)
