"""`bind`: one argparse option per hyperparameter, plus the `--hp-*` actions.

The parser's `parse_known_args` is wrapped (on that parser object only). After
argparse has parsed the command line, the wrapper

1. loads `--hp-load FILE` into the manager (before anything else),
2. applies the hyperparameters given on the command line (they override
   loaded values),
3. writes the effective value of every bound hyperparameter into the returned
   namespace (so loaded values show there too),
4. saves (`--hp-save FILE`), lists (`--hp-list`, `--hp-detail`) and exits
   (`--hp-exit`) as asked.

Parsing again first undoes what the previous parse set (unless the program has
changed those values since), so every parse reflects its own command line.
Errors in values or files are argparse errors: usage, one line naming the
option, file or key, exit status 2.
"""
import argparse
import sys
import types
from typing import Any, Dict, Iterable, List, Optional, Sequence, Set, Tuple, Union

from hpman import EmptyValue, HyperParameterManager, records
from hpman.values.assign import LoadError, flatten_loaded, prefixes_of, read_values  # noqa: F401
from hpman.values.detail import default_sources, detail_table
from hpman.values.safeio import ValuesError, drop_stdout
from hpman.values.store import FORMAT_CHOICES, UnknownExtension, save
from hpman.values.texts import list_json, list_yaml
from hpman.values_io import ValuesFileError

from . import config
from .option_types import ConversionError, StringAsDefault, from_text, is_literal, type_name

#: Action names accepted by `inject_actions`, in the order their options are added.
ACTIONS = ("save", "load", "list", "detail", "serial-format", "exit", "record")
_DEFAULT_ACTIONS = ACTIONS


def parse_action_list(inject_actions: Union[bool, Iterable[str]]) -> List[str]:
    """The actions to add, in the order their options are added (what `-h` shows). `True`
    means all of them, in canonical order; a list may name any subset, and its order is kept
    (as in hpargparse 0.14). `serial-format` comes with `save` or `load`, then `exit` with any
    action, after the listed ones."""
    if isinstance(inject_actions, bool):
        return list(_DEFAULT_ACTIONS) if inject_actions else []
    if isinstance(inject_actions, str):
        raise TypeError("inject_actions must be True, False or a list of action names, not a string")
    chosen: List[str] = []
    named = set()
    for name in inject_actions:
        key = str(name).replace("_", "-")
        if key not in ACTIONS:
            raise ValueError("unknown hpargparse action `{}` (choose from {})".format(name, ", ".join(ACTIONS)))
        named.add(key)
        if key not in chosen and key not in ("serial-format", "exit"):
            chosen.append(key)
    if "serial-format" in named or {"save", "load"} & named:
        chosen.append("serial-format")
    if named:
        chosen.append("exit")
    return chosen


def _escape(text: str) -> str:
    return text.replace("%", "%%")


def _checked_help(text: str) -> str:
    """A help hint as argparse will format it: `%` signs escaped unless it is a valid format."""
    try:
        text % {"default": None, "prog": "", "dest": "", "type": None, "choices": None,
                "metavar": None, "required": False, "help": "", "option_strings": "", "nargs": None, "const": None}
    except (ValueError, TypeError, KeyError):
        return _escape(text)
    return text


class _HPOption:
    """argparse `type=` for one hyperparameter: converts text to the default's type and
    tells the binding that the value came from the command line."""

    def __init__(self, binding: "_Binding", name: str, default: Any) -> None:
        self.binding = binding
        self.name = name
        self.default = default
        self.__name__ = type_name(default)

    def __call__(self, text: Any) -> Any:
        if isinstance(text, StringAsDefault):  # argparse converting the default, not user input
            return str(text)
        try:
            value = from_text(self.default, text)
        except ConversionError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
        self.binding.mark_given(self.name)
        return value

    def __repr__(self) -> str:
        return "<hpargparse type for `{}`: {}>".format(self.name, self.__name__)


def _dashes(parser: argparse.ArgumentParser) -> str:
    """`--`, or the doubled prefix character of a parser made with another `prefix_chars`."""
    chars = parser.prefix_chars or "-"
    return "--" if "-" in chars else chars[0] * 2


def _hints(hp_mgr: HyperParameterManager) -> Dict[str, Dict[str, Any]]:
    """Per name, the hints of its occurrences (a higher-priority occurrence wins per key)."""
    hints: Dict[str, Dict[str, Any]] = {}
    for row in hp_mgr.db:  # ascending priority: later rows override
        if row.hints and row.name is not None:
            hints.setdefault(row.name, {}).update(row.hints)
    return hints


class _Binding:
    def __init__(self, parser: argparse.ArgumentParser, hp_mgr: HyperParameterManager, actions: List[str],
                 prefix: str, serial_format: str, show_defaults: bool) -> None:
        if serial_format not in FORMAT_CHOICES:
            raise ValueError("serial_format must be one of {}, not {!r}".format(
                ", ".join(FORMAT_CHOICES), serial_format))
        self.parser = parser
        self.hp_mgr = hp_mgr
        self.actions = actions
        self.prefix = prefix
        self.serial_format = serial_format
        self.show_defaults = show_defaults
        self.show_record = False   # list --hp-record in the help (when `inject_actions` names it)
        self.options: Dict[str, str] = {}          # hyperparameter name -> namespace attribute
        self.required: Dict[str, argparse.Action] = {}  # hyperparameters with the `required` hint
        self.action_dests: Dict[str, str] = {}     # action -> namespace attribute
        self._given: List[Set[str]] = []           # one set per parse in progress
        self._applied: Dict[str, Tuple[Any, Any, Any]] = {}  # name -> (value before, its origin, value we set)

    # -- building the parser ---------------------------------------------------------
    def action_option(self, action: str) -> str:
        return _dashes(self.parser) + (self.prefix + "-" if self.prefix else "") + action

    def add_hyperparameters(self) -> None:
        existing = self.parser._option_string_actions
        hints = _hints(self.hp_mgr)
        sources = default_sources(self.hp_mgr)
        seen: Dict[str, str] = {}
        for name, value in self.hp_mgr.get_values().items():
            if not name:
                continue
            # a default that is not a literal (`get_date()`) takes a literal or, failing that, the text
            option = _dashes(self.parser) + name.replace("_", "-")
            if option in seen:
                raise ValueError("hpargparse: hyperparameters `{}` and `{}` would both be the option `{}`".format(
                    seen[option], name, option))
            if option in existing:
                raise ValueError("hpargparse: cannot add `{}` for hyperparameter `{}`: the parser already has "
                                 "that option".format(option, name))
            seen[option] = name
            hint = hints.get(name, {})
            kwargs: Dict[str, Any] = {}
            help_text = hint.get("help")
            if help_text is None:
                help_text = "A {} hyper-parameter named `{}`.".format(type_name(value), _escape(name))
            else:
                help_text = _checked_help(str(help_text))
            if self.show_defaults and "%(default)" not in help_text:
                help_text += " (default: {})".format(_escape(sources[name])) if name in sources and not is_literal(
                    value) else " (default: %(default)s)"
            kwargs["help"] = help_text
            if hint.get("choices") is not None:
                try:
                    kwargs["choices"] = list(hint["choices"])
                except TypeError:
                    raise ValueError("hpargparse: the `choices` hint of hyperparameter `{}` must be a list, not "
                                     "{!r}".format(name, hint["choices"])) from None
            if hint.get("required"):
                kwargs["required"] = True
            if isinstance(value, bool) and "choices" not in kwargs:
                kwargs["metavar"] = "{True,False}"
            default = StringAsDefault(value) if isinstance(value, str) else value
            action = self.parser.add_argument(option, dest=name, type=_HPOption(self, name, value), default=default,
                                              **kwargs)
            self.options[name] = name
            if action.required:
                self.required[name] = action

    def add_actions(self) -> None:
        for action in self.actions:
            option = self.action_option(action)
            if action == "save":
                act = self.parser.add_argument(option, help=(
                    "Save hyperparameters to a file. The hyperparameters are saved after processing of all "
                    "other options"))
            elif action == "load":
                act = self.parser.add_argument(option, help=(
                    "Load hyperparameters from a file. The hyperparameters are loaded before any other "
                    "options are processed"))
            elif action == "list":
                act = self.parser.add_argument(
                    option, nargs="?", const="yaml", default=None, choices=["detail", "yaml", "json"],
                    help="List all available hyperparameters. If `{} detail` is specified, a verbose table will "
                         "be print".format(_escape(option)))
            elif action == "detail":
                act = self.parser.add_argument(option, action="store_true", help="Shorthand for {} detail".format(
                    _escape(self.action_option("list"))))
            elif action == "serial-format":
                act = self.parser.add_argument(
                    option, default=self.serial_format, choices=list(FORMAT_CHOICES),
                    help="Format of the saved config file. Defaults to {}. Can be set to override auto file "
                         "type deduction.".format(self.serial_format))
            elif action == "record":
                # hpargparse 0.14's help has no --hp-record: it shows only when asked for by name
                record_help = argparse.SUPPRESS if not self.show_record else (
                    "Write a run record into DIR: the values (as {} writes them), where each came from, "
                    "the command line, the start time and the git commit".format(
                        _escape(self.action_option("save"))))
                act = self.parser.add_argument(option, metavar="DIR", help=record_help)
            else:
                act = self.parser.add_argument(option, action="store_true",
                                               help="process all hpargparse actions and quit")
            self.action_dests[action] = act.dest

    # -- parsing ---------------------------------------------------------------------
    def mark_given(self, name: str) -> None:
        if self._given:
            self._given[-1].add(name)

    def undo_previous(self) -> None:
        """Put back the values the previous parse replaced, unless the program changed them since."""
        applied, self._applied = self._applied, {}
        restore, origins = {}, {}
        for name, (before, origin, ours) in applied.items():
            if self.hp_mgr.get_value(name, raise_exception=False) is ours and not isinstance(before, EmptyValue):
                restore[name], origins[name] = before, origin
        if restore:
            self.hp_mgr.set_values(restore, origins)

    def wrap(self, original: Any) -> Any:
        binding = self

        def parse_known_args(parser: argparse.ArgumentParser, args: Optional[Sequence[str]] = None,
                             namespace: Optional[argparse.Namespace] = None) -> Tuple[argparse.Namespace, List[str]]:
            preset = set(vars(namespace)) if namespace is not None else set()
            binding.undo_previous()
            binding._given.append(set())
            # a values file may provide the required hyperparameters: check them after loading
            relaxed = [a for a in binding.required.values() if a.required] if binding.loads(args) else []
            for action in relaxed:
                action.required = False
            try:
                ns, extras = original(args, namespace)
            finally:
                given = binding._given.pop()
                for action in relaxed:
                    action.required = True
            given |= {name for name, dest in binding.options.items() if dest in preset}
            binding.after_parse(ns, given, [a.option_strings[0] for a in relaxed])
            return ns, extras

        return parse_known_args

    def loads(self, args: Optional[Sequence[str]]) -> bool:
        """Whether the command line (probably) asks to load a values file."""
        if "load" not in self.actions:
            return False
        option = self.action_option("load")
        for arg in (sys.argv[1:] if args is None else args):
            if not isinstance(arg, str):
                continue
            if arg == "--":
                break
            head = arg.split("=", 1)[0]
            if head == option or (getattr(self.parser, "allow_abbrev", True) and len(head) > 2
                                  and head[0] in self.parser.prefix_chars and option.startswith(head)):
                return True
        return False

    def _action_value(self, ns: argparse.Namespace, action: str) -> Any:
        if action not in self.action_dests:
            return None
        return getattr(ns, self.action_dests[action], None)

    def after_parse(self, ns: argparse.Namespace, given: Set[str], required: Sequence[str] = ()) -> None:
        hp_mgr = self.hp_mgr
        before = hp_mgr.get_values()
        serial_format = self._action_value(ns, "serial-format") or self.serial_format
        started = records.now()
        new_values: Dict[str, Any] = {}
        origins: Dict[str, Any] = {}
        load_path = self._action_value(ns, "load")
        if load_path is not None:
            try:
                new_values.update(read_values(load_path, hp_mgr, serial_format))
            except ValuesError as exc:
                self.parser.error(str(exc))
            origins = {name: {"kind": "values-file", "file": load_path} for name in new_values}
        missing = [option for option in required
                   if self.parser._option_string_actions[option].dest not in new_values
                   and self.parser._option_string_actions[option].dest not in given]
        if missing:
            self.parser.error("the following arguments are required: {}".format(", ".join(missing)))
        for name in given:
            new_values[name] = getattr(ns, self.options[name])
            origins[name] = {"kind": "command-line", "option": _dashes(self.parser) + name.replace("_", "-")}
        if new_values:
            empty = EmptyValue()
            current = records.origins_of(hp_mgr)
            previous = {name: (before.get(name, empty), current.get(name)) for name in new_values}
            hp_mgr.set_values(new_values, origins)
            self._applied = {name: previous[name] + (value,) for name, value in new_values.items()}
        for name, dest in self.options.items():
            setattr(ns, dest, hp_mgr.get_value(name, raise_exception=False))

        save_path = self._action_value(ns, "save")
        if save_path is not None:
            try:
                skipped = save(save_path, hp_mgr.get_values(), serial_format)
            except UnknownExtension as exc:
                if getattr(self.parser, "exit_on_error", True) is False:
                    raise exc.as_value_error() from None   # as hpargparse 0.14 did
                self.parser.error(str(exc))
            except ValuesError as exc:
                self.parser.error(str(exc))
            for name in skipped:
                print("{}: warning: not saving `{}`: its value is not a literal".format(self.parser.prog, name),
                      file=sys.stderr)

        record_dir = self._action_value(ns, "record")
        if record_dir is not None:
            try:
                records.write_record(hp_mgr, record_dir, started=started)
            except (records.RecordError, ValuesFileError) as exc:
                self.parser.error(str(exc))

        listing = self._action_value(ns, "list")
        if self._action_value(ns, "detail"):
            listing = "detail"
        if listing is not None:
            values = hp_mgr.get_values()
            if listing == "detail":
                text = detail_table(hp_mgr)
            elif listing == "json":
                text = list_json(values, default_sources(hp_mgr))
            else:
                text = list_yaml(values, default_sources(hp_mgr))
            try:
                sys.stdout.write(text)
                sys.stdout.flush()
            except OSError as exc:   # `--hp-list > /dev/full`: one line, not a traceback at exit
                drop_stdout()
                self.parser.exit(1, "{}: error: cannot write the listing: {}\n".format(
                    self.parser.prog, exc.strerror or exc))
            self.parser.exit(0)
        if self._action_value(ns, "exit"):
            self.parser.exit(0)


def bind(parser: argparse.ArgumentParser, hp_mgr: HyperParameterManager, *,
         inject_actions: Union[bool, List[str]] = True, action_prefix: str = config.HP_ACTION_PREFIX_DEFAULT,
         serial_format: str = config.HP_SERIAL_FORMAT_DEFAULT, show_defaults: bool = True) -> argparse.ArgumentParser:
    """Add one option per hyperparameter of `hp_mgr` to `parser`, and the hpargparse actions.

    :param parser: an `argparse.ArgumentParser` (a subparser works too).
    :param hp_mgr: the manager, usually `_` from `from hpman.m import _`, after `_.parse_file(...)`.
    :param inject_actions: True (all actions), False (none) or a list naming some of
        'save', 'load', 'list', 'detail', 'serial-format', 'exit', 'record' (`--hp-record DIR`; True
        includes it but keeps it out of the help, which stays that of hpargparse 0.14).
    :param action_prefix: the actions' options are `--<prefix>-save`, `--<prefix>-load`, ...
    :param serial_format: 'auto' (from the file extension: .yaml/.yml, .json, .pickle/.pkl),
        'yaml', 'json' or 'pickle'; the default of `--hp-serial-format`.
    :param show_defaults: append "(default: <value>)" to each hyperparameter's help.
    :return: the parser.
    """
    actions = parse_action_list(inject_actions)
    binding = _Binding(parser, hp_mgr, actions, action_prefix, serial_format, show_defaults)
    binding.show_record = not isinstance(inject_actions, bool) and "record" in actions
    binding.add_hyperparameters()
    binding.add_actions()
    # the parser's own parse_known_args, wrapped, as an attribute of this parser only
    parser.parse_known_args = types.MethodType(  # type: ignore[method-assign]
        binding.wrap(parser.parse_known_args), parser)
    bindings = getattr(parser, "_hpargparse_bindings", [])
    vars(parser)["_hpargparse_bindings"] = bindings + [binding]
    return parser


def parse_args(hp_mgr: HyperParameterManager, sources: Any = None, *, argv: Optional[Sequence[str]] = None,
               parser: Optional[argparse.ArgumentParser] = None, **bind_kwargs: Any) -> argparse.Namespace:
    """The usual four lines in one call::

        args = hpargparse.parse_args(_, 'src_dir')

    parses `sources` (a file, a directory or a list of both; skipped when None),
    binds `hp_mgr` to `parser` (a new ArgumentParser when None) with `bind_kwargs`,
    and parses `argv` (the command line when None).
    """
    if sources is not None:
        hp_mgr.parse_file(sources)
    if parser is None:
        parser = argparse.ArgumentParser()
    bind(parser, hp_mgr, **bind_kwargs)
    return parser.parse_args(argv)
