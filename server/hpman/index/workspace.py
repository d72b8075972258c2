"""The workspace index: every file's facts, kept incrementally.

Replacing one file's text re-derives that file's facts (re-parsing only the
statements whose text changed) and reports which files' problems may have
changed. Problems and queries are computed from this state by problems.py,
queries.py and edits.py.
"""
import os
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Set, Tuple

from . import cache as disk_cache
from .facts import FileFacts, Issue, Occurrence, PieceCache, extract_workspace
from .files import SKIPPED_DIRS, excluded, iter_python_files, read_bytes
from .notebooks import NotebookError, is_notebook, module_text, parse_notebook
from .parallel import map_sequential, map_split
from .overlay import ValuesFile

Key = Tuple[str, str]  # (manager, name)
MAX_FILE_BYTES = 10 * 1024 * 1024
SUFFIXES = (".py", ".ipynb")   # notebooks: their code cells, see notebooks.py


class FileEntry:
    __slots__ = ("path", "text", "facts", "stamp", "digest")

    def __init__(self, path: str, text: Optional[str], facts: FileFacts, stamp: Optional[tuple],
                 digest: Optional[str] = None) -> None:
        self.path = path
        self.text = text      # None when the facts came from the cache and the text was not needed
        self.facts = facts
        self.stamp = stamp    # (size, mtime_ns) of the file on disk, None for unsaved text
        self.digest = digest  # content hash of the file on disk, when it was read


def _signature(occurrences: Iterable[Occurrence]) -> Dict[Key, tuple]:
    """What other files' problems can depend on: which names occur, and their defaults.

    Not how often a name is used: adding or removing a use without a default
    changes no other file's problems, so typing such a call re-checks one file.
    """
    sig: Dict[Key, list] = {}
    for occ in occurrences:
        entry = sig.setdefault(occ.key(), [])
        if occ.has_default:
            entry.append(repr(occ.value) if occ.literal else "<non-literal>")
    return {k: tuple(d) for k, d in sig.items()}


class Workspace:
    """Facts of every Python file under the roots, plus an optional values file."""

    def __init__(self, roots: Sequence[str] = (), exclude: Sequence[str] = (), cache: bool = True,
                 cache_dir: Optional[str] = None) -> None:
        self.roots = [os.path.abspath(r) for r in roots]
        self.exclude = list(exclude)
        self.use_cache = cache
        self.cache_dir = cache_dir
        self.files: Dict[str, FileEntry] = {}
        self.by_key: Dict[Key, Dict[str, List[Occurrence]]] = {}
        self.defaults: Dict[Key, Dict[str, List[Occurrence]]] = {}
        self.prefixes: Dict[str, Dict[str, int]] = {}   # manager -> proper prefix -> count of names
        self.values_file: Optional[ValuesFile] = None
        self.notebooks: Set[str] = set()  # paths of the indexed .ipynb files
        self.pieces = PieceCache()
        self.starts: Dict[str, Tuple[str, List[int]]] = {}   # edited documents: last text, statement starts
        self.names_version = 0       # bumped when a name appears or vanishes, or gains or loses its last default
        self.parsed_files = 0        # how many files were parsed (not taken from the cache)
        self._problem_cache: Dict[str, list] = {}

    # -- building ----------------------------------------------------------------
    def scan(self, progress: Optional[Callable[[int, int], None]] = None, workers: int = 1) -> None:
        """Index every Python file under the roots (from the cache where unchanged); with
        `workers` 2, files are read and parsed in two processes (a fork: see parallel.py)."""
        paths = [os.path.abspath(p) for p in iter_python_files(self.roots, self.exclude, SUFFIXES)] if self.roots else []
        stored = disk_cache.load(self.cache_dir, self.roots) if self.use_cache else {}
        total = len(paths)
        entries: Dict[str, FileEntry] = {}
        to_read: List[Tuple[str, tuple, Any]] = []
        for path in paths:
            try:
                st = os.stat(path)
            except OSError:
                continue
            stamp = (st.st_size, st.st_mtime_ns)
            cached = stored.get(path)
            if cached is not None and cached[0] == stamp:
                entries[path] = FileEntry(path, None, cached[1], stamp, cached[2])
            else:
                to_read.append((path, stamp, cached))
        if progress is not None:
            progress(len(entries), total)
        done = None if progress is None else (lambda n: n % 50 == 0 and progress(len(entries) + n, total))
        if workers > 1:
            got = map_split(self._read_item, to_read, _encode_entry, self._decode_entry, done)
        else:
            got = map_sequential(self._read_item, to_read, done)
        entries.update((entry.path, entry) for entry in got)
        fresh: Dict[str, tuple] = {}
        for path in paths:
            entry = entries.get(path)
            if entry is not None:
                self._install(entry, track=False)
                if entry.stamp is not None:
                    fresh[path] = (entry.stamp, entry.facts, entry.digest)
        if progress is not None:
            progress(total, total)
        if self.use_cache:
            disk_cache.save(self.cache_dir, self.roots, fresh, stored)

    def _read_item(self, item: Tuple[str, tuple, Any]) -> "FileEntry":
        path, stamp, cached = item
        return self._read_entry(path, stamp, cached)

    def _decode_entry(self, data: tuple) -> "FileEntry":
        """A FileEntry made in the child process of a split scan (see _encode_entry)."""
        path, parsed, stamp, digest, packed = data
        self.parsed_files += parsed
        return FileEntry(path, None, disk_cache.unpack_facts(path, packed), tuple(stamp), digest)

    def _read_entry(self, path: str, stamp: tuple, cached=None) -> FileEntry:
        if stamp[0] > MAX_FILE_BYTES:
            return FileEntry(path, None, _unreadable(path, "file is larger than 10 MB; not indexed"), stamp)
        try:
            data = read_bytes(path)
        except OSError as exc:
            return FileEntry(path, None, _unreadable(path, "cannot read: {}".format(exc.strerror or exc)), stamp)
        if b"hpman" not in data:
            return FileEntry(path, None, FileFacts(path, [], [], {}), stamp)
        digest = disk_cache.digest(data)
        if cached is not None and cached[2] == digest:
            return FileEntry(path, None, cached[1], stamp, digest)
        try:
            text = module_text(path, data)
        except NotebookError as exc:
            return FileEntry(path, None, _unreadable(path, "cannot read notebook: {}".format(exc)), stamp)
        except (UnicodeDecodeError, LookupError, SyntaxError) as exc:
            return FileEntry(path, None, _unreadable(path, "cannot decode: {}".format(exc)), stamp)
        if "\0" in text:
            return FileEntry(path, None, _unreadable(path, "binary file (contains NUL bytes)"), stamp)
        self.parsed_files += 1
        return FileEntry(path, text, extract_workspace(text, path, self.pieces), stamp, digest)

    # -- changes -----------------------------------------------------------------------
    def set_text(self, path: str, text: str) -> Set[str]:
        """Replace a file's text (an editor buffer; a notebook's JSON); returns the files whose problems may change."""
        path = os.path.abspath(path)
        if is_notebook(path):
            try:
                text = parse_notebook(text).text
            except NotebookError as exc:
                return self._install(FileEntry(path, None, _unreadable(path, "cannot read notebook: {}".format(exc)), None))
        if "\0" in text:
            facts = _unreadable(path, "binary file (contains NUL bytes)")
        else:
            self.parsed_files += 1
            facts = extract_workspace(text, path, self.pieces, self.starts)
        return self._install(FileEntry(path, text, facts, None))

    def reload(self, path: str) -> Set[str]:
        """Re-read a file from disk (or drop it when it is gone); returns the affected files."""
        path = os.path.abspath(path)
        self.starts.pop(path, None)
        try:
            st = os.stat(path)
        except OSError:
            return self.remove(path)
        if not path.endswith(SUFFIXES) or not self._included(path):
            return self.remove(path)
        return self._install(self._read_entry(path, (st.st_size, st.st_mtime_ns)))

    def remove(self, path: str) -> Set[str]:
        path = os.path.abspath(path)
        self.starts.pop(path, None)
        entry = self.files.pop(path, None)
        if entry is None:
            return set()
        changed = _changed_keys(entry.facts.occurrences, [])
        affected = self._files_of(changed)
        names_before = self.names_version
        self._unindex(entry)
        affected |= self._after_change(changed)
        if self.names_version != names_before:
            affected |= self._no_default_files()
        affected.add(path)
        self._forget(affected)
        return affected

    def _included(self, path: str) -> bool:
        if not self.roots:
            return True
        for root in self.roots:
            if path == root or path.startswith(root.rstrip(os.sep) + os.sep):
                rel = os.path.relpath(path, root).replace(os.sep, "/")
                parts = rel.split("/")
                return not (any(p in SKIPPED_DIRS for p in parts[:-1]) or excluded(rel, self.exclude))
        return False

    def _install(self, entry: FileEntry, track: bool = True) -> Set[str]:
        """Put a file's facts in place; with `track`, return the files whose problems may change."""
        old = self.files.get(entry.path)
        if not track:
            if old is not None:
                self._unindex(old)
            self.files[entry.path] = entry
            self._index(entry)
            self._problem_cache.clear()
            return set()
        changed = _changed_keys(old.facts.occurrences if old is not None else [], entry.facts.occurrences)
        affected = self._files_of(changed)
        moved = _moved_keys(old.facts.occurrences if old is not None else [], entry.facts.occurrences) - changed
        affected |= self._files_referring_to(moved)
        names_before = self.names_version
        if old is not None:
            self._unindex(old)
        self.files[entry.path] = entry
        self._index(entry)
        affected |= self._after_change(changed)
        if self.names_version != names_before:
            affected |= self._no_default_files()  # their "did you mean" may change
        affected.add(entry.path)
        self._forget(affected)
        return affected

    def _after_change(self, changed: Set[Key]) -> Set[str]:
        if not changed:
            return set()
        return self._files_of(changed) | self._values_paths()

    def _files_of(self, keys: Set[Key]) -> Set[str]:
        """Files holding these names, or defaults of names in a prefix relation with them."""
        out: Set[str] = set()
        for mgr, name in keys:
            out.update(self.by_key.get((mgr, name), ()))
            out.update(self._tree_relatives(mgr, name))
        return out

    def _files_referring_to(self, keys: Set[Key]) -> Set[str]:
        """Files whose problems point at the positions of these names (other defaults of a
        duplicate, defaults in a tree relation): they change when only those positions move."""
        out: Set[str] = set()
        for mgr, name in keys:
            files = self.defaults.get((mgr, name), {})
            if len(files) > 1 or any(len(occs) > 1 for occs in files.values()):
                out.update(files)
            out.update(self._tree_relatives(mgr, name))
        return out

    def _tree_relatives(self, mgr: str, name: str) -> Set[str]:
        """Files with a default of a prefix of `name`, or of a name under it."""
        out: Set[str] = set()
        parts = name.split(".")
        for i in range(1, len(parts)):
            out.update(self.defaults.get((mgr, ".".join(parts[:i])), ()))
        if name in self.prefixes.get(mgr, ()):
            start = name + "."
            for (m2, n2), files in self.defaults.items():
                if m2 == mgr and n2.startswith(start):
                    out.update(files)
        return out

    def _no_default_files(self) -> Set[str]:
        by_key = self.by_key
        return {p for key in by_key.keys() - self.defaults.keys() for p in by_key[key]}

    def _values_paths(self) -> Set[str]:
        return {self.values_file.path} if self.values_file is not None else set()

    def _index(self, entry: FileEntry) -> None:
        path = entry.path
        if is_notebook(path):
            self.notebooks.add(path)
        for occ in entry.facts.occurrences:
            key = occ.key()
            files = self.by_key.get(key)
            if files is None:
                files = self.by_key[key] = {}
                self._add_prefixes(key)
                self.names_version += 1
            files.setdefault(path, []).append(occ)
            if occ.has_default:
                if key not in self.defaults:
                    self.names_version += 1
                self.defaults.setdefault(key, {}).setdefault(path, []).append(occ)

    def _unindex(self, entry: FileEntry) -> None:
        path = entry.path
        self.notebooks.discard(path)
        for key in {occ.key() for occ in entry.facts.occurrences}:
            files = self.by_key.get(key)
            if files is not None and files.pop(path, None) is not None and not files:
                del self.by_key[key]
                self._drop_prefixes(key)
                self.names_version += 1
            defaults = self.defaults.get(key)
            if defaults is not None and defaults.pop(path, None) is not None and not defaults:
                del self.defaults[key]
                self.names_version += 1

    def _add_prefixes(self, key: Key) -> None:
        mgr, name = key
        counts = self.prefixes.setdefault(mgr, {})
        parts = name.split(".")
        for i in range(1, len(parts)):
            p = ".".join(parts[:i])
            counts[p] = counts.get(p, 0) + 1

    def _drop_prefixes(self, key: Key) -> None:
        mgr, name = key
        counts = self.prefixes.get(mgr, {})
        parts = name.split(".")
        for i in range(1, len(parts)):
            p = ".".join(parts[:i])
            counts[p] -= 1
            if not counts[p]:
                del counts[p]

    def _forget(self, paths: Set[str]) -> None:
        for p in paths:
            self._problem_cache.pop(p, None)

    # -- values file -----------------------------------------------------------------------
    def set_values_file(self, path: Optional[str], text: Optional[str] = None) -> Set[str]:
        """Use a YAML values file as the overlay for effective values (None: no values file)."""
        before = self._values_paths()
        if path is None:
            self.values_file = None
        else:
            self.values_file = ValuesFile.load(os.path.abspath(path), text)
        affected = before | self._values_paths() | set(self.files)
        self._forget(affected)
        return affected

    # -- reading ----------------------------------------------------------------------------
    def text_of(self, path: str) -> Optional[str]:
        """The text the facts of `path` were derived from (read from disk when not kept)."""
        entry = self.files.get(os.path.abspath(path))
        if entry is None:
            return None
        if entry.text is None:
            try:
                entry.text = module_text(entry.path, read_bytes(entry.path))
            except (OSError, UnicodeDecodeError, LookupError, SyntaxError, NotebookError):
                return None
        return entry.text

    def managers(self) -> List[str]:
        return sorted({mgr for mgr, _ in self.by_key})

    def default_manager(self) -> str:
        """The manager a values file or `hpman list` means: `_`, else the only one there is."""
        managers = self.managers()
        return managers[0] if len(managers) == 1 else "_"

    def names(self, manager: str) -> List[str]:
        return sorted(n for m, n in self.by_key if m == manager)

    def names_below(self, manager: str, prefix: str) -> List[str]:
        start = prefix + "."
        return sorted(n for m, n in self.by_key if m == manager and n.startswith(start))

    def occurrences_of(self, key: Key) -> List[Occurrence]:
        """Every occurrence of a name, in path and position order."""
        files = self.by_key.get(key, {})
        return [occ for path in sorted(files) for occ in files[path]]

    def defaults_of(self, key: Key) -> List[Occurrence]:
        files = self.defaults.get(key, {})
        return [occ for path in sorted(files) for occ in files[path]]

    def file_issues(self, path: str) -> List[Issue]:
        entry = self.files.get(os.path.abspath(path))
        return list(entry.facts.issues) if entry is not None else []


def _positions(occurrences: Iterable[Occurrence]) -> Dict[Key, list]:
    out: Dict[Key, list] = {}
    for occ in occurrences:
        out.setdefault(occ.key(), []).append((occ.name_range, occ.default_range))
    return out


def _moved_keys(old: List[Occurrence], new: List[Occurrence]) -> Set[Key]:
    """Names whose occurrences in one file moved (other files' problems may point at them)."""
    before, after = _positions(old), _positions(new)
    return {k for k in set(before) | set(after) if before.get(k) != after.get(k)}


def _changed_keys(old: List[Occurrence], new: List[Occurrence]) -> Set[Key]:
    before, after = _signature(old), _signature(new)
    return {k for k in set(before) | set(after) if before.get(k) != after.get(k)}


def _unreadable(path: str, message: str) -> FileFacts:
    return FileFacts(path, [], [Issue("syntax-error", "error", message, (0, 0, 0, 0))], {})


def _encode_entry(entry: FileEntry) -> tuple:
    """A FileEntry as marshal data (its text stays behind: read again when needed)."""
    return (entry.path, int(entry.text is not None), entry.stamp, entry.digest, disk_cache.pack_facts(entry.facts))
