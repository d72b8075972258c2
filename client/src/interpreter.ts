// Which Python runs the language server: the `hpman.interpreter` setting, else
// the interpreter selected in the Python extension (when it is installed; it is
// never a dependency), else `python3`.
import { execFile } from 'node:child_process';
import * as vscode from 'vscode';
import { checkVersionOutput, expandPath, isInsideAny, type VersionCheck } from './util';

export interface InterpreterChoice {
  /** Executable path or command name. */
  command: string;
  /** Extra leading arguments (e.g. a conda run prefix from the Python extension). */
  args: string[];
  /** Where the choice came from, for the log. */
  source: 'setting' | 'python-extension' | 'default';
}

// The small part of the Python extension's API we use, typed by hand.
interface PythonEnvironmentPath {
  id?: string;
  path: string;
}
interface PythonResolvedEnvironment {
  executable?: { uri?: vscode.Uri };
}
interface PythonExtensionApi {
  environments?: {
    getActiveEnvironmentPath(resource?: vscode.Uri): PythonEnvironmentPath;
    resolveEnvironment(env: PythonEnvironmentPath | string): Promise<PythonResolvedEnvironment | undefined>;
    onDidChangeActiveEnvironmentPath: vscode.Event<unknown>;
  };
  settings?: {
    getExecutionDetails(resource?: vscode.Uri): { execCommand: string[] | undefined };
    onDidChangeExecutionDetails: vscode.Event<unknown>;
  };
}

const PYTHON_EXTENSION_ID = 'ms-python.python';

async function pythonExtensionApi(): Promise<PythonExtensionApi | undefined> {
  const ext = vscode.extensions.getExtension<PythonExtensionApi>(PYTHON_EXTENSION_ID);
  if (!ext) {
    return undefined;
  }
  try {
    return ext.isActive ? ext.exports : await ext.activate();
  } catch {
    return undefined;
  }
}

function firstWorkspaceFolder(): vscode.Uri | undefined {
  return vscode.workspace.workspaceFolders?.[0]?.uri;
}

/**
 * The `hpman.interpreter` setting.  In an untrusted (Restricted Mode)
 * workspace only the user's own (user / remote machine) value counts: a
 * workspace must not be able to choose which program the extension runs.
 */
export function configuredInterpreter(): string {
  const config = vscode.workspace.getConfiguration('hpman');
  if (vscode.workspace.isTrusted) {
    return config.get<string>('interpreter', '') ?? '';
  }
  return config.inspect<string>('interpreter')?.globalValue ?? '';
}

async function pythonExtensionInterpreter(): Promise<InterpreterChoice | undefined> {
  const api = await pythonExtensionApi();
  if (!api) {
    return undefined;
  }
  const resource = firstWorkspaceFolder();
  try {
    if (api.environments) {
      const envPath = api.environments.getActiveEnvironmentPath(resource);
      const resolved = await api.environments.resolveEnvironment(envPath);
      const exe = resolved?.executable?.uri?.fsPath ?? envPath.path;
      if (exe) {
        return { command: exe, args: [], source: 'python-extension' };
      }
    } else if (api.settings) {
      const exec = api.settings.getExecutionDetails(resource).execCommand;
      if (exec && exec.length > 0) {
        return { command: exec[0], args: exec.slice(1), source: 'python-extension' };
      }
    }
  } catch {
    // No usable answer: fall back to the default.
  }
  return undefined;
}

export async function chooseInterpreter(): Promise<InterpreterChoice> {
  const configured = configuredInterpreter();
  if (configured.trim() !== '') {
    return {
      command: expandPath(configured, firstWorkspaceFolder()?.fsPath, process.env.HOME),
      args: [],
      source: 'setting',
    };
  }
  const fromPython = await pythonExtensionInterpreter();
  if (fromPython) {
    // In an untrusted workspace, never run a program that the workspace
    // itself ships (e.g. a `.venv/bin/python` it contains).
    const folders = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
    if (vscode.workspace.isTrusted || !isInsideAny(fromPython.command, folders)) {
      return fromPython;
    }
  }
  return { command: 'python3', args: [], source: 'default' };
}

/** Subscribe to the Python extension's "interpreter changed" event, if any. */
export async function onPythonInterpreterChanged(listener: () => void): Promise<vscode.Disposable | undefined> {
  const api = await pythonExtensionApi();
  if (api?.environments) {
    return api.environments.onDidChangeActiveEnvironmentPath(() => listener());
  }
  if (api?.settings) {
    return api.settings.onDidChangeExecutionDetails(() => listener());
  }
  return undefined;
}

/** Run the interpreter once to learn whether it exists and is recent enough. */
export function probeInterpreter(choice: InterpreterChoice, env: NodeJS.ProcessEnv, cwd: string): Promise<VersionCheck> {
  return new Promise((resolve) => {
    execFile(
      choice.command,
      [...choice.args, '-c', "import sys; print('%d.%d.%d' % sys.version_info[:3])"],
      { timeout: 20000, env, cwd, windowsHide: true },
      (err, stdout, stderr) => {
        if (err) {
          const code = (err as NodeJS.ErrnoException).code;
          const reason =
            code === 'ENOENT'
              ? 'it was not found'
              : code === 'EACCES'
                ? 'it is not executable'
                : `it failed: ${(stderr || err.message).trim().split('\n').slice(-1)[0]}`;
          resolve({ ok: false, reason });
          return;
        }
        resolve(checkVersionOutput(String(stdout)));
      },
    );
  });
}
