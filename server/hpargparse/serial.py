"""Saving and loading values files: the core format of `hpman.values`, under the names
hpargparse has always used (`SerialError` is `hpman.values.ValuesError`)."""
from hpman.values.jsonfmt import from_json_data, json_text, to_json_data  # noqa: F401
from hpman.values.picklefmt import SafeUnpickler  # noqa: F401
from hpman.values.safeio import ValuesError as SerialError  # noqa: F401
from hpman.values.store import (  # noqa: F401
                                EXTENSIONS,
                                FORMAT_CHOICES,
                                FORMATS,
                                MAX_LOADED_ITEMS,
                                UnknownExtension,
                                dumps,
                                format_of,
                                load,
                                loads,
                                save,
)
from hpman.values.yamlfmt import Dumper, Loader, read_yaml, yaml_text  # noqa: F401
