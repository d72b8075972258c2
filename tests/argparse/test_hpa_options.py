"""One option per hyperparameter, typed from its default."""
import argparse

import pytest
from hpa_helpers import hpm, make_mgr, new_parser, run  # noqa: F401  (fixtures)

import hpargparse
import hpman
from hpargparse.hputils import StringAsDefault

SOURCE = '''
from hpman.m import _
_('lr', 0.1)
_('num_layers', 3)
_('use_bn', True)
_('arch', 'resnet')
_('epochs', [30, 60])
_('shape', (3, 224))
_('tags', {'a', 'b'})
_('opt', {'beta': 0.9})
_('anything', None)
_('model.depth', 50)
_('z', 1+2j)
_('raw', b'xy')
'''


@pytest.fixture
def parser(make_mgr):
    mgr = make_mgr(SOURCE)
    p = new_parser()
    hpargparse.bind(p, mgr)
    p.mgr = mgr
    return p


def test_option_names_and_dests(parser, run):
    r = run(parser, [])
    assert r.code is None
    ns = vars(r.ns)
    for name in ("lr", "num_layers", "use_bn", "arch", "epochs", "shape", "tags", "opt", "anything",
                 "model.depth", "z", "raw"):
        assert name in ns
    strings = parser._option_string_actions
    assert "--num-layers" in strings and "--use-bn" in strings and "--model.depth" in strings
    assert "--num_layers" not in strings
    assert ns["lr"] == 0.1 and ns["arch"] == "resnet" and type(ns["arch"]) is str


@pytest.mark.parametrize("argv,name,expected", [
    (["--lr", "1e-4"], "lr", 1e-4),
    (["--lr", "3"], "lr", 3.0),
    (["--num-layers", "7"], "num_layers", 7),
    (["--num-layers", "0x10"], "num_layers", 16),
    (["--arch", "vgg"], "arch", "vgg"),
    (["--arch", "[1, 2]"], "arch", "[1, 2]"),
    (["--epochs", "[1, 2, 3]"], "epochs", [1, 2, 3]),
    (["--epochs", "[]"], "epochs", []),
    (["--shape", "(1, 2)"], "shape", (1, 2)),
    (["--shape", "1, 2"], "shape", (1, 2)),
    (["--tags", "{'x'}"], "tags", {"x"}),
    (["--tags", "set()"], "tags", set()),
    (["--opt", "{'beta': 0.5, 'eps': [1e-8]}"], "opt", {"beta": 0.5, "eps": [1e-8]}),
    (["--anything", "'text'"], "anything", "text"),
    (["--anything", "[1, (2, 3)]"], "anything", [1, (2, 3)]),
    (["--anything", "None"], "anything", None),
    (["--model.depth", "101"], "model.depth", 101),
    (["--z", "3j"], "z", 3j),
    (["--raw", "b'ab'"], "raw", b"ab"),
])
def test_values_are_typed_from_the_default(parser, run, argv, name, expected):
    r = run(parser, argv)
    assert r.code is None, r.err
    value = getattr(r.ns, name)
    assert value == expected and type(value) is type(expected)
    assert parser.mgr.get_value(name) == expected
    assert type(parser.mgr.get_value(name)) is type(expected)


@pytest.mark.parametrize("text,expected", [
    ("true", True), ("True", True), ("YES", True), ("yes", True), ("1", True),
    ("false", False), ("FALSE", False), ("no", False), ("No", False), ("0", False),
])
def test_bool_words(parser, run, text, expected):
    r = run(parser, ["--use-bn", text])
    assert r.code is None and r.ns.use_bn is expected
    assert parser.mgr.get_value("use_bn") is expected


def test_bool_metavar(parser):
    assert "--use-bn {True,False}" in parser.format_help()


@pytest.mark.parametrize("argv,option", [
    (["--epochs", "[1,"], "--epochs"),
    (["--epochs", "(1, 2)"], "--epochs"),
    (["--epochs", "__import__('os')"], "--epochs"),
    (["--opt", "[1]"], "--opt"),
    (["--opt", "{'a': "], "--opt"),
    (["--tags", "{[1]}"], "--tags"),
    (["--tags", "[[1]]"], "--tags"),
    (["--shape", "3"], "--shape"),
    (["--shape", "[4, 5]"], "--shape"),
    (["--tags", "['x']"], "--tags"),
    (["--anything", "not a literal"], "--anything"),
    (["--anything", "[" * 100000 + "]" * 100000], "--anything"),
    (["--num-layers", "1.5"], "--num-layers"),
    (["--num-layers", "ten"], "--num-layers"),
    (["--lr", "fast"], "--lr"),
    (["--use-bn", "maybe"], "--use-bn"),
    (["--z", "j j"], "--z"),
    (["--raw", "'text'"], "--raw"),
])
def test_malformed_values_are_usage_errors(parser, run, argv, option):
    before = parser.mgr.get_values()
    r = run(parser, argv)
    assert r.code == 2
    assert "Traceback" not in r.err
    lines = r.err.strip().splitlines()
    assert lines[0].startswith("usage: prog")
    assert lines[-1].startswith("prog: error: argument {}: ".format(option))
    assert parser.mgr.get_values() == before


def test_help_texts(parser):
    help_text = " ".join(parser.format_help().split())
    assert "A float hyper-parameter named `lr`. (default: 0.1)" in help_text
    assert "A int hyper-parameter named `num_layers`. (default: 3)" in help_text
    assert "A list hyper-parameter named `epochs`. (default: [30, 60])" in help_text
    assert "A str hyper-parameter named `arch`. (default: resnet)" in help_text
    assert "A NoneType hyper-parameter named `anything`. (default: None)" in help_text
    assert "A tuple hyper-parameter named `shape`. (default: (3, 224))" in help_text


def test_show_defaults_false(make_mgr):
    mgr = make_mgr("from hpman.m import _\n_('lr', 0.1)\n")
    p = new_parser()
    hpargparse.bind(p, mgr, show_defaults=False)
    text = " ".join(p.format_help().split())
    assert "A float hyper-parameter named `lr`." in text
    assert "(default:" not in text


def test_hints_help_choices_required(make_mgr, run):
    mgr = make_mgr('''
        from hpman.m import _
        _('optimizer', 'adam', choices=['adam', 'sgd'], help='which optimizer, 100% tested')
        _('seed', 0, required=True)
        _('dropout', 0.5, help='drop rate (default %(default)s)')
    ''')
    p = new_parser()
    hpargparse.bind(p, mgr)
    text = " ".join(p.format_help().split())
    assert "--optimizer {adam,sgd}" in text
    assert "which optimizer, 100% tested (default: adam)" in text
    assert "drop rate (default 0.5)" in text
    r = run(p, ["--optimizer", "sgd"])
    assert r.code == 2 and "--seed" in r.err.strip().splitlines()[-1]
    r = run(p, ["--seed", "1", "--optimizer", "rmsprop"])
    assert r.code == 2
    last = r.err.strip().splitlines()[-1]
    assert last.startswith("prog: error: argument --optimizer: invalid choice:") and "rmsprop" in last
    r = run(p, ["--seed", "1", "--optimizer", "sgd"])
    assert r.code is None and (r.ns.optimizer, r.ns.seed) == ("sgd", 1)
    assert mgr.get_value("optimizer") == "sgd"


def test_string_default_is_not_taken_as_given(make_mgr, run):
    mgr = make_mgr("from hpman.m import _\n_('arch', 'resnet')\n")
    p = new_parser()
    hpargparse.bind(p, mgr)
    action = p._option_string_actions["--arch"]
    assert isinstance(action.default, StringAsDefault) and action.default == "resnet"
    r = run(p, [])
    assert r.ns.arch == "resnet" and type(r.ns.arch) is str
    # untouched: the value still comes from the parsed source, not from a setter
    assert mgr.get_occurrence("arch").priority == 1


NON_LITERAL_SRC = "from hpman.m import _\nimport datetime\n_('date', datetime.date.today().isoformat())\n_('k', 2)\n"


@pytest.mark.parametrize("text, expected", [
    ("2021-01-01", "2021-01-01"),      # not a literal: the text itself
    ("[1, 2]", [1, 2]),                # a literal: its value
    ("'quoted'", "quoted"),
    ("(1,", "(1,"),
])
def test_non_literal_default_takes_a_literal_or_the_text(make_mgr, run, text, expected):
    mgr = make_mgr(NON_LITERAL_SRC)
    p = new_parser()
    hpargparse.bind(p, mgr)
    r = run(p, ["--date", text, "--k", "3"])
    assert r.code is None and r.ns.k == 3
    assert r.ns.date == expected and mgr.get_value("date") == expected


def test_non_literal_default_untouched_without_its_option(make_mgr, run):
    mgr = make_mgr(NON_LITERAL_SRC)
    p = new_parser()
    hpargparse.bind(p, mgr)
    r = run(p, [])
    assert r.code is None and isinstance(mgr.get_value("date"), hpman.NotLiteralEvaluable)
    help_text = p.format_help()
    assert "--date DATE" in help_text and "(default: datetime.date.today().isoformat())" in " ".join(help_text.split())


@pytest.mark.parametrize("fmt, expected", [
    ("yaml", "date: datetime.date.today().isoformat()\nk: 2\n"),
    ("json", '{\n  "date": "datetime.date.today().isoformat()",\n  "k": 2\n}\n'),
])
def test_non_literal_default_listed_as_its_source(make_mgr, run, fmt, expected):
    mgr = make_mgr(NON_LITERAL_SRC)
    p = new_parser()
    hpargparse.bind(p, mgr)
    r = run(p, ["--hp-list", fmt])
    assert r.code == 0 and r.out == expected


def test_lambda_default_gets_an_option(make_mgr, run):
    mgr = make_mgr("from hpman.m import _\n_('fn', lambda x: x)\n_('k', 2)\n")
    p = new_parser()
    hpargparse.bind(p, mgr)
    r = run(p, ["--fn", "abs", "--k", "3"])
    assert r.code is None and r.ns.k == 3 and r.ns.fn == "abs"


def test_name_clash_is_a_clear_error(make_mgr):
    mgr = make_mgr("from hpman.m import _\n_('a_b', 1)\n_('a-b', 2)\n")
    with pytest.raises(ValueError, match="`a_b` and `a-b`"):
        hpargparse.bind(new_parser(), mgr)
    p = new_parser()
    p.add_argument("--lr")
    mgr2 = __import__("hpman").HyperParameterManager("_")
    mgr2.parse_source("_('lr', 0.1)")
    with pytest.raises(ValueError, match="--lr"):
        hpargparse.bind(p, mgr2)


def test_other_prefix_chars(run):
    mgr = __import__("hpman").HyperParameterManager("_")
    mgr.parse_source("_('lr', 0.1)")
    p = argparse.ArgumentParser(prog="prog", prefix_chars="+")
    hpargparse.bind(p, mgr)
    assert "++lr" in p._option_string_actions and "++hp-list" in p._option_string_actions
    r = run(p, ["++lr", "0.5"])
    assert r.code is None and r.ns.lr == 0.5


def test_bad_choices_hint_is_a_clear_error():
    mgr = __import__("hpman").HyperParameterManager("_")
    mgr.parse_source("_('k', 1, choices=5)")
    with pytest.raises(ValueError, match="`choices` hint of hyperparameter `k`"):
        hpargparse.bind(new_parser(), mgr)


def test_required_hint_can_be_met_by_a_values_file(make_mgr, run, tmp_path):
    mgr = make_mgr("from hpman.m import _\n_('seed', 0, required=True)\n_('lr', 0.1)\n")
    p = new_parser()
    hpargparse.bind(p, mgr)
    assert "--seed SEED" in p.format_usage() and "[--seed SEED]" not in p.format_usage()
    with_seed = tmp_path / "seed.yaml"
    with_seed.write_text("seed: 7\n")
    without = tmp_path / "lr.yaml"
    without.write_text("lr: 0.5\n")
    r = run(p, ["--hp-load", str(with_seed)])
    assert r.code is None, r.err
    assert r.ns.seed == 7
    r = run(p, ["--hp-load={}".format(without)])
    assert r.code == 2
    assert r.err.strip().splitlines()[-1] == "prog: error: the following arguments are required: --seed"
    r = run(p, ["--hp-load", str(without), "--seed", "3"])
    assert r.code is None and (r.ns.seed, r.ns.lr) == (3, 0.5)
    r = run(p, [])
    assert r.code == 2 and "required: --seed" in r.err
    assert p._option_string_actions["--seed"].required
