// The hpman language server's custom protocol (SPEC §E "Custom protocol").
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
  /** Where the default is defined, null when nowhere. */
  default: Location | null;
  occurrences: Location[];
  /** Number of this name's own problems. */
  problems: number;
  children: HpNode[];
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
    default: isLocation(raw.default) ? raw.default : null,
    occurrences: Array.isArray(raw.occurrences) ? raw.occurrences.filter(isLocation) : [],
    problems: typeof raw.problems === 'number' && Number.isFinite(raw.problems) ? raw.problems : 0,
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
