// hpman VS Code extension: starts the hpman language server (`python -m
// hpman_lsp`, shipped in bundled/libs) and shows the "Hyperparameters" tree.
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  LanguageClient,
  type LanguageClientOptions,
  RevealOutputChannelOn,
  type ServerOptions,
  State,
  type DocumentSelector,
} from 'vscode-languageclient/node';
import { chooseInterpreter, configuredInterpreter, onPythonInterpreterChanged, probeInterpreter } from './interpreter';
import { joinPythonPath, MIN_PYTHON, serverPythonPath, valuesFileFromUser, withValuesFileOrigin } from './util';
import { parseShowUsesArgs, parseTreeResult, SHOW_USES_COMMAND, TREE_CHANGED_NOTIFICATION, TREE_REQUEST } from './protocol';
import { LogChannelAdapter } from './log';
import { collectOccurrences, HyperparameterTreeProvider, primaryLocation, toVsLocation, type TreeElement } from './tree';

const VIEW_ID = 'hpman.tree';

class ServerController implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private queue: Promise<void> = Promise.resolve();
  private refreshTimer: NodeJS.Timeout | undefined;
  private refreshGeneration = 0;
  private disposed = false;
  /** Our own `hpman.showUses`, when the server does not offer it as a command. */
  private showUsesCommand: vscode.Disposable | undefined;
  /** What the language client writes: its lines go to the log channel at their level. */
  private readonly clientOutput: LogChannelAdapter;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly output: vscode.LogOutputChannel,
    private readonly tree: HyperparameterTreeProvider,
    private readonly view: vscode.TreeView<TreeElement>,
  ) {
    this.clientOutput = new LogChannelAdapter(output);
  }

  log(message: string): void {
    this.output.info(message);
  }

  logError(message: string): void {
    this.output.error(message);
  }

  /** Run start/stop operations one after another. */
  private enqueue(op: () => Promise<void>): Promise<void> {
    this.queue = this.queue.then(op, op).catch((err: unknown) => {
      this.logError(describeError(err));
    });
    return this.queue;
  }

  start(): Promise<void> {
    return this.enqueue(() => this.doStart());
  }

  stop(): Promise<void> {
    return this.enqueue(() => this.doStop());
  }

  restart(reason: string): Promise<void> {
    return this.enqueue(async () => {
      this.log(`restarting the language server (${reason})`);
      await this.doStop();
      await this.doStart();
    });
  }

  private async doStart(): Promise<void> {
    if (this.disposed || this.client) {
      return;
    }
    const choice = await chooseInterpreter();
    const pythonPath = serverPythonPath(this.context.extensionPath);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PYTHONPATH: joinPythonPath(pythonPath, process.env.PYTHONPATH),
      PYTHONUNBUFFERED: '1',
      // Never put the working directory on sys.path (Python >= 3.11; older
      // ones are covered by running from the extension folder, below).
      PYTHONSAFEPATH: '1',
    };
    const shown = [choice.command, ...choice.args].join(' ');
    this.log(`interpreter: ${shown} (from ${choice.source}); PYTHONPATH += ${pythonPath.join(path.delimiter)}`);
    const probe = await probeInterpreter(choice, env, this.context.extensionPath);
    if (!probe.ok) {
      const min = `${MIN_PYTHON[0]}.${MIN_PYTHON[1]}`;
      const msg = `hpman: no usable Python ≥ ${min} to run the language server: \`${shown}\`: ${probe.reason}. Set "hpman.interpreter" to a Python ≥ ${min}.`;
      this.logError(msg);
      this.view.message = `No usable Python ≥ ${min} (tried ${shown}). Set "hpman.interpreter".`;
      void vscode.window.showErrorMessage(msg, 'Open Settings', 'Show Log').then((pick) => {
        if (pick === 'Open Settings') {
          void vscode.commands.executeCommand('workbench.action.openSettings', 'hpman.interpreter');
        } else if (pick === 'Show Log') {
          this.output.show(true);
        }
      });
      return;
    }
    this.log(`Python ${probe.version}`);

    const serverOptions: ServerOptions = {
      command: choice.command,
      args: [...choice.args, '-m', 'hpman_lsp'],
      // Not the workspace folder: `python -m` puts the working directory first on
      // sys.path, and a workspace module named like one the server imports would run.
      options: { env, cwd: this.context.extensionPath },
    };
    // File watching: the server registers its own watchers (dynamic
    // registration).  Settings: the server pulls `hpman.*` with
    // workspace/configuration and is told of changes by the client.
    const clientOptions: LanguageClientOptions = {
      documentSelector: documentSelector(),
      outputChannel: this.clientOutput,
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      synchronize: { configurationSection: 'hpman' },
      middleware: {
        // A lens's "open the uses" runs here, in VS Code, also when the server
        // offers the command (for editors without a client-side one).
        executeCommand: async (command, args, next): Promise<unknown> =>
          command === SHOW_USES_COMMAND ? showUses(args) : ((await next(command, args)) as unknown),
        workspace: {
          // The server reads a values file outside the workspace only when the
          // user's own settings name it: tell it where the value comes from.
          configuration: async (params, token, next) => {
            const answer = await next(params, token);
            if (!Array.isArray(answer)) {
              return answer;
            }
            return params.items.map((item, i) => {
              const scope = item.scopeUri ? vscode.Uri.parse(item.scopeUri) : undefined;
              const origin = vscode.workspace.getConfiguration('hpman', scope).inspect('valuesFile');
              return withValuesFileOrigin(item.section, answer[i], valuesFileFromUser(origin, vscode.workspace.isTrusted));
            });
          },
        },
      },
    };
    const client = new LanguageClient('hpman', 'hpman', serverOptions, clientOptions);
    this.client = client;
    client.onDidChangeState((e) => {
      if (e.newState === State.Stopped) {
        this.log('language server stopped');
        this.tree.clear();
        this.view.message = 'The hpman language server is not running. Run "hpman: Restart Language Server".';
      } else if (e.newState === State.Running) {
        this.view.message = undefined;
        this.scheduleRefresh(0);
      }
    });
    this.context.subscriptions.push(client.onNotification(TREE_CHANGED_NOTIFICATION, () => this.scheduleRefresh(150)));
    try {
      await client.start();
    } catch (err) {
      const msg = `hpman: the language server failed to start: ${describeError(err)}`;
      this.logError(msg);
      this.view.message = 'The hpman language server failed to start (see the "hpman" output).';
      void vscode.window.showErrorMessage(msg, 'Show Log').then((pick) => {
        if (pick === 'Show Log') {
          this.output.show(true);
        }
      });
      return;
    }
    this.log('language server running');
    this.provideShowUses(client);
    await this.refreshNow();
  }

  private async doStop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (this.refreshTimer) {
      clearTimeout(this.refreshTimer);
      this.refreshTimer = undefined;
    }
    this.tree.clear();
    if (client) {
      try {
        if (client.needsStop()) {
          await client.stop(5000);
        }
      } catch (err) {
        this.logError(`stopping the language server: ${describeError(err)}`);
      }
    }
  }

  /**
   * The lenses' command: the language client registers it when the server
   * lists it in executeCommandProvider (and the middleware above runs it);
   * otherwise the extension registers it itself.
   */
  private provideShowUses(client: LanguageClient): void {
    const offered = client.initializeResult?.capabilities.executeCommandProvider?.commands ?? [];
    if (offered.includes(SHOW_USES_COMMAND)) {
      this.showUsesCommand?.dispose();
      this.showUsesCommand = undefined;
    } else if (!this.showUsesCommand) {
      this.showUsesCommand = vscode.commands.registerCommand(SHOW_USES_COMMAND, (...args: unknown[]) => showUses(args));
    }
  }

  scheduleRefresh(delayMs: number): void {
    if (this.refreshTimer) {
      clearTimeout(this.refreshTimer);
    }
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      void this.refreshNow();
    }, delayMs);
  }

  /** Ask the server for the tree and show it. */
  async refreshNow(): Promise<void> {
    const client = this.client;
    if (!client || !client.isRunning()) {
      this.tree.clear();
      return;
    }
    const generation = ++this.refreshGeneration;
    try {
      const raw: unknown = await client.sendRequest(TREE_REQUEST, {});
      if (generation !== this.refreshGeneration || client !== this.client) {
        return; // a newer refresh is under way
      }
      this.tree.set(parseTreeResult(raw));
    } catch (err) {
      this.logError(`${TREE_REQUEST} failed: ${describeError(err)}`);
    }
  }

  dispose(): void {
    this.disposed = true;
    this.showUsesCommand?.dispose();
    void this.stop();
  }
}

function documentSelector(): DocumentSelector {
  const selector: DocumentSelector = [
    { scheme: 'file', language: 'python' },
    { scheme: 'untitled', language: 'python' },
    { scheme: 'vscode-notebook-cell', language: 'python' },   // notebook cells (the server syncs notebooks)
    { scheme: 'file', language: 'yaml' },
  ];
  const valuesFile = vscode.workspace.getConfiguration('hpman').get<string>('valuesFile', '') ?? '';
  if (valuesFile.trim() !== '' && /\.json$/i.test(valuesFile.trim())) {
    selector.push({ scheme: 'file', language: 'json', pattern: `**/${path.basename(valuesFile.trim())}` });
  }
  return selector;
}

/** Peek the uses a lens lists, as "Find All References" does. */
async function showUses(args: unknown[]): Promise<void> {
  const parsed = parseShowUsesArgs(args);
  if (!parsed) {
    return;
  }
  const uri = vscode.Uri.parse(parsed.uri, true);
  const position = new vscode.Position(parsed.position.line, parsed.position.character);
  await vscode.commands.executeCommand('editor.action.showReferences', uri, position, parsed.locations.map(toVsLocation));
}

function describeError(err: unknown): string {
  if (err instanceof Error) {
    return err.message;
  }
  return String(err);
}

function nodeArgument(arg: unknown, view: vscode.TreeView<TreeElement>): Extract<TreeElement, { type: 'node' }> | undefined {
  const candidate = (arg ?? view.selection[0]) as TreeElement | undefined;
  return candidate && candidate.type === 'node' ? candidate : undefined;
}

let controller: ServerController | undefined;

export function activate(context: vscode.ExtensionContext): void {
  const output = vscode.window.createOutputChannel('hpman', { log: true });
  const tree = new HyperparameterTreeProvider();
  const view = vscode.window.createTreeView(VIEW_ID, { treeDataProvider: tree, showCollapseAll: true });
  const ctl = new ServerController(context, output, tree, view);
  controller = ctl;
  context.subscriptions.push(output, view, ctl);

  context.subscriptions.push(
    vscode.commands.registerCommand('hpman.restart', () => ctl.restart('command')),
    vscode.commands.registerCommand('hpman.refreshTree', () => ctl.refreshNow()),
    vscode.commands.registerCommand('hpman.showOutput', () => output.show(true)),
    vscode.commands.registerCommand('hpman.openNode', async (arg?: unknown) => {
      const el = nodeArgument(arg, view);
      const loc = el && primaryLocation(el.node);
      if (!loc) {
        return;
      }
      const target = toVsLocation(loc);
      await vscode.window.showTextDocument(target.uri, { selection: target.range, preview: true });
    }),
    vscode.commands.registerCommand('hpman.showOccurrences', async (arg?: unknown) => {
      const el = nodeArgument(arg, view);
      if (!el) {
        return;
      }
      const locations = collectOccurrences(el.node).map(toVsLocation);
      const anchor = primaryLocation(el.node);
      const anchorLoc = anchor ? toVsLocation(anchor) : locations[0];
      if (!anchorLoc) {
        void vscode.window.showInformationMessage(`hpman: \`${el.node.name}\` has no occurrences.`);
        return;
      }
      await vscode.commands.executeCommand('editor.action.showReferences', anchorLoc.uri, anchorLoc.range.start, locations);
    }),
    vscode.commands.registerCommand('hpman.copyName', async (arg?: unknown) => {
      const el = nodeArgument(arg, view);
      if (el) {
        await vscode.env.clipboard.writeText(el.node.name);
      }
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      // A new interpreter needs a new process; a new values file may change
      // which documents the server sees.  `hpman.exclude` is applied live by
      // the server (workspace/didChangeConfiguration).
      if (e.affectsConfiguration('hpman.interpreter') || e.affectsConfiguration('hpman.valuesFile')) {
        void ctl.restart('settings changed');
      }
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => void ctl.restart('workspace trusted')),
  );

  void onPythonInterpreterChanged(() => {
    if (configuredInterpreter().trim() === '') {
      void ctl.restart('Python interpreter changed');
    }
  }).then((listener) => {
    if (listener) {
      context.subscriptions.push(listener);
    }
  });

  void ctl.start();
}

export async function deactivate(): Promise<void> {
  await controller?.stop();
  controller = undefined;
}
