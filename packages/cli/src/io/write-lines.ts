import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';

/** A line sink with backpressure: `write` waits while the destination's buffer is full. */
export type LineSink = { write(line: string): Promise<void>; close(): Promise<void> };

const CHUNK = 64 * 1024;

/** Writes lines to a file, or to stdout for `-`, buffering about 64 KiB per write. */
export function lineSink(file: string): LineSink {
  const toStdout = file === '-';
  const out: Writable = toStdout ? process.stdout : createWriteStream(file);
  let buffer = '';
  const flush = async (): Promise<void> => {
    if (buffer === '') return;
    const chunk = buffer;
    buffer = '';
    if (!out.write(chunk)) await once(out, 'drain');
  };
  return {
    async write(line) {
      buffer += `${line}\n`;
      if (buffer.length >= CHUNK) await flush();
    },
    async close() {
      await flush();
      if (toStdout) return;
      out.end();
      await once(out, 'finish');
    },
  };
}
