"""`python -m hpman_lsp` / `hpman-lsp`: the language server over stdio."""
import argparse
import logging
import sys
from typing import Optional, Sequence

from . import __version__


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="hpman-lsp", description="hpman language server (LSP over stdio)")
    parser.add_argument("--stdio", action="store_true", help="talk LSP over stdin/stdout (the default)")
    parser.add_argument("--log-file", help="write the server's log to this file")
    parser.add_argument("--log-level", default="WARNING", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    parser.add_argument("--version", action="version", version="hpman-lsp " + __version__)
    args = parser.parse_args(argv)
    where = {"filename": args.log_file} if args.log_file else {"stream": sys.stderr}
    logging.basicConfig(**where, level=getattr(logging, args.log_level),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.log_level != "DEBUG":
        logging.getLogger("pygls").setLevel(logging.WARNING)   # pygls logs every message body at INFO
    from .server import create_server
    return create_server().start_io()   # 1 after `exit` without `shutdown`


if __name__ == "__main__":
    sys.exit(main())
