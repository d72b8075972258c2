"""Fixtures of the pytest-lsp tests: `workspace` (a copy of tests/fixtures/lsp_workspace) and
`start` (the real server over stdio); helpers are in lsp_helpers.py."""
import asyncio
import os
import shutil
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest
import pytest_asyncio
from lsp_helpers import FIXTURE, SERVER_DIR, Session, capabilities, profile_capabilities, uri
from lsprotocol import types as T
from pygls.protocol import default_converter
from pytest_lsp import LanguageClient
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    shutil.copytree(FIXTURE, root)
    return root


@pytest_asyncio.fixture
async def start(tmp_path: Path, workspace: Path):
    """`await start(...)` → a Session whose initial index is done."""
    sessions: List[Session] = []

    async def _start(encodings: Optional[List[str]] = None, settings: Optional[Dict[str, Any]] = None,
                     init_options: Any = None, root: Optional[Path] = None, configuration: bool = True,
                     folder_uri: Optional[str] = None, wait: bool = True,
                     config_delay: float = 0.0, no_folders: bool = False, watch: bool = True,
                     profile: Optional[str] = None, more_folders: Optional[Dict[Path, Dict[str, Any]]] = None,
                     notebooks: bool = False) -> Session:
        root = root or workspace
        client = LanguageClient(converter_factory=default_converter)
        overridden = {T.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS, T.WORKSPACE_CONFIGURATION}
        register_lsp_features(client, {k: v for k, v in DEFAULT_CLIENT_FEATURES.items() if k not in overridden})
        session = Session(client, root, "utf-16")

        @client.feature(T.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def publish(params: T.PublishDiagnosticsParams):
            session.published.append(params)
            client.diagnostics[params.uri] = params.diagnostics

        @client.feature(T.WORKSPACE_CONFIGURATION)
        async def answer_configuration(params: T.ConfigurationParams):
            session.config_requests += 1
            if config_delay:
                await asyncio.sleep(config_delay)
            return [client.get_configuration(section=i.section, scope_uri=i.scope_uri) for i in params.items]

        @client.feature(T.CLIENT_REGISTER_CAPABILITY)
        def register_capability(params: T.RegistrationParams):
            session.registrations.extend(params.registrations)
            return None

        @client.feature(T.CLIENT_UNREGISTER_CAPABILITY)
        def unregister_capability(params: T.UnregistrationParams):
            gone = {u.id for u in params.unregisterations}
            session.registrations[:] = [r for r in session.registrations if r.id not in gone]
            return None

        @client.feature("hpman/treeChanged")
        def tree_changed(params):
            session.tree_changed += 1
            session.tree_changed_params.append(params)

        if settings is not None:
            client.set_configuration(settings, section="hpman")
        for extra, scoped in (more_folders or {}).items():   # other folders, each with its own settings
            client.set_configuration(scoped, section="hpman", scope_uri=uri(extra))
        env = dict(os.environ, HPMAN_CACHE_DIR=str(tmp_path / "cache"),
                   PYTHONPATH=os.pathsep.join([str(SERVER_DIR), os.environ.get("PYTHONPATH", "")]))
        debug = ["--log-file", os.environ["HPMAN_LSP_TEST_LOG"], "--log-level", "DEBUG"] \
            if os.environ.get("HPMAN_LSP_TEST_LOG") else []     # to see what a failing test's server did
        await client.start_io(sys.executable, "-m", "hpman_lsp", *debug, env=env, cwd=str(tmp_path))
        sessions.append(session)
        folder = folder_uri or uri(root)
        profile = profile or os.environ.get("HPMAN_LSP_CLIENT")
        caps = profile_capabilities(profile, encodings, configuration, watch) if profile \
            else capabilities(encodings, configuration, watch)
        if notebooks:   # a client that syncs notebook documents (VS Code does; the tests open them regardless)
            caps.notebook_document = T.NotebookDocumentClientCapabilities(
                synchronization=T.NotebookDocumentSyncClientCapabilities())
        result = await client.initialize_session(T.InitializeParams(
            capabilities=caps,
            workspace_folders=None if no_folders else [T.WorkspaceFolder(uri=folder, name="ws")] + [
                T.WorkspaceFolder(uri=uri(extra), name=extra.name) for extra in (more_folders or {})],
            initialization_options=init_options))
        session.init_result = result
        if result.capabilities.position_encoding:
            enc = result.capabilities.position_encoding
            session.encoding = getattr(enc, "value", enc)
        if wait:
            await session.until(session.indexing_ended, what="the initial index")
        return session

    yield _start
    for session in sessions:
        try:
            await asyncio.wait_for(session.client.shutdown_session(), 10)
        except Exception:
            pass
        finally:
            server = session.client._server
            if server is not None and server.returncode is None:
                server.kill()
            await asyncio.wait_for(session.client.stop(), 10)
