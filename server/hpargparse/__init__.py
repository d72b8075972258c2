"""hpargparse: command-line options for every hyperparameter of an hpman manager.

    parser = argparse.ArgumentParser()
    _.parse_file(__file__)
    hpargparse.bind(parser, _)
    args = parser.parse_args()

or in one call: `args = hpargparse.parse_args(_, __file__)`.
"""
from . import hputils, serial  # noqa: F401  (`hpargparse.hputils.StringAsDefault` works after `import hpargparse`, as in 0.14)
from .binding import bind, parse_args
from .option_types import StringAsDefault

__version__ = "1.0.0"
__all__ = ["bind", "parse_args", "StringAsDefault", "hputils", "__version__"]
