import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { checkVersionOutput, expandPath, isInsideAny, joinPythonPath, serverPythonPath, valuesFileFromUser, withValuesFileOrigin } from '../src/util';

describe('checkVersionOutput', () => {
  it('accepts Python 3.9 and later', () => {
    assert.deepEqual(checkVersionOutput('3.9.0\n'), { ok: true, version: '3.9.0' });
    assert.deepEqual(checkVersionOutput('3.14.1'), { ok: true, version: '3.14.1' });
    assert.deepEqual(checkVersionOutput('4.0.0'), { ok: true, version: '4.0.0' });
  });
  it('refuses older Pythons with a message naming the version', () => {
    const r = checkVersionOutput('3.8.18');
    assert.equal(r.ok, false);
    assert.match(r.ok ? '' : r.reason, /3\.8\.18.*3\.9/);
    assert.equal(checkVersionOutput('2.7.18').ok, false);
  });
  it('refuses output that is not a version', () => {
    assert.equal(checkVersionOutput('').ok, false);
    assert.equal(checkVersionOutput('Python 3.11.2').ok, false);
  });
});

describe('expandPath', () => {
  it('expands ${workspaceFolder} and ~', () => {
    assert.equal(expandPath(' ${workspaceFolder}/.venv/bin/python ', '/w', '/home/u'), '/w/.venv/bin/python');
    assert.equal(expandPath('~/py/bin/python3', '/w', '/home/u'), '/home/u/py/bin/python3');
    assert.equal(expandPath('python3', undefined, undefined), 'python3');
    assert.equal(expandPath('a~b', '/w', '/home/u'), 'a~b');
  });
  it('resolves relative paths against the workspace folder, leaves bare names for PATH', () => {
    assert.equal(expandPath('.venv/bin/python', '/w', '/home/u'), '/w/.venv/bin/python');
    assert.equal(expandPath('./py/../env/bin/python3', '/w', undefined), '/w/env/bin/python3');
    assert.equal(expandPath('python3.12', '/w', '/home/u'), 'python3.12');
    assert.equal(expandPath('.venv/bin/python', undefined, undefined), '.venv/bin/python');
  });
});

describe('serverPythonPath', () => {
  const ext = '/x/ext';
  it('prefers the bundled libs', () => {
    const have = new Set([path.join(ext, 'bundled', 'libs', 'hpman_lsp'), '/x/server/hpman_lsp']);
    assert.deepEqual(serverPythonPath(ext, (p) => have.has(p)), [path.join(ext, 'bundled', 'libs')]);
  });
  it('falls back to the checkout next to client/ during development', () => {
    const have = new Set(['/x/server/hpman_lsp']);
    assert.deepEqual(serverPythonPath(ext, (p) => have.has(p)), ['/x/server']);
  });
  it('joins with an existing PYTHONPATH, ours first', () => {
    assert.equal(joinPythonPath(['/a'], '/b:/c'), ['/a', '/b:/c'].join(path.delimiter));
    assert.equal(joinPythonPath(['/a'], undefined), '/a');
    assert.equal(joinPythonPath(['/a'], ''), '/a');
  });
});

describe('isInsideAny', () => {
  it('finds a file inside a workspace folder', () => {
    assert.equal(isInsideAny('/w/proj/.venv/bin/python', ['/other', '/w/proj']), true);
    assert.equal(isInsideAny('/w/proj/sub/../.venv/bin/python', ['/w/proj']), true);
    assert.equal(isInsideAny('/w/proj/..venv/bin/python', ['/w/proj']), true);
  });
  it('does not confuse siblings, parents or prefixes', () => {
    assert.equal(isInsideAny('/usr/bin/python3', ['/w/proj']), false);
    assert.equal(isInsideAny('/w/proj2/bin/python', ['/w/proj']), false);
    assert.equal(isInsideAny('/w/proj', ['/w/proj']), false);
    assert.equal(isInsideAny('/w/python', ['/w/proj']), false);
    assert.equal(isInsideAny('/w/proj/../python', ['/w/proj']), false);
    assert.equal(isInsideAny('/x', []), false);
  });
});

describe('valuesFileFromUser', () => {
  it("is the user's when no workspace level sets it, or in Restricted Mode", () => {
    assert.equal(valuesFileFromUser({}, true), true);
    assert.equal(valuesFileFromUser(undefined, true), true);
    assert.equal(valuesFileFromUser({ workspaceValue: 'v.yaml' }, true), false);
    assert.equal(valuesFileFromUser({ workspaceFolderValue: '' }, true), false);
    assert.equal(valuesFileFromUser({ workspaceValue: '../v.yaml' }, false), true);
  });

  it('is added to the hpman section only', () => {
    assert.deepEqual(withValuesFileOrigin('hpman', { valuesFile: 'v.yaml' }, false), { valuesFile: 'v.yaml', valuesFileFromUser: false });
    assert.deepEqual(withValuesFileOrigin('python', { a: 1 }, true), { a: 1 });
    assert.equal(withValuesFileOrigin('hpman', null, true), null);
    assert.equal(withValuesFileOrigin(undefined, 3, true), 3);
  });
});
