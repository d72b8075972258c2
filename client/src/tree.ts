// The "Hyperparameters" sidebar: a TreeDataProvider over the result of the
// server's `hpman/tree` request.
import * as vscode from 'vscode';
import {
  childElements,
  collectOccurrences,
  countLeaves,
  EXPAND_ALL_LIMIT,
  primaryLocation,
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
    const problems = node.problems > 0;
    if (problems) {
      item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'));
    } else if (hasChildren) {
      item.iconPath = new vscode.ThemeIcon('symbol-namespace');
    } else {
      item.iconPath = new vscode.ThemeIcon(node.default ? 'symbol-constant' : 'symbol-variable');
    }
    item.contextValue = `hpman.${node.kind}${problems ? '.problems' : ''}`;
    item.tooltip = this.tooltip(manager, node);
    item.accessibilityInformation = {
      label: `${node.name}${node.value !== null ? ` = ${node.value}` : ''}${problems ? `, ${node.problems} problems` : ''}`,
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
    if (node.default) {
      lines.push(`Default: ${this.describe(node.default)}`);
    } else if (node.kind === 'leaf') {
      lines.push('No default');
    }
    if (node.problems > 0) {
      lines.push(`$(warning) ${node.problems} problem${node.problems === 1 ? '' : 's'}`);
    }
    md.supportThemeIcons = true;
    md.appendMarkdown(lines.join('  \n'));
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

function escapeMd(s: string): string {
  return s.replace(/([\\`*_{}[\]()#+!|<>-])/g, '\\$1');
}
