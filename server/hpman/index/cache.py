"""The persistent cache: facts of each file keyed by its content (a hash of its
bytes), so that a second start over an unchanged tree parses nothing, and a file
rewritten with the same size and its old mtime is never served stale facts. A
stat key (size, mtime, ctime, inode) lets an unchanged file skip the read; see
Workspace._lookup for when it is trusted.

Stored with `marshal` (plain data only: loading it can never run code, even
from a cache file planted in a workspace), one file per set of roots under
$HPMAN_CACHE_DIR, else $XDG_CACHE_HOME/hpman, else ~/.cache/hpman.
"""
import marshal
import os
from typing import Any, Dict, Optional, Sequence, Tuple

try:   # hashlib's own blake2b, without loading OpenSSL's bindings, which we do not use (2 ms a start)
    from _blake2 import blake2b
except ImportError:   # another Python implementation
    from hashlib import blake2b

from ..primitives import EmptyValue, NotLiteralEvaluable
from .model import FileFacts, Issue, Occurrence
from .positions import Range

FORMAT = 10  # bump whenever extraction changes, so stale facts are never reused
_EMPTY_MARK = ("\0hpman", "empty")
_NONLITERAL_MARK = ("\0hpman", "non-literal")

PackedOccurrence = Tuple[str, str, Range, Range, Optional[Range], Any, Optional[str], Dict[str, Any], Tuple[Any, ...]]
"""An Occurrence as plain data: (manager, name, call, name range, default range, value, default text, hints, order)."""
PackedIssue = Tuple[str, str, str, Range, Any, Optional[str], Optional[Tuple[Any, ...]]]
"""An Issue as plain data: (code, severity, message, range, data, manager, order)."""
PackedFacts = Tuple[Tuple[PackedOccurrence, ...], Tuple[PackedIssue, ...], Dict[str, str], bool]
"""A file's facts as plain data (see pack_facts): occurrences, issues, managers, verified."""
StatKey = Tuple[int, ...]
"""(size, mtime_ns, ctime_ns, inode[, when the content was hashed]): see Workspace._stat."""
Row = Tuple[Optional[str], FileFacts, StatKey]
"""What the cache holds for a file: (digest, or None for a file without hpman; facts; stat key)."""


def digest(data: bytes) -> str:
    return blake2b(data, digest_size=16).hexdigest()


def cache_dir(explicit: Optional[str] = None) -> str:
    if explicit:
        return explicit
    env = os.environ.get("HPMAN_CACHE_DIR")
    if env:
        return env
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "hpman")


def _cache_file(directory: Optional[str], roots: Sequence[str], mode: str = "") -> str:
    """One file per set of roots and extraction mode ("" for the index, "runtime:_" for the
    runtime's `_`, whose placeholder counts in modules that do not import it)."""
    text = "\n".join(sorted(roots)) + ("\0" + mode if mode else "")
    key = blake2b(text.encode("utf-8", "surrogateescape"), digest_size=12).hexdigest()
    return os.path.join(cache_dir(directory), "index-{}.marshal".format(key))


def _pack_value(value: Any) -> Any:
    if isinstance(value, EmptyValue):
        return _EMPTY_MARK
    if isinstance(value, NotLiteralEvaluable):
        return _NONLITERAL_MARK
    return value


def _unpack_value(value: Any) -> Any:
    if value == _EMPTY_MARK and isinstance(value, tuple):
        return EmptyValue()
    if value == _NONLITERAL_MARK and isinstance(value, tuple):
        return NotLiteralEvaluable()
    return value


def pack_facts(facts: FileFacts) -> PackedFacts:
    occs = tuple((o.manager, o.name, o.call, o.name_range, o.default_range, _pack_value(o.value), o.default_text,
                  o.hints, o.order) for o in facts.occurrences)
    issues = tuple((i.code, i.severity, i.message, i.range, i.data, i.manager, i.order) for i in facts.issues)
    return occs, issues, facts.managers, facts.verified


def unpack_facts(path: str, packed: PackedFacts) -> FileFacts:
    occs, issues, managers, verified = packed
    return FileFacts(
        path,
        [Occurrence(m, n, path, c, nr, dr, _unpack_value(v), t, h, None, o) for m, n, c, nr, dr, v, t, h, o in occs],
        [Issue(*i) for i in issues],
        managers, verified)


def load(directory: Optional[str], roots: Sequence[str], mode: str = "") -> Dict[str, Row]:
    """{path: (digest, facts, stat key)}; empty when there is no usable cache (see Workspace._lookup)."""
    try:
        with open(_cache_file(directory, roots, mode), "rb") as f:
            data = marshal.loads(f.read())   # load(f) reads the file object piece by piece: 8x slower
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            return {}
        # a row without a stat key (save never writes one) gets the empty key, which no stat matches
        return {path: (dig, unpack_facts(path, packed), tuple(key) if key is not None else ())
                for path, (dig, packed, key) in data["files"].items()}
    except (OSError, EOFError, ValueError, TypeError, KeyError):
        return {}


def save(directory: Optional[str], roots: Sequence[str], fresh: Dict[str, Row], stored: Dict[str, Row],
         mode: str = "") -> None:
    """Write {path: (digest, facts, stat key)} atomically, unless nothing changed since it was loaded."""
    if fresh.keys() == stored.keys() and all(fresh[p][0] == stored[p][0] and fresh[p][2] == stored[p][2] and
                                             fresh[p][1].verified == stored[p][1].verified for p in fresh):
        return
    files = {path: (dig, pack_facts(facts), key) for path, (dig, facts, key) in fresh.items()}
    target = _cache_file(directory, roots, mode)
    try:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        import tempfile  # only when writing: it pulls in random and shutil
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(target), prefix=".index-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(marshal.dumps({"format": FORMAT, "files": files}))
            os.replace(tmp, target)
        except BaseException:
            os.unlink(tmp)
            raise
    except (OSError, ValueError):
        pass  # a cache that cannot be written only costs time
