"""Soak: a long random session against the real server.

A generated workspace of modules with random hyperparameter calls; then a few
thousand random operations, bounded in time: incremental and full didChange on
open documents (CJK text included, so UTF-16 positions matter), hover /
definition / references / completion / documentHighlight / hpman/tree requests
(some in concurrent bursts), files created, modified and deleted on disk with
didChangeWatchedFiles, opens and closes. Checks:

- every request is answered (a result or null, never an error, never a timeout);
- the server process is alive at the end;
- its memory settles: VmRSS of the server process (/proc/<pid>/status; the
  pytest-lsp client keeps the asyncio subprocess as `client._server`) grows by
  less than a bound in the second half of the session, which runs the same
  workload as the first;
- the server's final view (hpman/tree) equals a full index of the final texts.

The figures are printed (run with -s to see them) and kept in the test report.
"""
import asyncio
import random
import time

from lsprotocol import types as T

from hpman.index import queries as Q
from hpman.index.workspace import Workspace

OPS = 3000
SECONDS = 40.0
MIN_OPS = 500   # done even past SECONDS on a loaded machine
NAMES = ["lr", "batch", "model.depth", "model.width", "opt.momentum", "学习率", "data.path", "seed", "a.b.c"]
VALUES = ["1", "0.1", "'x'", "[1, 2]", "{'k': 1}", "None", "f(x)", "'中文'"]
SNIPPETS = ["_('lr')", "_('{}', {})", "# 注释 中文\n", "\n", "x = 1\n", "_(", "'", ")", "  ", "hp('lr', 2)\n",
            "def f(_):\n    return _('shadow', 1)\n", "print('学习率')\n", "\n\n\n"]


def rss_kb(pid):
    with open("/proc/{}/status".format(pid)) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def module(rnd, i):
    lines = ["from hpman.m import _, hp", "# 模块 {}".format(i)]
    for j in range(rnd.randint(2, 12)):
        name = rnd.choice(NAMES)
        if rnd.random() < 0.4:
            lines.append("v{} = _({!r}, {})  # 值".format(j, name, rnd.choice(VALUES)))
        else:
            lines.append("v{} = _({!r})".format(j, name))
    if rnd.random() < 0.3:
        lines.append("def g(_):\n    return _('local', 1)")
    return "\n".join(lines) + "\n"


def position(text, offset):
    """LSP position (UTF-16) of a character offset."""
    line = text.count("\n", 0, offset)
    start = text.rfind("\n", 0, offset) + 1
    return T.Position(line, len(text[start:offset].encode("utf-16-le")) // 2)


def plain(obj):
    if hasattr(obj, "_asdict"):
        return {k: plain(v) for k, v in obj._asdict().items()}
    if isinstance(obj, (list, tuple)):
        return [plain(o) for o in obj]
    return obj


def tree_view(tree):
    out = {}

    def walk(nodes, manager):
        for node in nodes:
            out[(manager, node["name"])] = (node["kind"], node["value"])
            walk(node["children"], manager)
    for mgr in plain(tree)["managers"]:
        walk(mgr["nodes"], mgr["name"])
    return out


def expected_view(root, open_texts):
    """What a full index of the final texts says, in the shape of tree_view."""
    ws = Workspace([str(root)], cache=False)
    ws.scan()
    for path, text in open_texts.items():
        ws.set_text(path, text)
    out = {}

    def walk(nodes, manager):
        for node in nodes:
            out[(manager, node.name)] = ("branch" if node.children else "leaf", node.value)
            walk(Q.children_of(node), manager)
    for manager in ws.managers():
        walk(Q.name_tree(ws, manager), manager)
    return out


async def test_a_long_random_session(start, tmp_path, record_property):
    rnd = random.Random(20261129)
    root = tmp_path / "soak"
    (root / "pkg").mkdir(parents=True)
    for i in range(16):
        (root / ("pkg" if i % 2 else "") / "m{}.py".format(i)).write_text(module(rnd, i), encoding="utf-8")
    s = await start(root=root)
    pid = s.client._server.pid
    rss = {"start": rss_kb(pid)}

    files = sorted(str(p.relative_to(root)) for p in root.rglob("*.py"))
    texts = {}          # open documents: rel -> text
    stats = {"requests": 0, "answered": 0, "null": 0, "changes": 0, "file_events": 0, "opens": 0, "closes": 0}
    errors = []

    async def request(coro):
        stats["requests"] += 1
        try:
            result = await asyncio.wait_for(coro, 30)
        except Exception as exc:  # noqa: B902 - any failure is reported below
            errors.append(repr(exc))
            return None
        stats["answered"] += 1
        if result is None:
            stats["null"] += 1
        return result

    def random_position(rel):
        text = texts.get(rel)
        if text is None:
            text = (root / rel).read_text(encoding="utf-8") if (root / rel).exists() else ""
        offset = rnd.randint(0, len(text))
        return text, position(text, offset)

    def requests_for(rel):
        doc = T.TextDocumentIdentifier(s.uri(rel))
        _text, pos = random_position(rel)
        kind = rnd.randrange(6)
        c = s.client
        if kind == 0:
            return c.text_document_hover_async(T.HoverParams(text_document=doc, position=pos))
        if kind == 1:
            return c.text_document_definition_async(T.DefinitionParams(text_document=doc, position=pos))
        if kind == 2:
            return c.text_document_references_async(T.ReferenceParams(
                text_document=doc, position=pos, context=T.ReferenceContext(include_declaration=True)))
        if kind == 3:
            return c.text_document_completion_async(T.CompletionParams(text_document=doc, position=pos))
        if kind == 4:
            return c.text_document_document_highlight_async(T.DocumentHighlightParams(text_document=doc, position=pos))
        return c.protocol.send_request_async("hpman/tree", {})

    def edit(rel):
        text = texts[rel]
        kind = rnd.random()
        if kind < 0.05:
            new = module(rnd, rnd.randrange(100))
            s.replace_all(rel, new)
            texts[rel] = new
        else:
            a = rnd.randint(0, len(text))
            b = min(len(text), a + rnd.choice([0, 0, 1, 3, 10]))
            snippet = rnd.choice(SNIPPETS)
            if "{}" in snippet:
                snippet = snippet.format(rnd.choice(NAMES), rnd.choice(VALUES))
            s.replace(rel, T.Range(position(text, a), position(text, b)), snippet)
            texts[rel] = text[:a] + snippet + text[b:]
        stats["changes"] += 1

    def file_event():
        rel = rnd.choice(files + ["new{}.py".format(rnd.randrange(5))])
        path = root / rel
        if rel in texts:
            return
        action = rnd.random()
        if action < 0.6:
            path.write_text(module(rnd, rnd.randrange(100)), encoding="utf-8")
            kind = T.FileChangeType.Changed
        elif path.exists():
            path.unlink()
            kind = T.FileChangeType.Deleted
        else:
            return
        if rel not in files and path.exists():
            files.append(rel)
        if not path.exists() and rel in files:
            files.remove(rel)
        s.disk_changed(rel, kind)
        stats["file_events"] += 1

    started = time.monotonic()
    op = 0
    while op < OPS and (op < MIN_OPS or time.monotonic() - started < SECONDS):
        if "middle" not in rss and (op == OPS // 2 or (op >= MIN_OPS // 2 and time.monotonic() - started > SECONDS / 2)):
            await s.settle()
            rss["middle"] = rss_kb(pid)
        r = rnd.random()
        if r < 0.45 and texts:
            edit(rnd.choice(sorted(texts)))
        elif r < 0.55 and files:
            rel = rnd.choice(files)
            if rel in texts:
                s.close(rel)
                del texts[rel]
                stats["closes"] += 1
            elif (root / rel).exists():
                texts[rel] = (root / rel).read_text(encoding="utf-8")
                s.open(rel, texts[rel])
                stats["opens"] += 1
        elif r < 0.62:
            file_event()
        elif not (texts or files):
            file_event()   # every file was deleted: make one before asking about it
        elif r < 0.80:
            await request(requests_for(rnd.choice(sorted(texts) or files)))
        else:
            burst = [requests_for(rnd.choice(sorted(texts) or files)) for _ in range(rnd.randint(2, 8))]
            await asyncio.gather(*(request(c) for c in burst))
        op += 1
    await s.settle()
    rss.setdefault("middle", rss["start"])
    rss["end"] = rss_kb(pid)
    elapsed = time.monotonic() - started

    figures = "ops={} in {:.1f}s; requests sent={} answered={} (null={}); changes={} file events={} opens={} " \
              "closes={}; VmRSS start={} KiB middle={} KiB end={} KiB".format(
                  op, elapsed, stats["requests"], stats["answered"], stats["null"], stats["changes"],
                  stats["file_events"], stats["opens"], stats["closes"], rss["start"], rss["middle"], rss["end"])
    print("\nSOAK " + figures)
    record_property("soak", figures)

    assert not errors, errors[:5]
    assert stats["answered"] == stats["requests"] and stats["requests"] >= 300
    assert op >= MIN_OPS, figures
    assert s.client._server.returncode is None, "the server died"
    # memory settles: the second half (same workload) adds little
    assert rss["end"] - rss["middle"] < max(30 * 1024, rss["middle"] // 4), figures
    # and the server's live state equals a full index of the final texts
    final = tree_view(await s.client.protocol.send_request_async("hpman/tree", {}))
    want = expected_view(root, {str(root / rel): text for rel, text in texts.items()})
    assert {k: v[0] for k, v in final.items()} == {k: v[0] for k, v in want.items()}
    assert final == want
