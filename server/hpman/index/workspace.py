"""The workspace index: every file's facts, kept incrementally.

Replacing one file's text re-derives that file's facts (re-parsing only the
statements whose text changed) and reports which files' problems may have
changed. Problems and queries are computed from this state by problems.py,
queries.py and edits.py, through the read methods of `Workspace` (its tables
are its own: see docs/architecture.md, "The index object").
"""
import os
import re
import time
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Protocol, Sequence, Set, Tuple, TypeVar, cast

from . import cache as disk_cache
from .facts import extract_workspace, syntax_verdict
from .files import Exclude, decode_lenient, iter_python_files, owned, read_bytes
from .ipynb import NotebookError, is_notebook, module_text, parse_notebook
from .model import INFO, FileFacts, Issue, Occurrence
from .overlay import ValuesFile
from .parallel import map_sequential, map_spawned, map_split
from .scan import PieceCache

Key = Tuple[str, str]  # (manager, name)
MAX_FILE_BYTES = 10 * 1024 * 1024
SUFFIXES = (".py", ".ipynb")   # notebooks: their code cells, see ipynb.py
Stamp = Tuple[int, int]   # (size, mtime_ns)
StatKey = Tuple[int, ...]   # (size, mtime_ns, ctime_ns, inode[, when the content was hashed])
Stored = Tuple[Optional[str], FileFacts, StatKey]   # the persistent cache's row: digest, facts, stat key
ToRead = Tuple[str, Stamp, StatKey, Optional[Stored]]   # path, stamp, stat key, the cache's row
ToParse = Tuple[str, Optional[Stamp], bytes, str]   # path, stamp, content, digest


class FileEntry:
    __slots__ = ("path", "text", "facts", "stamp", "digest")

    def __init__(self, path: str, text: Optional[str], facts: FileFacts, stamp: Optional[Stamp],
                 digest: Optional[str] = None) -> None:
        self.path = path
        self.text = text      # None when the facts came from the cache and the text was not needed
        self.facts = facts
        self.stamp = stamp    # (size, mtime_ns) of the file on disk, None for unsaved text
        self.digest = digest  # content hash of the file on disk, when it was read


def _signature(occurrences: Iterable[Occurrence]) -> Dict[Key, Tuple[str, ...]]:
    """What other files' problems can depend on: which names occur, and their defaults.

    Not how often a name is used: adding or removing a use without a default
    changes no other file's problems, so typing such a call re-checks one file.
    """
    sig: Dict[Key, List[str]] = {}
    for occ in occurrences:
        entry = sig.setdefault(occ.key(), [])
        if occ.has_default:
            entry.append(repr(occ.value) if occ.literal else "<non-literal>")
    return {k: tuple(d) for k, d in sig.items()}


class Derived(Protocol):
    """State another module keeps of an index (see Workspace.derived)."""

    def forget(self, paths: Optional[Set[str]], names_changed: bool) -> None:
        """`paths`: the files whose facts or problems may have changed (None: every file);
        `names_changed`: whether a name appeared or vanished, or gained or lost its last default."""


D = TypeVar("D", bound=Derived)


class Workspace:
    """The index of a workspace: facts of every Python file under the roots, plus an optional
    values file. Its tables are private; readers ask the methods under "reading" below."""

    def __init__(self, roots: Sequence[str] = (), exclude: Exclude = (), cache: bool = True,
                 cache_dir: Optional[str] = None, verify: bool = False, predeclared: Optional[str] = None,
                 max_bytes: Optional[int] = MAX_FILE_BYTES, keep_text: bool = False,
                 suffixes: Tuple[str, ...] = SUFFIXES) -> None:
        """`verify`: check the whole syntax of each module that uses hpman while scanning (the
        command line; the language server verifies later, see verify_pending). `predeclared`,
        `max_bytes`, `keep_text`: the runtime's parse_file (see HyperParameterManager): its
        placeholder counts in every module as in hpman 0.13, any size is read, and the texts
        are kept for the occurrence rows' source context; folders give only `.py` files (0.13's
        glob; a notebook is read when named)."""
        self.suffixes = suffixes
        self.given_roots = [os.fspath(r) for r in roots]
        self.roots = [os.path.abspath(r) for r in roots]
        self.verify = verify
        self.predeclared = predeclared
        self.max_bytes = max_bytes
        self.keep_text = keep_text
        self._relevant = _relevance_test(predeclared)
        self._cache_mode = "" if predeclared is None else "runtime:" + predeclared
        self._display: Dict[str, str] = {}   # path -> the path as found from the roots as given
        self._disk: Dict[str, Stored] = {}     # what the cache holds: path -> (digest, facts, stat key)
        self._stored: Dict[str, Stored] = {}   # ... as last loaded or saved
        self._keys: Dict[str, StatKey] = {}     # path -> stat key and when its content was read
        self.verified_files = 0      # whole-module syntax checks done (not taken from the cache)
        self._vanished: List[str] = []   # listed by the last scan, gone before they could be read
        self.exclude: Exclude = dict(exclude) if isinstance(exclude, Mapping) else list(exclude)   # globs (per root)
        self.use_cache = cache
        self.cache_dir = cache_dir
        self._files: Dict[str, FileEntry] = {}
        self._by_key: Dict[Key, Dict[str, List[Occurrence]]] = {}
        self._defaults: Dict[Key, Dict[str, List[Occurrence]]] = {}
        self._prefixes: Dict[str, Dict[str, int]] = {}   # manager -> proper prefix -> count of names
        self._values_file: Optional[ValuesFile] = None
        self._notebooks: Set[str] = set()  # paths of the indexed .ipynb files
        self._pieces = PieceCache()
        self._starts: Dict[str, Tuple[str, List[int]]] = {}   # edited documents: last text, statement starts
        self._names_version = 0       # bumped when a name appears or vanishes, or gains or loses its last default
        self.parsed_files = 0        # how many files were parsed (not taken from the cache)
        # state other modules derive from the facts (problems.py's caches), by owner; each is
        # told what to forget when facts change (see derived)
        self._derived: Dict[str, Derived] = {}
        # how messages name a file (the command line sets its own form, relative to the cwd)
        self.path_form: Optional[Callable[[str], str]] = None

    def path_for_messages(self, path: str) -> str:
        """A file as a message names it: in the form the caller shows paths in, else relative to
        the root that holds it (never just the file name: two `lib.py` must not be confused)."""
        if self.path_form is not None:
            return self.path_form(path)
        for root in self.roots:
            if path.startswith(root.rstrip(os.sep) + os.sep):
                return os.path.relpath(path, root)
            if path == root:
                return os.path.basename(path)
        return path

    # -- building ----------------------------------------------------------------
    def scan(self, progress: Optional[Callable[[int, int], None]] = None, workers: int = 1,
             spawn: bool = False) -> None:
        """Index every Python file under the roots (from the cache where the content is unchanged);
        with `workers` 2, files are parsed in two processes: a fork, or with `spawn` a fresh
        interpreter (for a process that must not fork: see parallel.py)."""
        found = list(iter_python_files(self.given_roots, self.exclude, self.suffixes)) if self.roots else []
        paths = []
        for p in found:
            path = os.path.abspath(p)
            self._display[path] = p
            paths.append(path)
        stored = disk_cache.load(self.cache_dir, self.roots, self._cache_mode) if self.use_cache else {}
        total = len(paths)
        entries: Dict[str, FileEntry] = {}
        to_read: List[ToRead] = []
        for path in paths:
            entry, todo = self._stat(path, stored.get(path))
            if entry is not None:
                entries[path] = entry
            elif todo is not None:
                to_read.append(todo)
            else:
                self._vanished.append(path)
        if progress is not None:
            progress(len(entries), total)
        done = None if progress is None else (lambda n: n % 50 == 0 and progress(len(entries) + n, total))
        if workers > 1 and not spawn and not self.keep_text:
            # a forked child reads its share too: reading and hashing are a tenth of a cold scan
            got = map_split(self._read_and_parse, to_read, self._encode_read, self._decode_read, done)
        else:
            got = self._read_then_parse(to_read, entries, workers, spawn, done)
        entries.update((entry.path, entry) for entry in got)
        for path in paths:
            entry = entries.get(path)
            if entry is not None:
                self._install(entry, track=False)
                self._remember(entry)
        if progress is not None:
            progress(total, total)
        self._stored = stored
        self.save_cache()

    def _read_then_parse(self, to_read: List[ToRead], entries: Dict[str, "FileEntry"], workers: int, spawn: bool,
                         done: Optional[Callable[[int], None]]) -> List["FileEntry"]:
        """Read every file here, then parse those that need it (in two processes with `workers` 2);
        the entries that reading settles go into `entries`."""
        to_parse: List[ToParse] = []
        for todo in to_read:
            entry, item = self._read(*todo)
            if entry is not None:
                entries[entry.path] = entry
            elif item is not None:
                to_parse.append(item)
        if workers > 1 and spawn:
            config = (self.verify, self.predeclared, self.max_bytes)
            got = map_spawned(self._parse_item, to_parse, [item[0] for item in to_parse],
                              ("hpman.index.workspace:parse_in_child", (config,)), self._decode_entry, done)
            got = [self._same_content(entry, item) for entry, item in zip(got, to_parse)]
        elif workers > 1:
            got = map_split(self._parse_item, to_parse, _encode_entry, self._decode_entry, done)
        else:
            got = map_sequential(self._parse_item, to_parse, done)
        if self.keep_text:
            data_of = {item[0]: item[2] for item in to_parse}
            for entry in got:
                if entry.text is None and entry.digest is not None:
                    entry.text = _decode_quiet(entry.path, data_of[entry.path])
        return got

    def save_cache(self) -> None:
        """Write what was read from disk to the persistent cache (a no-op when unchanged)."""
        if self.use_cache:
            disk_cache.save(self.cache_dir, self.roots, self._disk, self._stored, self._cache_mode)
            self._stored = dict(self._disk)

    def paths_in_order(self) -> List[str]:
        """The indexed files in the runtime's parse order (sorted as found from the roots as given)."""
        return sorted(self._files, key=lambda p: self._display.get(p, p))

    def _lookup(self, path: str, cached: Optional[Stored]) -> Tuple[Optional[FileEntry], Optional[ToParse]]:
        """(entry, None) when the file needs no parsing, (None, item to parse) when it does,
        (None, None) when it is gone (_stat, then _read)."""
        entry, todo = self._stat(path, cached)
        return (entry, None) if todo is None else self._read(*todo)

    def _stat(self, path: str, cached: Optional[Stored]) -> Tuple[Optional[FileEntry], Optional[ToRead]]:
        """(entry, None) when the stat alone settles the file, (None, what _read needs) when its
        content must be read, (None, None) when it is gone.

        The key is the content. A stat short-cuts the read only when it matches the one taken
        when the content was last hashed in size, mtime, ctime and inode (a rewrite that keeps
        the size and restores the mtime still changes the ctime, which no one can set back),
        and the file had not changed for RACY_NS before that hash (a write in the same clock
        tick as the hash would leave the same stat: git's "racily clean" rule)."""
        try:
            st = os.stat(path)
        except OSError:
            return None, None
        stamp = (st.st_size, st.st_mtime_ns)
        if self.max_bytes is not None and st.st_size > self.max_bytes:
            return FileEntry(path, None, _unreadable(path, "file is larger than 10 MB; not indexed"), stamp), None
        stat_key = (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
        if cached is not None and _trusted(cached[2], stat_key) and (cached[1].verified or not self.verify):
            self._keys[path] = cached[2]
            if cached[0] is None:   # no hpman in it when it was read
                return FileEntry(path, None, cached[1], stamp), None
            if not self.keep_text:
                return FileEntry(path, None, cached[1], stamp, cached[0]), None
        return None, (path, stamp, stat_key, cached)

    def _read(self, path: str, stamp: Stamp, stat_key: StatKey,
              cached: Optional[Stored]) -> Tuple[Optional[FileEntry], Optional[ToParse]]:
        """_lookup's second half: read and hash the content; (entry, None) when that settles it
        (unreadable, no hpman in it, or the cache has this content), else (None, item to parse)."""
        checked_at = time.time_ns()
        try:
            data = read_bytes(path)
        except OSError as exc:
            facts = _unreadable(path, "cannot read: {}".format(exc.strerror or exc),
                                data={"errno": exc.errno, "strerror": exc.strerror or str(exc)})
            return FileEntry(path, None, facts, stamp), None
        self._keys[path] = stat_key + (checked_at,)
        if not self._relevant(data):
            return FileEntry(path, None, FileFacts(path, [], [], {}), stamp), None
        digest = disk_cache.digest(data)
        if cached is not None and cached[0] == digest and (cached[1].verified or not self.verify):
            text = _decode_quiet(path, data) if self.keep_text else None
            return FileEntry(path, text, cached[1], stamp, digest), None
        return None, (path, stamp, data, digest)

    def _read_and_parse(self, todo: ToRead) -> "FileEntry":
        entry, item = self._read(*todo)
        return entry if entry is not None else self._parse_item(cast(ToParse, item))   # one of the two is set

    def _encode_read(self, entry: "FileEntry") -> Tuple[Any, ...]:
        """A forked child's entry with the stat key it took (see _decode_read)."""
        return _encode_entry(entry), self._keys.get(entry.path)

    def _decode_read(self, data: Tuple[Any, ...]) -> "FileEntry":
        packed, key = data
        entry = self._decode_entry(packed)
        if key is not None:
            self._keys[entry.path] = tuple(key)
        return entry

    def _remember(self, entry: "FileEntry") -> None:
        """Keep what the persistent cache should hold for a file read from disk."""
        key = self._keys.get(entry.path)
        if key is not None and (entry.digest is not None or not entry.facts.issues):
            self._disk[entry.path] = (entry.digest, entry.facts, key)
        else:
            self._disk.pop(entry.path, None)

    def _parse_item(self, item: ToParse) -> "FileEntry":
        path, stamp, data, digest = item
        try:
            text, cookie = _decode(path, data)
        except NotebookError as exc:
            return FileEntry(path, None, _unreadable(path, "cannot read notebook: {}".format(exc)), stamp)
        except UnicodeDecodeError as exc:
            line = exc.object.count(b"\n", 0, exc.start) if isinstance(exc.object, bytes) else 0
            return FileEntry(path, None, _unreadable(path, "cannot decode: {}".format(exc), line), stamp)
        except (LookupError, SyntaxError) as exc:
            return FileEntry(path, None, _unreadable(path, "cannot decode: {}".format(exc)), stamp)
        if "\0" in text:
            line = text.count("\n", 0, text.index("\0"))
            return FileEntry(path, None, _unreadable(path, "binary file (contains NUL bytes)", line), stamp)
        self.parsed_files += 1
        facts = extract_workspace(text, path, self._pieces, predeclared=self.predeclared, verify=self.verify)
        if self.verify and facts.verified:
            self.verified_files += 1
        if cookie is not None:
            facts = _with_cookie_issue(facts, text, cookie)
        return FileEntry(path, text, facts, stamp, digest)

    def _same_content(self, entry: "FileEntry", item: ToParse) -> "FileEntry":
        """A spawned child read the file again: if it changed meanwhile, parse what we read."""
        return entry if entry.digest == item[3] else self._parse_item(item)

    def _decode_entry(self, data: Tuple[Any, ...]) -> "FileEntry":
        """A FileEntry made in the child process of a split scan (see _encode_entry)."""
        path, parsed, stamp, digest, packed = data
        self.parsed_files += parsed
        facts = disk_cache.unpack_facts(path, packed)
        if self.verify and parsed and facts.verified:
            self.verified_files += 1
        return FileEntry(path, None, facts, None if stamp is None else (stamp[0], stamp[1]), digest)

    # -- syntax verification --------------------------------------------------------
    def pending(self) -> List[str]:
        """Files whose whole-module syntax is still to be checked (see verify_pending)."""
        return [p for p, e in self._files.items() if not e.facts.verified]

    def verify_pending(self, max_files: int = 8) -> Set[str]:
        """Check the whole syntax of up to `max_files` pending modules; returns the files whose
        problems may have changed. For the language server: call it in small batches after the
        first index, between requests, until nothing is pending (then the verdicts are cached)."""
        affected: Set[str] = set()
        for path in self.pending()[:max_files]:
            affected |= self.verify_file(path)
        if not self.pending():
            self.save_cache()
        return affected

    def verify_file(self, path: str) -> Set[str]:
        """Check one module's whole syntax now; returns the files whose problems may have changed."""
        path = os.path.abspath(path)
        entry = self._files.get(path)
        if entry is None or entry.facts.verified:
            return set()
        text = entry.text
        if text is None:   # facts from the cache: the text on disk, unless it changed meanwhile
            try:
                data = read_bytes(path)
            except OSError:
                return self.reload(path)
            if entry.digest is None or disk_cache.digest(data) != entry.digest:
                return self.reload(path)
            try:
                text = _decode(path, data)[0]
            except (UnicodeDecodeError, LookupError, SyntaxError, NotebookError):
                return self.reload(path)
        self.verified_files += 1
        facts = entry.facts.with_syntax_verdict(syntax_verdict(text, path))
        fresh = FileEntry(path, entry.text, facts, entry.stamp, entry.digest)
        if entry.stamp is not None and entry.digest is not None:
            self._remember(fresh)
        return self._install(fresh)

    # -- changes -----------------------------------------------------------------------
    def set_text(self, path: str, text: str) -> Set[str]:
        """Replace a file's text (an editor buffer; a notebook's JSON); returns the files whose problems may change."""
        path = os.path.abspath(path)
        if is_notebook(path):
            try:
                text = parse_notebook(text).text
            except NotebookError as exc:
                unreadable = _unreadable(path, "cannot read notebook: {}".format(exc))
                return self._install(FileEntry(path, None, unreadable, None))
        if self.max_bytes is not None and _over_cap(text, self.max_bytes):
            # the same cap as a file on disk: an open 50 MB buffer is not indexed
            self._starts.pop(path, None)
            return self._install(FileEntry(path, None, _unreadable(
                path, "document is larger than {} MB; not indexed".format(self.max_bytes // (1024 * 1024))), None))
        if "\0" in text:
            facts = _unreadable(path, "binary file (contains NUL bytes)")
        else:
            self.parsed_files += 1
            facts = extract_workspace(text, path, self._pieces, self._starts, self.predeclared, self.verify)
        return self._install(FileEntry(path, text, facts, None))

    def reload(self, path: str) -> Set[str]:
        """Re-read a file from disk (or drop it when it is gone); returns the affected files."""
        path = os.path.abspath(path)
        self._starts.pop(path, None)
        try:
            os.stat(path)
        except OSError:
            return self.remove(path)
        if not self.owns(path):
            return self.remove(path)
        entry, item = self._lookup(path, self._disk.get(path))
        if entry is None:
            if item is None:
                return self.remove(path)
            entry = self._parse_item(item)
        self._remember(entry)
        return self._install(entry)

    def remove(self, path: str) -> Set[str]:
        path = os.path.abspath(path)
        self._starts.pop(path, None)
        self._disk.pop(path, None)
        entry = self._files.pop(path, None)
        if entry is None:
            return set()
        changed = _changed_keys(entry.facts.occurrences, [])
        affected = self._files_of(changed)
        names_before = self._names_version
        self._unindex(entry)
        affected |= self._after_change(changed)
        names_changed = self._names_version != names_before
        if names_changed:
            affected |= self._no_default_files()
        affected.add(path)
        self._forget(affected, names_changed)
        return affected

    def owns(self, path: str) -> bool:
        """Whether the scan of this workspace indexes `path` (see files.owned)."""
        return owned(path, self.roots, self.exclude, self.suffixes)

    def _install(self, entry: FileEntry, track: bool = True) -> Set[str]:
        """Put a file's facts in place; with `track`, return the files whose problems may change."""
        old = self._files.get(entry.path)
        if not track:
            if old is not None:
                self._unindex(old)
            self._files[entry.path] = entry
            self._index(entry)
            self._forget(None, True)
            return set()
        changed = _changed_keys(old.facts.occurrences if old is not None else [], entry.facts.occurrences)
        affected = self._files_of(changed)
        moved = _moved_keys(old.facts.occurrences if old is not None else [], entry.facts.occurrences) - changed
        affected |= self._files_referring_to(moved)
        names_before = self._names_version
        if old is not None:
            self._unindex(old)
        self._files[entry.path] = entry
        self._index(entry)
        affected |= self._after_change(changed)
        names_changed = self._names_version != names_before
        if names_changed:
            affected |= self._no_default_files()  # their "did you mean" may change
        affected.add(entry.path)
        self._forget(affected, names_changed)
        return affected

    def _after_change(self, changed: Set[Key]) -> Set[str]:
        if not changed:
            return set()
        return self._files_of(changed) | self._values_paths()

    def _files_of(self, keys: Set[Key]) -> Set[str]:
        """Files holding these names, or defaults of names in a prefix relation with them."""
        out: Set[str] = set()
        for mgr, name in keys:
            out.update(self._by_key.get((mgr, name), ()))
            out.update(self._tree_relatives(mgr, name))
        return out

    def _files_referring_to(self, keys: Set[Key]) -> Set[str]:
        """Files whose problems point at the positions of these names (other defaults of a
        duplicate, defaults in a tree relation): they change when only those positions move."""
        out: Set[str] = set()
        for mgr, name in keys:
            files = self._defaults.get((mgr, name), {})
            if len(files) > 1 or any(len(occs) > 1 for occs in files.values()):
                out.update(files)
            out.update(self._tree_relatives(mgr, name))
        return out

    def _tree_relatives(self, mgr: str, name: str) -> Set[str]:
        """Files with a default of a prefix of `name`, or of a name under it."""
        out: Set[str] = set()
        parts = name.split(".")
        for i in range(1, len(parts)):
            out.update(self._defaults.get((mgr, ".".join(parts[:i])), ()))
        if name in self._prefixes.get(mgr, ()):
            start = name + "."
            for (m2, n2), files in self._defaults.items():
                if m2 == mgr and n2.startswith(start):
                    out.update(files)
        return out

    def _no_default_files(self) -> Set[str]:
        by_key = self._by_key
        return {p for key in by_key.keys() - self._defaults.keys() for p in by_key[key]}

    def _values_paths(self) -> Set[str]:
        return {self._values_file.path} if self._values_file is not None else set()

    def _index(self, entry: FileEntry) -> None:
        path = entry.path
        if is_notebook(path):
            self._notebooks.add(path)
        for occ in entry.facts.occurrences:
            key = occ.key()
            files = self._by_key.get(key)
            if files is None:
                files = self._by_key[key] = {}
                self._add_prefixes(key)
                self._names_version += 1
            files.setdefault(path, []).append(occ)
            if occ.has_default:
                if key not in self._defaults:
                    self._names_version += 1
                self._defaults.setdefault(key, {}).setdefault(path, []).append(occ)

    def _unindex(self, entry: FileEntry) -> None:
        path = entry.path
        self._notebooks.discard(path)
        for key in {occ.key() for occ in entry.facts.occurrences}:
            files = self._by_key.get(key)
            if files is not None and files.pop(path, None) is not None and not files:
                del self._by_key[key]
                self._drop_prefixes(key)
                self._names_version += 1
            defaults = self._defaults.get(key)
            if defaults is not None and defaults.pop(path, None) is not None and not defaults:
                del self._defaults[key]
                self._names_version += 1

    def _add_prefixes(self, key: Key) -> None:
        mgr, name = key
        counts = self._prefixes.setdefault(mgr, {})
        parts = name.split(".")
        for i in range(1, len(parts)):
            p = ".".join(parts[:i])
            counts[p] = counts.get(p, 0) + 1

    def _drop_prefixes(self, key: Key) -> None:
        mgr, name = key
        counts = self._prefixes.get(mgr, {})
        parts = name.split(".")
        for i in range(1, len(parts)):
            p = ".".join(parts[:i])
            counts[p] -= 1
            if not counts[p]:
                del counts[p]

    def derived(self, owner: str, make: Callable[[], D]) -> D:
        """The state module `owner` keeps of this index (made by `make` on first use), such as
        problems.py's caches. The index tells it what to forget after every change (see
        Derived.forget); everything else about it is the owner's: no other module clears it."""
        state = self._derived.get(owner)
        if state is None:
            state = self._derived[owner] = make()
        return cast(D, state)

    def _forget(self, paths: Optional[Set[str]], names_changed: bool) -> None:
        for state in self._derived.values():
            state.forget(paths, names_changed)

    # -- values file -----------------------------------------------------------------------
    def set_values_file(self, path: Optional[str], text: Optional[str] = None) -> Set[str]:
        """Use a values file, or a run record, as the overlay for effective values (None: none)."""
        before = self._values_paths()
        if path is None:
            self._values_file = None
        else:
            from ..records import record_beside, values_path_for
            path = os.path.abspath(path)
            target = values_path_for(path)   # a run record overlays its values.yaml
            self._values_file = ValuesFile.load(target, text if target == path else None)
            self._values_file.record = record_beside(target)
        affected = before | self._values_paths() | set(self._files)
        self._forget(affected, False)
        return affected

    # -- reading: files ----------------------------------------------------------------------
    # A path may be given in any form; the index names files by their absolute paths.
    def _entry(self, path: str) -> Optional[FileEntry]:
        # the absolute path callers mostly hold is looked up first: no abspath in the hot paths
        entry = self._files.get(path)
        return entry if entry is not None else self._files.get(os.path.abspath(path))

    @property
    def values_file(self) -> Optional[ValuesFile]:
        """The overlay of effective values (see set_values_file), if any."""
        return self._values_file

    def paths(self) -> List[str]:
        """Every indexed file, sorted."""
        return sorted(self._files)

    def is_indexed(self, path: str) -> bool:
        """Whether the index holds facts of `path` (owns says whether a scan would read it)."""
        return self._entry(path) is not None

    def paths_under(self, folder: str) -> List[str]:
        """The indexed files inside `folder` (at any depth), sorted."""
        inside = os.path.abspath(folder).rstrip(os.sep) + os.sep
        return sorted(p for p in self._files if p.startswith(inside))

    def facts_of(self, path: str) -> Optional[FileFacts]:
        """What the index knows of one file (None when it does not hold the file)."""
        entry = self._entry(path)
        return entry.facts if entry is not None else None

    def file_issues(self, path: str) -> List[Issue]:
        facts = self.facts_of(path)
        return list(facts.issues) if facts is not None else []

    def kept_text(self, path: str) -> Optional[str]:
        """The text of `path` when the index holds it in memory (an edited document, a file
        parsed in this process, or every file with `keep_text`); never reads the disk."""
        entry = self._entry(path)
        return entry.text if entry is not None else None

    def text_of(self, path: str) -> Optional[str]:
        """The text the facts of `path` were derived from (read from disk when not kept)."""
        entry = self._entry(path)
        if entry is None:
            return None
        if entry.text is None:
            try:
                entry.text = _decode(entry.path, read_bytes(entry.path))[0]
            except (OSError, UnicodeDecodeError, LookupError, SyntaxError, NotebookError):
                return None
        return entry.text

    def path_as_given(self, path: str) -> str:
        """A scanned file's path as discovery found it from the roots as given (relative when
        they were): what the runtime names files by, as hpman 0.13 did."""
        given = self._display.get(path)
        return given if given is not None else self._display.get(os.path.abspath(path), path)

    def vanished(self) -> List[str]:
        """Files the last scan listed that were gone before they could be read (as given)."""
        return [self.path_as_given(p) for p in self._vanished]

    def has_notebooks(self) -> bool:
        """Whether any indexed file is a notebook (.ipynb)."""
        return bool(self._notebooks)

    # -- reading: names ---------------------------------------------------------------------
    def managers(self) -> List[str]:
        return sorted({mgr for mgr, _ in self._by_key})

    def default_manager(self) -> str:
        """The manager a values file or `hpman list` means: `_`, else the only one there is."""
        managers = self.managers()
        return managers[0] if len(managers) == 1 else "_"

    def keys(self) -> List[Key]:
        """Every (manager, name) used anywhere, sorted."""
        return sorted(self._by_key)

    def names(self, manager: str) -> List[str]:
        return sorted(n for m, n in self._by_key if m == manager)

    def names_below(self, manager: str, prefix: str) -> List[str]:
        start = prefix + "."
        return sorted(n for m, n in self._by_key if m == manager and n.startswith(start))

    def names_with_defaults(self, manager: str) -> List[str]:
        """The names of `manager` that have a default somewhere, sorted."""
        return sorted(n for m, n in self._defaults if m == manager)

    def has_name(self, key: Key) -> bool:
        """Whether the name is used anywhere."""
        return key in self._by_key

    def has_default(self, key: Key) -> bool:
        """Whether the name has a default somewhere."""
        return key in self._defaults

    def is_prefix(self, key: Key) -> bool:
        """Whether the name is a tree: another name of its manager is under it (`opt` of `opt.lr`)."""
        return key[1] in self._prefixes.get(key[0], ())

    def occurs_once(self, key: Key) -> bool:
        """Whether the name is used exactly once in the whole index."""
        files = self._by_key.get(key)
        return files is not None and len(files) == 1 and len(next(iter(files.values()))) == 1

    def occurrences_of(self, key: Key, path: Optional[str] = None) -> List[Occurrence]:
        """Every occurrence of a name, in path and position order (with `path`: in that file)."""
        files = self._by_key.get(key, {})
        if path is not None:
            occs = files.get(path)
            return list(occs if occs is not None else files.get(os.path.abspath(path), []))
        return [occ for p in sorted(files) for occ in files[p]]

    def defaults_of(self, key: Key) -> List[Occurrence]:
        """Every default of a name, in path and position order (more than one is a problem)."""
        files = self._defaults.get(key)
        if not files:   # the common answer: problems ask it of every prefix of every name
            return []
        return [occ for path in sorted(files) for occ in files[path]]

    def paths_using(self, manager: str) -> List[str]:
        """The files that use a name of `manager`, sorted."""
        return sorted({p for (m, _n), files in self._by_key.items() if m == manager for p in files})


def _positions(occurrences: Iterable[Occurrence]) -> Dict[Key, List[Tuple[Any, ...]]]:
    out: Dict[Key, List[Tuple[Any, ...]]] = {}
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


def _over_cap(text: str, limit: int) -> bool:
    """Whether a text is over `limit` bytes in UTF-8 (encoded only when it may be)."""
    if len(text) > limit:
        return True
    return len(text) * 4 > limit and len(text.encode("utf-8", "surrogatepass")) > limit


def _unreadable(path: str, message: str, line: int = 0, data: Any = None) -> FileFacts:
    return FileFacts(path, [], [Issue("syntax-error", "error", message, (line, 0, line, 0), data)], {})


RACY_NS = 3 * 10 ** 9   # a stat is trusted only for a file unchanged this long before it was hashed


def _trusted(key: Optional[StatKey], stat_key: StatKey) -> bool:
    return key is not None and key[:4] == stat_key and key[4] - max(stat_key[1], stat_key[2]) > RACY_NS


def _relevance_test(predeclared: Optional[str]) -> Callable[[bytes], bool]:
    """The pre-filter on a file's bytes: it mentions hpman (or, for the runtime, looks like it
    calls the placeholder). Files that fail it are never decoded or parsed."""
    if predeclared is None:
        return lambda data: b"hpman" in data
    name = predeclared.encode("utf-8")
    # starts with the name itself, so that the regex engine skips ahead to each occurrence of it;
    # the character before is tested by hand (a look-behind first would make it try every byte)
    call = re.compile(re.escape(name) + rb"(?:\s|\\)*\(")

    def relevant(data: bytes) -> bool:
        if b"hpman" in data:
            return True
        for m in call.finditer(data):
            start = m.start()
            before = data[start - 1:start]
            # a non-ASCII byte may end an identifier or be a BOM: looked at (the parse decides)
            if not before or not (before.isalnum() or before in (b"_", b".")):
                return True
        return False
    return relevant


def _decode(path: str, data: bytes) -> Tuple[str, Optional[Tuple[int, str]]]:
    """(text, unknown coding cookie or None): a notebook's virtual module, else the source
    decoded as Python would, except that an unknown cookie reads as UTF-8 (decode_lenient)."""
    if is_notebook(path):
        return module_text(path, data), None
    return decode_lenient(data)


def _decode_quiet(path: str, data: bytes) -> Optional[str]:
    try:
        return _decode(path, data)[0]
    except (UnicodeDecodeError, LookupError, SyntaxError, NotebookError):
        return None


def _with_cookie_issue(facts: FileFacts, text: str, cookie: Tuple[int, str]) -> FileFacts:
    line, name = cookie
    width = len(text.split("\n", line + 1)[line]) if text.count("\n") >= line else 0
    issue = Issue("unknown-encoding", INFO,
                  "unknown encoding `{}` in the coding cookie: read as UTF-8, as hpman 0.13 does "
                  "(Python itself would refuse to import this module)".format(name), (line, 0, line, width))
    return FileFacts(facts.path, facts.occurrences, sorted(facts.issues + [issue], key=lambda i: i.range),
                     facts.managers, facts.verified)


def parse_in_child(config: Tuple[bool, Optional[str], Optional[int]], paths: List[str]) -> List[Tuple[Any, ...]]:
    """A spawned child's share of a scan (parallel.map_spawned): read and parse each path."""
    verify, predeclared, max_bytes = config
    ws = Workspace([], cache=False, verify=verify, predeclared=predeclared, max_bytes=max_bytes)
    out = []
    for path in paths:
        entry, item = ws._lookup(path, None)
        if entry is None:
            entry = ws._parse_item(item) if item is not None else FileEntry(path, None, _unreadable(
                path, "cannot read: the file is gone"), None)
        out.append(_encode_entry(entry))
    return out


def _encode_entry(entry: FileEntry) -> Tuple[Any, ...]:
    """A FileEntry as marshal data (its text stays behind: read again when needed)."""
    return (entry.path, int(entry.text is not None), entry.stamp, entry.digest, disk_cache.pack_facts(entry.facts))
