"""`hpman.*` settings, typed (attrs) and read with cattrs, one set per workspace folder.

Each folder's `exclude` globs apply to that folder only (they are written relative to it);
the values file is the first folder's that names one, relative to that folder. Editors send
settings as `workspace/configuration` answers (asked per folder scope) or as
`initializationOptions`; both read the same way, and a value of the wrong type is logged
and left at its default instead of dropping the other settings.
"""
import asyncio
import logging
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import attrs
import cattrs
from lsprotocol import types as T

from hpman.values.location import check_values_setting

from .host import Host

log = logging.getLogger("hpman_lsp")
FETCH_TIMEOUT = 10.0


@attrs.define
class Settings:
    """The settings of one folder (or of the whole server, from initializationOptions).
    `values_file_from_user`: the client says the values file comes from the user's own
    settings (only then may it lie outside the workspace)."""
    exclude: List[str] = attrs.field(factory=list)
    values_file: Optional[str] = None
    values_file_from_user: bool = False


_converter = cattrs.Converter(forbid_extra_keys=False)
_converter.register_structure_hook(Settings, cattrs.gen.make_dict_structure_fn(
    Settings, _converter, values_file=cattrs.gen.override(rename="valuesFile"),
    values_file_from_user=cattrs.gen.override(rename="valuesFileFromUser")))
_FIELDS: Dict[str, Tuple[Callable[[object], bool], str]] = {"exclude": (lambda v: isinstance(v, list), "list of globs"),
           "valuesFile": (lambda v: isinstance(v, str), "path"),
           "valuesFileFromUser": (lambda v: isinstance(v, bool), "boolean")}


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
    clean: Dict[str, Any] = {}   # JSON values, checked
    for key, (valid, kind) in _FIELDS.items():
        value = raw.get(key)
        if value is None:
            continue
        if not valid(value):    # cattrs would turn "yes" into True and ["x"] into "['x']"
            log.warning("hpman setting `%s`: %r is not a %s; ignored", key, value, kind)
            continue
        if key == "exclude" and not all(isinstance(p, str) for p in value):
            log.warning("hpman setting `exclude`: only strings count; ignored the rest")
            value = [p for p in value if isinstance(p, str)]
        clean[key] = value
    settings = _converter.structure(clean, Settings)
    settings.exclude = [p for p in settings.exclude if p]
    settings.values_file = settings.values_file or None
    return settings


SettingsKey = Tuple[Tuple[Tuple[str, Tuple[str, ...]], ...], Optional[str]]
"""What reindexing depends on: each folder's exclude globs and the values file."""


@attrs.define
class FolderSettings:
    """What the index needs: the exclude globs of each folder and the one values file."""
    by_folder: Dict[str, Settings] = attrs.field(factory=dict)
    values_file: Optional[str] = None     # absolute, and allowed (hpman.values.location)
    values_refused: Optional[str] = None  # why the values file that was set is not read

    def exclude_of(self, folder: str) -> List[str]:
        found = self.by_folder.get(folder)
        return list(found.exclude) if found is not None else []

    def key(self) -> SettingsKey:
        return (tuple(sorted((f, tuple(s.exclude)) for f, s in self.by_folder.items())), self.values_file)


def combine(folders: Sequence[str], initial: Settings, answers: Sequence[Optional[Settings]]) -> FolderSettings:
    """Per-folder settings: a folder's own answer over the initializationOptions. The values
    file is the first folder's that names one, relative to it, and only where
    check_values_setting allows it (inside the folders, or from the user's own settings)."""
    out = FolderSettings()
    chosen: Optional[Tuple[Optional[str], Settings]] = None   # (folder, settings); folder None without folders
    for i, folder in enumerate(folders):
        own = answers[i] if i < len(answers) else None
        exclude = list(initial.exclude) + [p for p in (own.exclude if own else []) if p not in initial.exclude]
        source = own if own is not None and own.values_file else initial
        out.by_folder[folder] = Settings(exclude, source.values_file, source.values_file_from_user)
        if chosen is None and source.values_file:
            chosen = (folder, source)
    if not folders:
        if initial.exclude:
            out.by_folder[""] = Settings(list(initial.exclude), None)
        if initial.values_file:
            chosen = (None, initial)
    if chosen is not None:
        first, source = chosen
        ordered = ([first] if first else []) + [f for f in folders if f != first]
        out.values_file, out.values_refused = check_values_setting(
            source.values_file, ordered, user_level=source.values_file_from_user)
    return out


async def fetch(server: Host, folders: Sequence[Tuple[str, str]], initial: Settings) -> FolderSettings:
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
        chosen = next((a for a in answers if a.values_file), initial)
        merged = Settings(initial.exclude + [p for a in answers for p in a.exclude],
                          chosen.values_file, chosen.values_file_from_user)
        return combine([], merged, [])
    return combine(paths, initial, answers)
