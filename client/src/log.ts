// The "hpman" output channel is a log output channel: VS Code stamps each
// line with the time and level, and the user picks the level shown.  The
// language client and the server's stderr write plain text with their own
// stamps; this adapter strips those and forwards each line at its level.
import type * as vscode from 'vscode';

export type Level = 'trace' | 'debug' | 'info' | 'warn' | 'error';

export interface LogLine {
  level: Level;
  message: string;
}

const CLIENT_LEVELS: Record<string, Level> = {
  Trace: 'trace',
  Debug: 'debug',
  Info: 'info',
  Warn: 'warn',
  Error: 'error',
};

const PYTHON_LEVELS: Record<string, Level> = {
  DEBUG: 'debug',
  INFO: 'info',
  WARNING: 'warn',
  ERROR: 'error',
  CRITICAL: 'error',
};

/**
 * One line written by vscode-languageclient (`[Info  - 10:12:00 AM] text`) or
 * by the server's logging (`2026-12-01 10:12:00,123 WARNING name: text`), as a
 * level and the text without the stamp.  Anything else is info.
 */
export function parseLogLine(line: string): LogLine {
  const client = /^\[(Trace|Debug|Info|Warn|Error)\s*- [^\]]*\] ?([\s\S]*)$/.exec(line);
  if (client) {
    return { level: CLIENT_LEVELS[client[1]] ?? 'info', message: client[2] };
  }
  const python = /^\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:[,.]\d+)? (DEBUG|INFO|WARNING|ERROR|CRITICAL) ([\s\S]*)$/.exec(line);
  if (python) {
    return { level: PYTHON_LEVELS[python[1]] ?? 'info', message: python[2] };
  }
  // A traceback printed by a crashing server is worth more than info.
  if (/^(Traceback \(most recent call last\)|\w*(Error|Exception)\b.*:)/.test(line)) {
    return { level: 'error', message: line };
  }
  return { level: 'info', message: line };
}

/** The part of vscode.LogOutputChannel the adapter writes to. */
export type LogSink = Pick<vscode.LogOutputChannel, Level | 'name' | 'show' | 'hide' | 'clear' | 'dispose'>;

/**
 * An OutputChannel (what vscode-languageclient 9 writes to) over a log
 * output channel: whole lines go out at their level, partial ones (the
 * server's stderr arrives in chunks) wait for their newline.
 */
export class LogChannelAdapter implements vscode.OutputChannel {
  private pending = '';

  constructor(private readonly sink: LogSink) {}

  get name(): string {
    return this.sink.name;
  }

  append(value: string): void {
    const parts = (this.pending + value).split(/\r?\n/);
    this.pending = parts.pop() ?? '';
    for (const line of parts) {
      this.write(line);
    }
  }

  appendLine(value: string): void {
    const text = this.pending + value;
    this.pending = '';
    for (const line of text.split(/\r?\n/)) {
      this.write(line);
    }
  }

  replace(value: string): void {
    this.clear();
    this.append(value);
  }

  clear(): void {
    this.pending = '';
    this.sink.clear();
  }

  show(columnOrPreserve?: vscode.ViewColumn | boolean, preserveFocus?: boolean): void {
    if (typeof columnOrPreserve === 'boolean') {
      this.sink.show(columnOrPreserve);
    } else {
      this.sink.show(preserveFocus);
    }
  }

  hide(): void {
    this.sink.hide();
  }

  dispose(): void {
    // The channel belongs to the extension (it outlives one language client).
    if (this.pending !== '') {
      this.write(this.pending);
      this.pending = '';
    }
  }

  private write(line: string): void {
    if (line.trim() === '') {
      return;
    }
    const { level, message } = parseLogLine(line);
    this.sink[level](message);
  }
}
