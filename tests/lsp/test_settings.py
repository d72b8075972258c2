"""Typed settings (hpman_lsp/settings.py): what editors send, read one way."""
from hpman_lsp.settings import Settings, combine, parse


def test_settings_nested_or_flat_with_a_string_for_one_glob():
    assert parse({"hpman": {"exclude": "build/**", "valuesFile": "v.yaml"}}) == Settings(["build/**"], "v.yaml")
    assert parse({"exclude": ["a", ""], "values_file": "w.yaml"}) == Settings(["a"], "w.yaml")
    assert parse(None) == Settings() and parse("nonsense") == Settings()


def test_a_value_of_the_wrong_type_is_dropped_and_the_others_kept():
    got = parse({"exclude": 3, "valuesFile": "v.yaml", "valuesFileFromUser": "yes please"})
    assert got.exclude == [] and got.values_file == "v.yaml"
    assert parse({"exclude": ["a", 3, None], "valuesFile": ["x"]}) == Settings(["a"], None)


def test_the_values_file_is_the_first_folders_that_names_one_and_must_be_inside(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    got = combine([str(a), str(b)], Settings(), [Settings(["x"]), Settings([], "v.yaml")])
    assert got.values_file == str(b / "v.yaml") and got.values_refused is None
    assert got.exclude_of(str(a)) == ["x"] and got.exclude_of(str(b)) == []
    refused = combine([str(a)], Settings(), [Settings([], "/etc/passwd")])
    assert refused.values_file is None and "/etc/passwd" in refused.values_refused
    user = combine([str(a)], Settings(), [Settings([], "/etc/hpman.yaml", True)])
    assert user.values_file == "/etc/hpman.yaml"
