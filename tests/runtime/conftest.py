"""Fixtures of the runtime tests (helpers are in rt_helpers.py)."""
import pytest

import hpman


@pytest.fixture
def hpm():
    """A fresh manager whose placeholder is `_`."""
    return hpman.HyperParameterManager("_")


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory):
    """parse_file keeps a persistent cache; the tests' goes to a folder of their own."""
    import os
    old = os.environ.get("HPMAN_CACHE_DIR")
    os.environ["HPMAN_CACHE_DIR"] = str(tmp_path_factory.mktemp("hpman-cache"))
    yield
    if old is None:
        os.environ.pop("HPMAN_CACHE_DIR", None)
    else:
        os.environ["HPMAN_CACHE_DIR"] = old
