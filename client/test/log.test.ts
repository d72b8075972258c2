import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LogChannelAdapter, parseLogLine, type Level, type LogSink } from '../src/log';

describe('parseLogLine', () => {
  it("strips the language client's stamp and keeps its level", () => {
    assert.deepEqual(parseLogLine('[Info  - 10:12:00 AM] Connection to server got closed.'),
      { level: 'info', message: 'Connection to server got closed.' });
    assert.deepEqual(parseLogLine('[Error - 22:01:59] Server initialization failed.'),
      { level: 'error', message: 'Server initialization failed.' });
    assert.deepEqual(parseLogLine('[Warn  - 1:02:03 PM] x'), { level: 'warn', message: 'x' });
  });

  it("strips the server's logging stamp and maps Python's levels", () => {
    assert.deepEqual(parseLogLine('2026-12-01 10:12:00,123 WARNING hpman_lsp.server: values file: bad'),
      { level: 'warn', message: 'hpman_lsp.server: values file: bad' });
    assert.deepEqual(parseLogLine('2026-12-01 10:12:00,123 CRITICAL pygls: down'), { level: 'error', message: 'pygls: down' });
    assert.deepEqual(parseLogLine('2026-12-01 10:12:00,123 DEBUG x: y'), { level: 'debug', message: 'x: y' });
  });

  it('treats a traceback as an error and anything else as info', () => {
    assert.equal(parseLogLine('Traceback (most recent call last):').level, 'error');
    assert.equal(parseLogLine('ModuleNotFoundError: No module named pygls').level, 'error');
    assert.deepEqual(parseLogLine('plain text [Info - not a stamp]'), { level: 'info', message: 'plain text [Info - not a stamp]' });
  });
});

function fakeSink(): { sink: LogSink; lines: [Level, string][] } {
  const lines: [Level, string][] = [];
  const at = (level: Level) => (message: string) => {
    lines.push([level, message]);
  };
  const sink = {
    name: 'hpman',
    trace: at('trace'), debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'),
    show: () => {}, hide: () => {}, clear: () => lines.splice(0), dispose: () => {},
  } as unknown as LogSink;
  return { sink, lines };
}

describe('LogChannelAdapter', () => {
  it('writes whole lines only, however the text is chunked', () => {
    const { sink, lines } = fakeSink();
    const out = new LogChannelAdapter(sink);
    out.append('2026-12-01 10:00:00,000 ERROR a: par');
    assert.deepEqual(lines, []);
    out.append('tial\r\nsecond line\nthi');
    out.appendLine('rd');
    assert.deepEqual(lines, [['error', 'a: partial'], ['info', 'second line'], ['info', 'third']]);
  });

  it('skips blank lines and flushes a partial line on dispose', () => {
    const { sink, lines } = fakeSink();
    const out = new LogChannelAdapter(sink);
    out.append('\n\n  \nlast words');
    out.dispose();
    assert.deepEqual(lines, [['info', 'last words']]);
    assert.equal(out.name, 'hpman');
  });
});
