"""The hpargparse 0.14 module surface: `StringAsDefault`, `bind`, and the helpers
programs imported from here (`str2bool`, `hp_save`, `hp_load`, `hp_list`,
`parse_action_list`)."""
import argparse
import sys
from typing import Any

from hpman import HyperParameterManager
from hpman.values.assign import read_values
from hpman.values.detail import detail_table
from hpman.values.store import save

from .binding import bind, parse_action_list, parse_args
from .option_types import ConversionError, StringAsDefault, parse_bool

__all__ = ["StringAsDefault", "bind", "parse_args", "str2bool", "hp_save", "hp_load", "hp_list",
           "parse_action_list"]


def str2bool(text: str) -> bool:
    """true/false, yes/no, t/f, y/n, 1/0 (any case) as a bool; an argparse type error otherwise."""
    try:
        return parse_bool(text)
    except ConversionError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def hp_save(path: str, hp_mgr: HyperParameterManager, serial_format: str = "auto") -> None:
    """Save the manager's literal values to `path` (atomically)."""
    save(path, hp_mgr.get_values(), serial_format)


def hp_load(path: str, hp_mgr: HyperParameterManager, serial_format: str = "auto") -> None:
    """Load values from `path` into the manager (all or none)."""
    values = read_values(path, hp_mgr, serial_format)
    hp_mgr.set_values(values, {name: {"kind": "values-file", "file": path} for name in values})


def hp_list(hp_mgr: HyperParameterManager, file: Any = None) -> None:
    """Print the detail table of `--hp-list detail`."""
    (file or sys.stdout).write(detail_table(hp_mgr))
