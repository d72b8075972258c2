// The "Hyperparameters" sidebar: a TreeDataProvider over the result of the
// server's `hpman/tree` request.
import * as vscode from 'vscode';
import {
  childElements,
  collectOccurrences,
  countLeaves,
  EXPAND_ALL_LIMIT,
  markerSeverity,
  primaryLocation,
  type Severity,
  type HpNode,
  type HpTreeResult,
  type TreeElement,
} from './protocol';

export { collectOccurrences, countLeaves, primaryLocation };

export type { TreeElement };

type WireLocation = NonNullable<HpNode['default']>;

/** A wire (LSP) Location as a VS Code Location. */
export function toVsLocation(loc: WireLocation): vscode.Location {
  const r = loc.range;
  return new vscode.Location(
    vscode.Uri.parse(loc.uri, true),
    new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character),
  );
}

export class HyperparameterTreeProvider implements vscode.TreeDataProvider<TreeElement> {
  private readonly changed = new vscode.EventEmitter<TreeElement | undefined | void>();
  readonly onDidChangeTreeData = this.changed.event;
  private data: HpTreeResult = { managers: [] };
  /** Small trees open fully expanded; large ones start collapsed. */
  private expandAll = true;

  /** Replace the whole tree. */
  set(data: HpTreeResult): void {
    this.data = data;
    this.expandAll = data.managers.reduce((n, m) => n + countLeaves(m.nodes), 0) <= EXPAND_ALL_LIMIT;
    this.changed.fire();
  }

  clear(): void {
    this.set({ managers: [] });
  }

  getChildren(element?: TreeElement): TreeElement[] {
    return childElements(this.data, element);
  }

  getTreeItem(element: TreeElement): vscode.TreeItem {
    if (element.type === 'manager') {
      const m = element.manager;
      const item = new vscode.TreeItem(m.name, vscode.TreeItemCollapsibleState.Expanded);
      item.id = `manager:${m.name}`;
      item.description = `${countLeaves(m.nodes)} hyperparameters`;
      item.tooltip = `Manager \`${m.name}\``;
      item.iconPath = new vscode.ThemeIcon('symbol-module');
      item.contextValue = 'hpman.manager';
      return item;
    }
    return this.nodeItem(element.manager, element.node);
  }

  private nodeItem(manager: string, node: HpNode): vscode.TreeItem {
    const hasChildren = node.children.length > 0;
    const item = new vscode.TreeItem(
      node.label,
      !hasChildren
        ? vscode.TreeItemCollapsibleState.None
        : this.expandAll
          ? vscode.TreeItemCollapsibleState.Expanded
          : vscode.TreeItemCollapsibleState.Collapsed,
    );
    item.id = `node:${manager}:${node.name}`;
    if (node.value !== null) {
      item.description = node.value;
    }
    const severity = markerSeverity(node);
    const problems = severity !== null;
    if (severity !== null) {
      item.iconPath = severityIcon(severity);
    } else if (hasChildren) {
      item.iconPath = new vscode.ThemeIcon('symbol-namespace');
    } else {
      item.iconPath = new vscode.ThemeIcon(node.default ? 'symbol-constant' : 'symbol-variable');
    }
    item.contextValue = `hpman.${node.kind}${problems ? '.problems' : ''}`;
    item.tooltip = this.tooltip(manager, node);
    item.accessibilityInformation = {
      label: `${node.name}${node.value !== null ? ` = ${node.value}` : ''}${problems ? `, ${problemSummary(node)}` : ''}`,
    };
    const target = primaryLocation(node);
    if (target && (node.kind === 'leaf' || node.default)) {
      item.command = { command: 'hpman.openNode', title: 'Go to default', arguments: [{ type: 'node', manager, node }] };
    }
    return item;
  }

  private tooltip(manager: string, node: HpNode): vscode.MarkdownString {
    const md = new vscode.MarkdownString();
    md.appendMarkdown(`**${escapeMd(node.name)}**`);
    if (manager !== '_') {
      md.appendMarkdown(` (manager \`${manager}\`)`);
    }
    md.appendMarkdown('\n\n');
    if (node.value !== null) {
      md.appendCodeblock(`${node.name} = ${node.value}`, 'python');
    }
    const lines: string[] = [];
    if (node.type) {
      lines.push(`Type: \`${node.type}\``);
    }
    if (node.kind === 'leaf' || node.occurrences.length > 0) {
      const n = node.occurrences.length;
      lines.push(`${n} occurrence${n === 1 ? '' : 's'}`);
    }
    if (node.children.length > 0) {
      const below = countLeaves(node.children);
      lines.push(`${below} hyperparameter${below === 1 ? '' : 's'} below`);
    }
    if (node.origin) {
      lines.push(`From the run: ${escapeMd(node.origin)}`);
    }
    if (node.defaultValue !== null && node.defaultValue !== node.value) {
      // The value shown comes from a values file or run record: say what the code says.
      lines.push(`Default in code: \`${node.defaultValue.replace(/`/g, "'")}\``);
    }
    if (node.default) {
      lines.push(`Default: ${this.describe(node.default)}`);
    } else if (node.kind === 'leaf') {
      lines.push('No default');
    }
    md.supportThemeIcons = true;
    md.appendMarkdown(lines.join('  \n'));
    if (node.messages.length > 0) {
      // What is wrong, not just that something is: one line per problem.
      md.appendMarkdown('\n\n');
      md.appendMarkdown(
        node.messages
          // The server's messages are Markdown (names in backticks); untrusted, so links to commands stay inert.
          .map((p) => `$(${SEVERITY[p.severity].icon}) ${p.message}${p.code ? ` \`${p.code}\`` : ''}`)
          .join('  \n'),
      );
    } else if (node.problems > 0) {
      md.appendMarkdown(`  \n$(warning) ${node.problems} problem${node.problems === 1 ? '' : 's'}`);
    }
    return md;
  }

  private describe(loc: WireLocation): string {
    let l: vscode.Location;
    try {
      l = toVsLocation(loc);
    } catch {
      return `line ${loc.range.start.line + 1}`;
    }
    return `${escapeMd(vscode.workspace.asRelativePath(l.uri))}:${l.range.start.line + 1}`;
  }
}

const SEVERITY: Record<Severity, { icon: string; color: string; word: string }> = {
  1: { icon: 'error', color: 'list.errorForeground', word: 'error' },
  2: { icon: 'warning', color: 'list.warningForeground', word: 'warning' },
  3: { icon: 'info', color: 'problemsInfoIcon.foreground', word: 'information' },
  4: { icon: 'lightbulb', color: 'problemsInfoIcon.foreground', word: 'hint' },
};

/** The tree marks a name with the icon the Problems panel uses for its worst problem. */
function severityIcon(severity: Severity): vscode.ThemeIcon {
  const s = SEVERITY[severity];
  return new vscode.ThemeIcon(s.icon, new vscode.ThemeColor(s.color));
}

/** "1 warning", "2 problems: an error, …" for screen readers. */
function problemSummary(node: HpNode): string {
  if (node.messages.length > 0) {
    return node.messages.map((p) => `${SEVERITY[p.severity].word}: ${p.message}`).join('; ');
  }
  return `${node.problems} problem${node.problems === 1 ? '' : 's'}`;
}

function escapeMd(s: string): string {
  return s.replace(/([\\`*_{}[\]()#+!|<>-])/g, '\\$1');
}
