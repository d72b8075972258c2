"""The server stays up: errors inside handlers are logged and answered; odd input is survived."""
import random
import shutil

import pytest
from lsp_helpers import FIXTURE, uri
from lsprotocol import types as T
from pygls.exceptions import JsonRpcException


async def still_serving(s):
    hover = await s.hover("train.py", s.pos("train.py", "'lr'", 1))
    assert hover is not None and "`lr`" in hover.contents.value


async def raw_request(s, method, params):
    """Send a request as raw JSON (the typed client would refuse malformed params)."""
    import asyncio
    from concurrent.futures import Future
    protocol = s.client.protocol
    msg_id = "raw-{}".format(len(protocol._request_futures) + random.randrange(10 ** 9))
    future = Future()
    protocol._request_futures[msg_id] = future
    message = {"jsonrpc": "2.0", "id": msg_id, "method": method}
    if params is not ...:
        message["params"] = params
    protocol._send_data(message)
    return await asyncio.wait_for(asyncio.wrap_future(future), 10)


async def test_malformed_params_are_answered_with_an_error(start):
    s = await start()
    with pytest.raises(JsonRpcException):
        await raw_request(s, "textDocument/hover", {"textDocument": {}})
    with pytest.raises(JsonRpcException):
        await raw_request(s, "textDocument/definition", {"textDocument": {"uri": 5}, "position": "here"})
    with pytest.raises(JsonRpcException):
        await s.client.protocol.send_request_async("hpman/noSuchMethod", {})
    await still_serving(s)


async def test_custom_request_without_params(start):
    s = await start()
    for params in (..., None, {}):
        tree = await raw_request(s, "hpman/tree", params)
        assert [m.name for m in tree.managers] == ["_", "hp"]


async def test_an_exception_inside_a_handler_is_logged_and_answered_empty(start):
    # a lone surrogate is not Unicode: converting a UTF-8 column on that line fails inside the handler
    s = await start(encodings=["utf-8"])
    text = "from hpman.m import _\nx = '\ud800'; y = _('lr')\n"
    s.open("bad.py", text)
    await s.settle()
    before = len(s.client.log_messages)
    result = await s.client.text_document_hover_async(T.HoverParams(
        T.TextDocumentIdentifier(s.uri("bad.py")), T.Position(1, 14)))
    assert result is None
    errors = [m for m in s.client.log_messages[before:] if m.type == T.MessageType.Error]
    assert errors and "textDocument/hover failed" in errors[0].message
    await still_serving(s)


async def test_notifications_for_documents_never_opened_are_ignored(start, tmp_path):
    s = await start()
    ghost = uri(tmp_path / "ghost.py")
    s.client.text_document_did_change(T.DidChangeTextDocumentParams(
        T.VersionedTextDocumentIdentifier(uri=ghost, version=3),
        [T.TextDocumentContentChangeWholeDocument(text="from hpman.m import _\n_('x', 1)\n")]))
    s.client.text_document_did_close(T.DidCloseTextDocumentParams(T.TextDocumentIdentifier(ghost)))
    s.client.workspace_did_change_watched_files(T.DidChangeWatchedFilesParams(
        [T.FileEvent(uri="untitled:Untitled-2", type=T.FileChangeType.Changed),
         T.FileEvent(uri=ghost, type=T.FileChangeType.Deleted)]))
    await still_serving(s)


async def test_uris_are_answered_as_the_client_spelled_them(start, tmp_path):
    root = tmp_path / "我的 ws"
    shutil.copytree(FIXTURE, root)
    canonical = root.as_uri()                                   # …/%E6%88%91%E7%9A%84%20ws
    spelled = canonical.replace("%E6%88%91%E7%9A%84", "%e6%88%91%e7%9a%84")
    assert spelled != canonical
    s = await start(root=root, folder_uri=spelled)
    # train.py is asked about with yet another spelling: the answer keeps it for train.py,
    # and spells files the client never named after the workspace folder's URI
    train_uri = spelled.replace("%20", "%20") + "/train.py"
    opened = train_uri.replace("%e6", "%E6")
    s.client.text_document_did_open(T.DidOpenTextDocumentParams(T.TextDocumentItem(
        uri=opened, language_id="python", version=1, text=s.text("train.py"))))
    refs = await s.client.text_document_references_async(T.ReferenceParams(
        text_document=T.TextDocumentIdentifier(opened), position=s.pos("train.py", "'lr'", 1),
        context=T.ReferenceContext(include_declaration=True)))
    assert sorted({r.uri for r in refs}) == sorted({opened, spelled + "/model.py"})


async def test_clean_shutdown(start):
    s = await start()
    await s.client.shutdown_session()
    assert s.client._server.returncode == 0


async def test_long_random_edit_session_matches_a_fresh_open(start):
    s = await start()
    rng = random.Random(1234)
    text = s.text("model.py")
    s.open("model.py")
    pieces = ["_('lr', 0.3)", "_('model.depth')", "'", "(", ")", "\n", "中文", "🚀", " ", "x = ", ",", "0.5",
              "_('new.name', [1, 2])", "def f(:\n", "#"]
    for step in range(150):
        lines = text.split("\n")
        line = rng.randrange(len(lines))
        a = rng.randint(0, len(lines[line]))
        b = min(len(lines[line]), a + rng.choice([0, 0, 1, 3]))
        new = rng.choice(pieces) if rng.random() < 0.8 else ""
        start_pos = T.Position(line, len(lines[line][:a].encode("utf-16-le")) // 2)
        end_pos = T.Position(line, len(lines[line][:b].encode("utf-16-le")) // 2)
        s.replace("model.py", T.Range(start_pos, end_pos), new)
        offset = sum(len(l) + 1 for l in lines[:line])
        text = text[:offset + a] + new + text[offset + b:]
        if step % 10 == 0:
            await s.client.text_document_hover_async(T.HoverParams(
                T.TextDocumentIdentifier(s.uri("model.py")), start_pos))
    await s.settle()
    incremental = [(d.code, d.range, d.message) for d in s.diagnostics("model.py")]
    # the same final text opened fresh (full sync) gives the same diagnostics
    s.close("model.py")
    s.open("model.py", text)
    await s.settle()
    fresh = [(d.code, d.range, d.message) for d in s.diagnostics("model.py")]
    assert incremental == fresh
    await still_serving(s)
