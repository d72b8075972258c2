// Pure helpers (no `vscode` import), unit-tested with node's test runner.
import * as fs from 'node:fs';
import * as path from 'node:path';

export const MIN_PYTHON: readonly [number, number] = [3, 9];

/** Expand `${workspaceFolder}`, `~` and workspace-relative paths in a configured interpreter. */
export function expandPath(value: string, workspaceFolder: string | undefined, home: string | undefined): string {
  let out = value.trim();
  if (workspaceFolder !== undefined) {
    out = out.split('${workspaceFolder}').join(workspaceFolder);
  }
  if (home !== undefined && (out === '~' || out.startsWith('~/'))) {
    out = home + out.slice(1);
  }
  // A relative path (".venv/bin/python") is relative to the workspace folder,
  // not to the server's working directory; a bare name is looked up on PATH.
  if (workspaceFolder !== undefined && out.includes('/') && !path.isAbsolute(out)) {
    out = path.resolve(workspaceFolder, out);
  }
  return out;
}

export type VersionCheck =
  | { ok: true; version: string }
  | { ok: false; reason: string };

/** Parse the output of `print('%d.%d.%d' % sys.version_info[:3])`. */
export function checkVersionOutput(stdout: string): VersionCheck {
  const m = /^(\d+)\.(\d+)\.(\d+)\s*$/.exec(stdout.trim());
  if (!m) {
    return { ok: false, reason: `unexpected output ${JSON.stringify(stdout.trim().slice(0, 200))}` };
  }
  const major = Number(m[1]);
  const minor = Number(m[2]);
  const version = `${m[1]}.${m[2]}.${m[3]}`;
  if (major < MIN_PYTHON[0] || (major === MIN_PYTHON[0] && minor < MIN_PYTHON[1])) {
    return { ok: false, reason: `it is Python ${version}, hpman needs Python ≥ ${MIN_PYTHON[0]}.${MIN_PYTHON[1]}` };
  }
  return { ok: true, version };
}

/** PYTHONPATH entries that make `python -m hpman_lsp` importable. */
export function serverPythonPath(extensionPath: string, exists: (p: string) => boolean = fs.existsSync): string[] {
  const bundled = path.join(extensionPath, 'bundled', 'libs');
  if (exists(path.join(bundled, 'hpman_lsp'))) {
    return [bundled];
  }
  // Development: running from a checkout (client/ next to server/).
  const source = path.resolve(extensionPath, '..', 'server');
  if (exists(path.join(source, 'hpman_lsp'))) {
    return [source];
  }
  return [bundled];
}

export function joinPythonPath(entries: string[], existing: string | undefined): string {
  const parts = [...entries];
  if (existing) {
    parts.push(existing);
  }
  return parts.join(path.delimiter);
}

/** Whether `file` lies inside one of the folders `parents`. */
export function isInsideAny(file: string, parents: string[]): boolean {
  const target = path.resolve(file);
  return parents.some((parent) => {
    const rel = path.relative(path.resolve(parent), target);
    return rel !== '' && rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
  });
}

/** What `WorkspaceConfiguration.inspect` tells about where a setting's value comes from. */
export interface SettingOrigin {
  workspaceValue?: unknown;
  workspaceFolderValue?: unknown;
}

/**
 * Whether the effective `hpman.valuesFile` is the user's own (user or remote
 * machine settings) rather than the workspace's: the server only reads a
 * values file outside the workspace when the user chose it.  In Restricted
 * Mode the workspace's value of this restricted setting is ignored, so the
 * effective one is always the user's.
 */
export function valuesFileFromUser(origin: SettingOrigin | undefined, trusted: boolean): boolean {
  if (!trusted) {
    return true;
  }
  return origin?.workspaceValue === undefined && origin?.workspaceFolderValue === undefined;
}

/**
 * The answer to a workspace/configuration item for section `hpman`, with
 * `valuesFileFromUser` added; other sections and non-objects pass unchanged.
 */
export function withValuesFileOrigin(section: string | undefined, value: unknown, fromUser: boolean): unknown {
  if (section !== 'hpman' || typeof value !== 'object' || value === null || Array.isArray(value)) {
    return value;
  }
  return { ...(value as Record<string, unknown>), valuesFileFromUser: fromUser };
}
