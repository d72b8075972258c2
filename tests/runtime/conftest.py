"""Fixtures of the runtime tests (helpers are in rt_helpers.py)."""
import pytest

import hpman


@pytest.fixture
def hpm():
    """A fresh manager whose placeholder is `_`."""
    return hpman.HyperParameterManager("_")
