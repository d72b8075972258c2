"""Package attributes that load on first use (PEP 562): a package's `__getattr__` and `__dir__`.

`hpman` and `hpman.values` keep their imports light this way: the command line and the
language server start without the runtime, and `hpman check` without the values formats
(yaml, pickle) it never reads."""
import importlib
from typing import Any, Callable, Dict, Iterable, List, MutableMapping, Tuple


def lazy_attributes(package: str, homes: Dict[str, str], namespace: MutableMapping[str, Any],
                    submodules: Iterable[str] = ()) -> Tuple[Callable[[str], Any], Callable[[], List[str]]]:
    """(`__getattr__`, `__dir__`) for `package`, whose name N in `homes` is `homes[N].N` and each
    name in `submodules` the submodule itself; a loaded name is kept in `namespace` (the
    package's globals), so it costs nothing the next time."""
    modules = frozenset(submodules)

    def getattr_(name: str) -> Any:
        if name in modules:
            return importlib.import_module("." + name, package)
        home = homes.get(name)
        if home is None:
            raise AttributeError("module {!r} has no attribute {!r}".format(package, name))
        value = getattr(importlib.import_module("." + home, package), name)
        namespace[name] = value
        return value

    def dir_() -> List[str]:
        return sorted(set(namespace) | set(homes) | modules)

    return getattr_, dir_
