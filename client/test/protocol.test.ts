import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  childElements,
  collectOccurrences,
  countLeaves,
  markerSeverity,
  parseNode,
  parseShowUsesArgs,
  parseTreeResult,
  primaryLocation,
  type TreeElement,
} from '../src/protocol';

const loc = (uri: string, line: number) => ({
  uri,
  range: { start: { line, character: 2 }, end: { line, character: 6 } },
});

// What the server sends for `_('lr', 0.1)` in train.py and `_('model.depth', 4)` in model.py.
const wire = {
  managers: [
    {
      name: '_',
      nodes: [
        {
          name: 'lr', label: 'lr', kind: 'leaf', value: '0.1', type: 'float',
          default: loc('file:///w/train.py', 3), occurrences: [loc('file:///w/train.py', 3), loc('file:///w/model.py', 5)],
          problems: 0, children: [],
        },
        {
          name: 'model', label: 'model', kind: 'branch', value: null, type: null, default: null, occurrences: [],
          problems: 0,
          children: [
            {
              name: 'model.depth', label: 'depth', kind: 'leaf', value: '4', type: 'int',
              default: loc('file:///w/model.py', 7), occurrences: [loc('file:///w/model.py', 7)], problems: 1, children: [],
            },
            {
              name: 'model.width', label: 'width', kind: 'leaf', value: null, type: null,
              default: null, occurrences: [loc('file:///w/model.py', 9)], problems: 1, children: [],
            },
          ],
        },
      ],
    },
  ],
};

describe('parseTreeResult', () => {
  it('keeps a well-formed tree as it is', () => {
    const tree = parseTreeResult(wire);
    assert.equal(tree.managers.length, 1);
    assert.equal(tree.managers[0]?.name, '_');
    const [lr, model] = tree.managers[0]?.nodes ?? [];
    assert.deepEqual(lr?.default, loc('file:///w/train.py', 3));
    assert.equal(lr?.value, '0.1');
    assert.equal(lr?.type, 'float');
    assert.equal(lr?.occurrences.length, 2);
    assert.equal(model?.kind, 'branch');
    assert.deepEqual(model?.children.map((c) => [c.name, c.label, c.value, c.problems]), [
      ['model.depth', 'depth', '4', 1],
      ['model.width', 'width', null, 1],
    ]);
  });

  it('turns garbage into an empty tree instead of throwing', () => {
    for (const raw of [null, undefined, 42, 'x', [], {}, { managers: 3 }, { managers: [null, 1, { nodes: [] }] }]) {
      assert.deepEqual(parseTreeResult(raw), { managers: [] });
    }
  });

  it('drops malformed nodes and fills in missing fields', () => {
    const tree = parseTreeResult({
      managers: [{ name: 'hp', nodes: [null, { label: 'nameless' }, { name: 'a.b.c', children: 'no', default: { uri: 1 } }] }],
    });
    const nodes = tree.managers[0]?.nodes ?? [];
    assert.equal(nodes.length, 1);
    assert.deepEqual(nodes[0], {
      name: 'a.b.c', label: 'c', kind: 'leaf', value: null, type: null, default: null,
      occurrences: [], problems: 0, severity: null, messages: [], origin: null, defaultValue: null, children: [],
    });
  });

  it('infers branch when kind is missing but there are children', () => {
    const node = parseNode({ name: 'a', children: [{ name: 'a.b' }] });
    assert.equal(node?.kind, 'branch');
    assert.equal(node?.children[0]?.label, 'b');
  });
});

describe('tree helpers', () => {
  const tree = parseTreeResult(wire);
  const [lr, model] = tree.managers[0]?.nodes ?? [];

  it('counts names (leaves), not folders', () => {
    assert.equal(countLeaves(tree.managers[0]?.nodes ?? []), 3);
  });

  it('clicks go to the default, else the first occurrence', () => {
    assert.deepEqual(lr && primaryLocation(lr), loc('file:///w/train.py', 3));
    const width = model?.children[1];
    assert.deepEqual(width && primaryLocation(width), loc('file:///w/model.py', 9));
    assert.equal(model && primaryLocation(model), null);
  });

  it('a folder shows the occurrences of every name below it', () => {
    assert.deepEqual(model && collectOccurrences(model), [loc('file:///w/model.py', 7), loc('file:///w/model.py', 9)]);
  });
});

describe('childElements', () => {
  const names = (els: TreeElement[]) => els.map((e) => (e.type === 'manager' ? `[${e.manager.name}]` : `${e.manager}:${e.node.name}`));

  it('shows the names directly when there is one manager', () => {
    const tree = parseTreeResult(wire);
    const top = childElements(tree);
    assert.deepEqual(names(top), ['_:lr', '_:model']);
    assert.deepEqual(names(childElements(tree, top[1])), ['_:model.depth', '_:model.width']);
    assert.deepEqual(childElements(tree, top[0]), []);
  });

  it('shows managers as top-level items when there are several', () => {
    const tree = parseTreeResult({
      managers: [
        ...wire.managers,
        { name: 'hp', nodes: [{ name: 'seed', label: 'seed', kind: 'leaf', value: '0', occurrences: [], children: [] }] },
        { name: 'empty', nodes: [] },
      ],
    });
    const top = childElements(tree);
    assert.deepEqual(names(top), ['[_]', '[hp]']);
    assert.deepEqual(names(childElements(tree, top[1])), ['hp:seed']);
  });

  it('has no items for an empty result', () => {
    assert.deepEqual(childElements({ managers: [] }), []);
    assert.deepEqual(childElements({ managers: [{ name: '_', nodes: [] }] }), []);
  });
});

describe('problem markers', () => {
  const node = (extra: Record<string, unknown>) => {
    const n = parseNode({ name: 'warmup', kind: 'leaf', occurrences: [], problems: 1, ...extra });
    assert.ok(n);
    return n;
  };

  it('uses the severity the server sends, and lists the messages worst first', () => {
    const n = node({
      severity: 3,
      messages: [
        { severity: 4, code: 'hint-code', message: 'a hint' },
        { severity: 3, code: 'no-default', message: '`warmup` has no default' },
        { message: 42 },
      ],
    });
    assert.equal(markerSeverity(n), 3);
    assert.deepEqual(n.messages.map((m) => [m.severity, m.code, m.message]), [
      [3, 'no-default', '`warmup` has no default'],
      [4, 'hint-code', 'a hint'],
    ]);
  });

  it('falls back to the worst message, then to a warning for a bare count', () => {
    assert.equal(markerSeverity(node({ messages: [{ severity: 3, message: 'i' }, { severity: 1, message: 'e' }] })), 1);
    assert.equal(markerSeverity(node({})), 2);
    assert.equal(markerSeverity(node({ problems: 0 })), null);
    assert.equal(markerSeverity(node({ severity: 7, problems: 0 })), null);
  });

  it('gives hints no marker', () => {
    assert.equal(markerSeverity(node({ severity: 4 })), null);
    assert.equal(markerSeverity(node({ messages: [{ severity: 4, message: 'h' }] })), null);
  });
});

describe('parseShowUsesArgs', () => {
  const uses = [loc('file:///w/train.py', 3), loc('file:///w/model.py', 5)];

  it('reads the positional form of editor.action.showReferences', () => {
    assert.deepEqual(parseShowUsesArgs(['file:///w/model.py', { line: 5, character: 6 }, uses]),
      { uri: 'file:///w/model.py', position: { line: 5, character: 6 }, locations: uses });
  });

  it('reads one object, and takes the first use when the position is missing', () => {
    assert.deepEqual(parseShowUsesArgs([{ uri: 'file:///w/model.py', locations: [uses[1], 'junk'] }]),
      { uri: 'file:///w/model.py', position: { line: 5, character: 2 }, locations: [uses[1]] });
  });

  it('refuses what it cannot use', () => {
    for (const args of [[], ['_', 'lr'], [null, null, uses], ['file:///w/a.py', null, []], [{ uri: 1, locations: uses }]]) {
      assert.equal(parseShowUsesArgs(args), null, JSON.stringify(args));
    }
  });
});

describe('run-record origins', () => {
  it('keeps origin and defaultValue, and drops what is not a string', () => {
    const n = parseNode({ name: 'lr', value: '0.5', origin: 'command line --lr', defaultValue: '0.1' });
    assert.equal(n?.origin, 'command line --lr');
    assert.equal(n?.defaultValue, '0.1');
    const m = parseNode({ name: 'lr', origin: '', defaultValue: 3 });
    assert.equal(m?.origin, null);
    assert.equal(m?.defaultValue, null);
  });
});
