import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import type { RecordedEvent } from '../events/event.js';
import { appendFileDurable, writeFileAtomic } from '../files/durable-files.js';
import type { ColdStore, ColdVerification, SegmentInfo } from './cold-store.js';
import { mergeSegments } from './merge.js';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

type StoredLine = Omit<RecordedEvent, 'recordedAt'> & { readonly recordedAt: string };

function readLines(file: string): string[] {
  if (!existsSync(file)) return [];
  const lines = readFileSync(file, 'utf8').split('\n');
  // A torn last line (crash mid-append) is ignored: its segment was never acknowledged.
  return lines.filter((line, i) => line !== '' && (i < lines.length - 1 || line.endsWith('}')));
}

/**
 * Cold storage as gzip-compressed NDJSON segment files on the local file
 * system, with two append-only indexes (segments, and which streams each
 * segment holds). A segment and its index lines are fsync'ed before `write`
 * returns; a crash in between leaves an orphan file that is never read.
 */
export function createFileColdStore(options: { readonly dir: string }): ColdStore {
  const dir = path.resolve(options.dir);
  const segmentDir = path.join(dir, 'segments');
  mkdirSync(segmentDir, { recursive: true });
  const segmentIndex = path.join(dir, 'segments.ndjson');
  const streamIndex = path.join(dir, 'streams.ndjson');
  const segments: SegmentInfo[] = [];
  const streamSegments = new Map<string, number[]>();
  for (const line of readLines(segmentIndex)) {
    try {
      segments.push(JSON.parse(line) as SegmentInfo);
    } catch {
      // unreadable line: ignore, the segment stays unindexed
    }
  }
  const known = new Set(segments.map((s) => s.file));
  for (const line of readLines(streamIndex)) {
    try {
      const { file, streams } = JSON.parse(line) as { file: string; streams: string[] };
      const index = segments.findIndex((s) => s.file === file);
      if (index === -1 || !known.has(file)) continue;
      for (const streamId of streams) streamSegments.set(streamId, [...(streamSegments.get(streamId) ?? []), index]);
    } catch {
      // ignore
    }
  }
  async function load(segment: SegmentInfo): Promise<StoredLine[]> {
    const raw = await gunzipAsync(readFileSync(path.join(segmentDir, segment.file)));
    return raw
      .toString('utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as StoredLine);
  }

  const toEvent = (line: StoredLine): RecordedEvent => ({ ...line, recordedAt: new Date(line.recordedAt) });

  async function* segmentEvents(segment: SegmentInfo, filter?: (line: StoredLine) => boolean, after = 0): AsyncGenerator<RecordedEvent> {
    for (const line of await load(segment)) if (line.globalPosition > after && (!filter || filter(line))) yield toEvent(line);
  }

  return {
    async write(events) {
      if (events.length === 0) return undefined;
      const sorted = [...events].sort((a, b) => a.globalPosition - b.globalPosition);
      const body = sorted.map((e) => JSON.stringify({ ...e, recordedAt: e.recordedAt.toISOString() })).join('\n') + '\n';
      const compressed = await gzipAsync(Buffer.from(body, 'utf8'), { level: 6 });
      const sequence = String(segments.length + 1).padStart(6, '0');
      const file = `seg-${sequence}-${sorted[0]!.globalPosition}-${sorted[sorted.length - 1]!.globalPosition}.ndjson.gz`;
      writeFileAtomic(path.join(segmentDir, file), compressed);
      const info: SegmentInfo = {
        file,
        first: sorted[0]!.globalPosition,
        last: sorted[sorted.length - 1]!.globalPosition,
        count: sorted.length,
        bytes: compressed.length,
        sha256: createHash('sha256').update(compressed).digest('hex'),
      };
      const streams = [...new Set(sorted.map((e) => e.streamId))];
      appendFileDurable(streamIndex, `${JSON.stringify({ file, streams })}\n`);
      // The segment counts as archived once its line is in the segment index.
      appendFileDurable(segmentIndex, `${JSON.stringify(info)}\n`);
      segments.push(info);
      for (const streamId of streams) streamSegments.set(streamId, [...(streamSegments.get(streamId) ?? []), segments.length - 1]);
      return info;
    },

    async *readStream(streamId, readOptions) {
      const holding = (streamSegments.get(streamId) ?? []).map((i) => segments[i]!);
      // Within one stream, global order is stream order.
      const merged = mergeSegments(holding, (segment) => segmentEvents(segment, (line) => line.streamId === streamId));
      if (readOptions?.direction !== 'backwards') {
        yield* merged;
        return;
      }
      const all: RecordedEvent[] = [];
      for await (const event of merged) all.push(event);
      yield* all.reverse();
    },

    readAll(readOptions) {
      const after = readOptions?.after ?? 0;
      return mergeSegments(
        segments.filter((s) => s.last > after),
        (segment) => segmentEvents(segment, undefined, after),
      );
    },

    async archived(positions) {
      const found = new Set<number>();
      if (positions.length === 0) return found;
      const min = Math.min(...positions);
      const max = Math.max(...positions);
      const wanted = new Set(positions);
      for (const segment of segments) {
        if (segment.last < min || segment.first > max) continue;
        for (const line of await load(segment)) if (wanted.has(line.globalPosition)) found.add(line.globalPosition);
      }
      return found;
    },

    segments: () => [...segments],

    async verify(): Promise<ColdVerification> {
      const problems: string[] = [];
      let events = 0;
      for (const segment of segments) {
        const file = path.join(segmentDir, segment.file);
        if (!existsSync(file)) {
          problems.push(`${segment.file}: missing`);
          continue;
        }
        const content = readFileSync(file);
        const sha = createHash('sha256').update(content).digest('hex');
        if (sha !== segment.sha256) problems.push(`${segment.file}: checksum ${sha} != ${segment.sha256}`);
        try {
          const count = (await gunzipAsync(content)).toString('utf8').split('\n').filter(Boolean).length;
          if (count !== segment.count) problems.push(`${segment.file}: ${count} events, index says ${segment.count}`);
          events += count;
        } catch (error) {
          problems.push(`${segment.file}: unreadable (${(error as Error).message})`);
        }
      }
      return { segments: segments.length, events, problems };
    },
  };
}
