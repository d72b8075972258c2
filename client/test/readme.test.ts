// The extension's README (its marketplace page) documents every setting of
// package.json, with the same default, and no setting that does not exist.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';

const CLIENT = path.resolve(__dirname, '..', '..');

interface Property {
  default?: unknown;
}

function settingsTable(readme: string): Map<string, string> {
  const section = readme.split(/^## /m).find((s) => s.startsWith('Settings\n'));
  assert.ok(section, 'client/README.md has no "## Settings" section');
  const rows = new Map<string, string>();
  for (const line of section.split('\n')) {
    const m = /^\| `([^`]+)` \| `([^`]*)` \|/.exec(line);
    if (m) {
      assert.ok(!rows.has(m[1]), `${m[1]} is listed twice`);
      rows.set(m[1], m[2]);
    }
  }
  return rows;
}

describe('client/README.md', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(CLIENT, 'package.json'), 'utf8')) as {
    contributes: { configuration: { properties: Record<string, Property> } };
  };
  const readme = fs.readFileSync(path.join(CLIENT, 'README.md'), 'utf8');

  it("lists package.json's settings, in its order, with their defaults", () => {
    const properties = pkg.contributes.configuration.properties;
    const table = settingsTable(readme);
    assert.deepEqual([...table.keys()], Object.keys(properties));
    for (const [name, prop] of Object.entries(properties)) {
      assert.equal(table.get(name), JSON.stringify(prop.default), `the default of ${name}`);
    }
  });

  it('shows images that exist in the repository', () => {
    const images = [...readme.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((m) => m[1]);
    assert.ok(images.length > 0, 'no screenshots');
    for (const image of images) {
      assert.ok(!/^\w+:/.test(image), `${image}: use a path in the repository`);
      assert.ok(fs.existsSync(path.resolve(CLIENT, image)), `${image} does not exist`);
    }
  });
});
