// The hpman language server's custom protocol: the `hpman/tree` request and
// the `hpman/treeChanged` notification that says when to ask again.
import type { Location } from 'vscode-languageclient/node';

/** One hyperparameter (leaf) or one dotted prefix (branch). */
export interface HpNode {
  /** Full dotted name, e.g. "model.lr". */
  name: string;
  /** Last component, e.g. "lr". */
  label: string;
  kind: 'leaf' | 'branch';
  /** Python repr of the effective value, null when none. */
  value: string | null;
  /** Type name of the value, e.g. "float"; may be empty for branches. */
  type?: string | null;
  /** Where a run record's value came from in that run (e.g. "command line --lr"), else null. */
  origin: string | null;
  /** The default's source text in code, null when there is none. */
  defaultValue: string | null;
  /** Where the default is defined, null when nowhere. */
  default: Location | null;
  occurrences: Location[];
  /** Number of this name's own problems. */
  problems: number;
  /** LSP DiagnosticSeverity (1 error … 4 hint) of the worst of them; null when unknown or none. */
  severity: Severity | null;
  /** The problems themselves, worst first (servers that only count them send none). */
  messages: HpProblem[];
  children: HpNode[];
}

/** LSP DiagnosticSeverity: 1 error, 2 warning, 3 information, 4 hint. */
export type Severity = 1 | 2 | 3 | 4;

export interface HpProblem {
  severity: Severity;
  code: string | null;
  message: string;
}

export interface HpManager {
  /** The manager's placeholder name, e.g. "_". */
  name: string;
  nodes: HpNode[];
}

export interface HpTreeResult {
  managers: HpManager[];
}

export const TREE_REQUEST = 'hpman/tree';
export const TREE_CHANGED_NOTIFICATION = 'hpman/treeChanged';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isLocation(v: unknown): v is Location {
  return isObject(v) && typeof v.uri === 'string' && isObject(v.range);
}

function asSeverity(v: unknown): Severity | null {
  return v === 1 || v === 2 || v === 3 || v === 4 ? v : null;
}

function parseProblem(raw: unknown): HpProblem | null {
  if (!isObject(raw) || typeof raw.message !== 'string') {
    return null;
  }
  return {
    severity: asSeverity(raw.severity) ?? 2,
    code: typeof raw.code === 'string' || typeof raw.code === 'number' ? String(raw.code) : null,
    message: raw.message,
  };
}

/**
 * How a name is marked in the tree: the severity the server gives, else the
 * worst of its messages, else a warning when it only counts problems.  Hints
 * get no marker (the Problems panel does not list them either).
 */
export function markerSeverity(node: Pick<HpNode, 'problems' | 'severity' | 'messages'>): Exclude<Severity, 4> | null {
  let worst: Severity | null = node.severity;
  if (worst === null && node.messages.length > 0) {
    worst = Math.min(...node.messages.map((m) => m.severity)) as Severity;
  }
  if (worst === null && node.problems > 0) {
    worst = 2;
  }
  return worst === 4 ? null : worst;
}

/** Validate and normalise one node from the wire; null when it is unusable. */
export function parseNode(raw: unknown): HpNode | null {
  if (!isObject(raw) || typeof raw.name !== 'string') {
    return null;
  }
  const name = raw.name;
  const label = typeof raw.label === 'string' && raw.label !== '' ? raw.label : name.split('.').pop() ?? name;
  const children = Array.isArray(raw.children)
    ? raw.children.map(parseNode).filter((n): n is HpNode => n !== null)
    : [];
  const kind = raw.kind === 'branch' || raw.kind === 'leaf' ? raw.kind : children.length > 0 ? 'branch' : 'leaf';
  return {
    name,
    label,
    kind,
    value: typeof raw.value === 'string' ? raw.value : null,
    type: typeof raw.type === 'string' ? raw.type : null,
    origin: typeof raw.origin === 'string' && raw.origin !== '' ? raw.origin : null,
    defaultValue: typeof raw.defaultValue === 'string' ? raw.defaultValue : null,
    default: isLocation(raw.default) ? raw.default : null,
    occurrences: Array.isArray(raw.occurrences) ? raw.occurrences.filter(isLocation) : [],
    problems: typeof raw.problems === 'number' && Number.isFinite(raw.problems) ? raw.problems : 0,
    severity: asSeverity(raw.severity),
    messages: Array.isArray(raw.messages)
      ? raw.messages.map(parseProblem).filter((p): p is HpProblem => p !== null).sort((a, b) => a.severity - b.severity)
      : [],
    children,
  };
}

/** Validate the result of `hpman/tree`; malformed parts are dropped. */
export function parseTreeResult(raw: unknown): HpTreeResult {
  if (!isObject(raw) || !Array.isArray(raw.managers)) {
    return { managers: [] };
  }
  const managers: HpManager[] = [];
  for (const m of raw.managers) {
    if (!isObject(m) || typeof m.name !== 'string') {
      continue;
    }
    const nodes = Array.isArray(m.nodes) ? m.nodes.map(parseNode).filter((n): n is HpNode => n !== null) : [];
    managers.push({ name: m.name, nodes });
  }
  return { managers };
}

/** Up to this many names, branches start expanded. */
export const EXPAND_ALL_LIMIT = 200;

export function countLeaves(nodes: HpNode[]): number {
  let n = 0;
  for (const node of nodes) {
    if (node.kind === 'leaf' || node.value !== null) {
      n += 1;
    }
    n += countLeaves(node.children);
  }
  return n;
}

/** Every occurrence of a node, or of all names below a branch without its own. */
export function collectOccurrences(node: HpNode): HpNode['occurrences'] {
  const out = [...node.occurrences];
  for (const child of node.children) {
    out.push(...collectOccurrences(child));
  }
  return out;
}

/** Where a click on a node goes: the default, else the first occurrence. */
export function primaryLocation(node: HpNode): HpNode['default'] {
  return node.default ?? node.occurrences[0] ?? null;
}

/** An item of the Hyperparameters view: a manager, or a name under one. */
export type TreeElement =
  | { type: 'manager'; manager: HpManager }
  | { type: 'node'; manager: string; node: HpNode };

/**
 * The children of an item (the top level when `element` is undefined).
 * Managers are shown as top-level items only when there is more than one
 * with names; otherwise the names are the top level.
 */
export function childElements(data: HpTreeResult, element?: TreeElement): TreeElement[] {
  if (!element) {
    const managers = data.managers.filter((m) => m.nodes.length > 0);
    if (managers.length > 1) {
      return managers.map((manager) => ({ type: 'manager', manager }));
    }
    const only = managers[0];
    return only ? only.nodes.map((node) => ({ type: 'node', manager: only.name, node })) : [];
  }
  if (element.type === 'manager') {
    return element.manager.nodes.map((node) => ({ type: 'node', manager: element.manager.name, node }));
  }
  return element.node.children.map((node) => ({ type: 'node', manager: element.manager, node }));
}

/**
 * The command of the server's code lenses: open the uses of a hyperparameter.
 * Its arguments are those of VS Code's `editor.action.showReferences` in LSP
 * form: the lens's document URI, its position, and the locations to list.
 */
export const SHOW_USES_COMMAND = 'hpman.showUses';

export interface ShowUsesArgs {
  uri: string;
  position: { line: number; character: number };
  locations: Location[];
}

function isPosition(v: unknown): v is ShowUsesArgs['position'] {
  return isObject(v) && typeof v.line === 'number' && typeof v.character === 'number';
}

/** The arguments of a lens command, positional or as one object; null when unusable. */
export function parseShowUsesArgs(args: unknown[]): ShowUsesArgs | null {
  const [first, second, third] = args;
  const fields = isObject(first) && 'locations' in first
    ? [first.uri, first.position, first.locations]
    : [first, second, third];
  const [uri, position, locations] = fields;
  if (typeof uri !== 'string' || !Array.isArray(locations)) {
    return null;
  }
  const locs = locations.filter(isLocation);
  const pos = isPosition(position) ? position : locs[0]?.range.start;
  if (!pos) {
    return null;
  }
  return { uri, position: { line: pos.line, character: pos.character }, locations: locs };
}
