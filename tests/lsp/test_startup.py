"""Start-up: indexing with work-done progress, file watchers, settings, no workspace code run."""
import pytest
from lsprotocol import types as T


async def test_initial_index_reports_work_done_progress(start):
    s = await start()
    (token, reports), = [(t, r) for t, r in s.client.progress_reports.items()]
    kinds = [type(r).__name__ for r in reports]
    assert kinds[0] == "WorkDoneProgressBegin" and kinds[-1] == "WorkDoneProgressEnd"
    assert "hpman" in reports[0].title
    assert any(isinstance(r, T.WorkDoneProgressReport) for r in reports)
    # after the end, the index answers
    result = await s.client.protocol.send_request_async("hpman/tree", {})
    assert [m.name for m in result.managers] == ["_", "hp"]


async def test_server_registers_watchers_for_python_and_values_files(start):
    s = await start()
    await s.until(lambda: s.registrations, what="client/registerCapability")
    (reg,) = s.registrations
    assert reg.method == "workspace/didChangeWatchedFiles"
    globs = {w["globPattern"] for w in reg.register_options["watchers"]}
    assert "**/*.py" in globs and "**/*.yaml" in globs


async def test_workspace_code_is_never_imported(start, workspace):
    s = await start()
    s.open("evil.py")
    hover = await s.hover("evil.py", s.pos("evil.py", "'evil.level'", 1))
    assert "`evil.level`" in hover.contents.value
    await s.settle()
    assert not list(workspace.rglob("IMPORTED_MARKER"))


async def test_capabilities_are_advertised(start):
    s = await start()
    caps = s.init_result.capabilities
    assert caps.hover_provider and caps.definition_provider and caps.references_provider
    assert caps.document_highlight_provider and caps.workspace_symbol_provider
    assert caps.code_action_provider and caps.code_lens_provider and caps.inlay_hint_provider
    assert caps.rename_provider.prepare_provider is True
    assert "'" in caps.completion_provider.trigger_characters
    assert caps.text_document_sync.change == T.TextDocumentSyncKind.Incremental
    assert caps.diagnostic_provider is None      # push only: no pull diagnostics, no doubles
    assert s.init_result.server_info.name == "hpman-lsp"


async def test_first_publish_waits_for_the_configuration(start):
    # the client answers workspace/configuration late; nothing may be published before
    s = await start(settings={"exclude": ["problems.py"], "valuesFile": "values.yaml"}, config_delay=1.0)
    await s.until(lambda: s.diagnostics("dup_a.py"), what="diagnostics")
    published = {p.uri for p in s.published}
    assert s.uri("problems.py") not in published
    assert s.uri("values.yaml") in published          # the values file was known at the first publish
    assert s.config_requests >= 1


async def test_settings_as_initialization_options(start):
    s = await start(init_options={"hpman": {"valuesFile": "values.yaml", "exclude": ["problems.py"]}},
                    configuration=False)
    await s.until(lambda: s.diagnostics("values.yaml"), what="values file diagnostics")
    assert s.uri("problems.py") not in {p.uri for p in s.published}
    text = (await s.hover("train.py", s.pos("train.py", "'lr'", 1))).contents.value
    assert "`0.05` (float)" in text


async def test_settings_change_is_applied(start):
    s = await start()
    await s.until(lambda: s.diagnostics("problems.py"), what="problems.py diagnostics")
    assert "`0.1` (float)" in (await s.hover("train.py", s.pos("train.py", "'lr'", 1))).contents.value
    s.client.set_configuration({"valuesFile": "values.yaml", "exclude": ["problems.py"]}, section="hpman")
    s.client.workspace_did_change_configuration(T.DidChangeConfigurationParams(settings=None))
    await s.until(lambda: s.diagnostics("problems.py") is not None and len(s.diagnostics("problems.py")) == 0, what="excluded file cleared")
    await s.until(lambda: s.diagnostics("values.yaml"), what="values file diagnostics")
    assert "`0.05` (float)" in (await s.hover("train.py", s.pos("train.py", "'lr'", 1))).contents.value
    # the excluded file is no longer part of the index
    assert await s.hover("problems.py", s.pos("problems.py", "'epochz'", 1)) is None


async def test_initial_diagnostics_cover_the_workspace_without_opening_files(start):
    s = await start()
    await s.until(lambda: s.diagnostics("broken.py"), what="diagnostics")
    assert s.codes("dup_a.py") == ["duplicate-default"]
    assert s.codes("broken.py") == ["syntax-error"]
    assert s.diagnostics("model.py") is None          # clean files are not spammed with empty lists


async def test_workspace_folders_added_and_removed(start, tmp_path):
    from lsp_helpers import uri
    s = await start()
    second = tmp_path / "second"
    second.mkdir()
    (second / "more.py").write_text("from hpman.m import _\n\nm = _('lr', 0.9)\n", encoding="utf-8")
    s.client.workspace_did_change_workspace_folders(T.DidChangeWorkspaceFoldersParams(
        T.WorkspaceFoldersChangeEvent(added=[T.WorkspaceFolder(uri(second), "second")], removed=[])))
    more = uri(second / "more.py")
    await s.until(lambda: s.client.diagnostics.get(more), what="the added folder's diagnostics")
    assert [d.code for d in s.client.diagnostics[more]] == ["duplicate-default"]
    s.client.workspace_did_change_workspace_folders(T.DidChangeWorkspaceFoldersParams(
        T.WorkspaceFoldersChangeEvent(added=[], removed=[T.WorkspaceFolder(uri(second), "second")])))
    await s.until(lambda: s.client.diagnostics.get(more) == () or s.client.diagnostics.get(more) == [],
                  what="the removed folder's diagnostics cleared")
    await s.diagnostics_where("model.py", lambda d: len(d) == 0, "model.py clean again")


def test_command_line(tmp_path):
    import os
    import subprocess
    import sys

    from lsp_helpers import SERVER_DIR
    env = dict(os.environ, PYTHONPATH=str(SERVER_DIR))
    out = subprocess.run([sys.executable, "-m", "hpman_lsp", "--version"], capture_output=True, text=True,
                         env=env, cwd=str(tmp_path), timeout=60)
    assert out.returncode == 0 and out.stdout.startswith("hpman-lsp ")
    # `--stdio` is accepted (editors pass it); with stdin closed at once the server exits cleanly
    out = subprocess.run([sys.executable, "-m", "hpman_lsp", "--stdio"], input="", capture_output=True,
                         text=True, env=env, cwd=str(tmp_path), timeout=60)
    assert out.returncode == 0, out.stderr
    script = os.path.join(os.path.dirname(sys.executable), "hpman-lsp")
    if os.path.exists(script):   # the console script declared in pyproject.toml
        out = subprocess.run([script, "--version"], capture_output=True, text=True, timeout=60)
        assert out.returncode == 0 and out.stdout.startswith("hpman-lsp ")


async def test_a_values_file_outside_the_workspace_is_watched_by_its_own_pattern(start, tmp_path):
    outside = tmp_path / "configs"
    outside.mkdir()
    (outside / "run.yaml").write_text("lr: 0.25\n", encoding="utf-8")
    s = await start(settings={"valuesFile": str(outside / "run.yaml"), "valuesFileFromUser": True})
    assert "`0.25` (float)" in (await s.hover("train.py", s.pos("train.py", "'lr'", 1))).contents.value
    await s.until(lambda: len(s.registrations) == 2, what="the values file's watcher")
    own = [r for r in s.registrations if r.id != "hpman-watched-files"][0]
    (watcher,) = own.register_options["watchers"]
    assert watcher["globPattern"]["pattern"] == "run.yaml"
    assert watcher["globPattern"]["baseUri"] == outside.as_uri()
    (outside / "run.yaml").write_text("lr: 0.75\n", encoding="utf-8")
    s.client.workspace_did_change_watched_files(T.DidChangeWatchedFilesParams(
        [T.FileEvent(uri=(outside / "run.yaml").as_uri(), type=T.FileChangeType.Changed)]))
    await s.settle()
    assert "`0.75` (float)" in (await s.hover("train.py", s.pos("train.py", "'lr'", 1))).contents.value


async def test_settings_pushed_with_did_change_configuration(start):
    # a client without workspace/configuration sends the settings in the notification
    s = await start(configuration=False)
    assert "`0.1` (float)" in (await s.hover("train.py", s.pos("train.py", "'lr'", 1))).contents.value
    s.client.workspace_did_change_configuration(T.DidChangeConfigurationParams(
        settings={"hpman": {"valuesFile": "values.yaml"}}))
    await s.until(lambda: s.diagnostics("values.yaml"), what="values file diagnostics")
    assert "`0.05` (float)" in (await s.hover("train.py", s.pos("train.py", "'lr'", 1))).contents.value
    assert s.config_requests == 0


@pytest.mark.parametrize("where", ["/etc/passwd", "../secret.yaml"])
async def test_a_workspace_values_file_outside_the_workspace_is_not_read(start, workspace, where):
    """A workspace's own settings cannot make the editor read files elsewhere (the check is
    hpman.values.location's); the message names the setting's path only, once."""
    (workspace.parent / "secret.yaml").write_text("lr: 0.999\nsecret_key: 1\n", encoding="utf-8")
    s = await start(settings={"valuesFile": where})
    hover = await s.hover("train.py", s.pos("train.py", "'lr'", 1))
    assert "0.999" not in hover.contents.value and "`0.1` (float)" in hover.contents.value
    await s.until(lambda: s.client.messages, what="the refusal message")
    (message,) = s.client.messages
    assert message.type == T.MessageType.Warning and where in message.message and "outside" in message.message
    assert not any("secret_key" in d.message for ds in s.client.diagnostics.values() for d in ds)


async def test_settings_are_read_per_folder(start, workspace, tmp_path):
    """Each folder's exclude globs apply to that folder only (asked per folder scope)."""
    other = tmp_path / "other"
    other.mkdir()
    (other / "kept.py").write_text("from hpman.m import _\nk = _('other.kept', 1)\n", encoding="utf-8")
    (other / "skip.py").write_text("from hpman.m import _\ns = _('other.skipped', 1)\n", encoding="utf-8")
    (workspace / "skip.py").write_text("from hpman.m import _\ns = _('ws.skip_kept', 1)\n", encoding="utf-8")
    s = await start(settings={}, more_folders={other: {"exclude": ["skip.py"]}})
    tree = await s.client.protocol.send_request_async("hpman/tree", {})
    names = set()

    def walk(nodes):
        for n in nodes:
            names.add(n.name if hasattr(n, "name") else n["name"])
            walk(n.children if hasattr(n, "children") else n["children"])
    for m in (tree.managers if hasattr(tree, "managers") else tree["managers"]):
        walk(m.nodes if hasattr(m, "nodes") else m["nodes"])
    assert {"other.kept", "ws.skip_kept"} <= names and "other.skipped" not in names
