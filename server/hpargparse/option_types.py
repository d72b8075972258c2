"""How a hyperparameter's default decides what values it accepts (see
`hpman.values.literals`), and `StringAsDefault`, argparse's side of it."""
from hpman.values.literals import (
    LITERAL_TYPES,
    ConversionError,
    NoneType,
    from_loaded,
    from_text,
    is_literal,
    kind_of,
    literal,
    parse_bool,
    plain,
    type_name,
)

__all__ = ["LITERAL_TYPES", "ConversionError", "NoneType", "StringAsDefault", "from_loaded", "from_text",
           "is_literal", "kind_of", "literal", "parse_bool", "plain", "type_name"]


class StringAsDefault(str):
    """A string default handed to argparse (`add_argument(default=StringAsDefault(s))`).

    argparse passes a string default through the option's `type` function; the
    mark tells that function the text is the default, not something typed on the
    command line, so the hyperparameter is not treated as set by the user.
    """
