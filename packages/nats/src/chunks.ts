import type { StoreContext } from './store-context.js';

const encoder = new TextEncoder();
const IN_FLIGHT = 4;

/**
 * Stores the bodies of an append too large for one message as chunk messages
 * on the aux stream (`<prefix>.x.chunk.<append id>.<n>`). They are invisible to
 * readers until the commit that names them is stored; if it never is, they are
 * purged (or, after a crash, left as unreferenced garbage).
 */
export async function stageChunks(context: StoreContext, appendId: string, bodies: readonly string[]): Promise<void> {
  for (let start = 0; start < bodies.length; start += IN_FLIGHT) {
    await Promise.all(
      bodies.slice(start, start + IN_FLIGHT).map((body, offset) => {
        const index = start + offset;
        return context.io.publish(context.layout.chunkSubject(appendId, index), encoder.encode(body), { msgId: `${appendId}.chunk.${index}` });
      }),
    );
  }
}

/** Removes an uncommitted append's chunks (best effort). */
export async function discardChunks(context: StoreContext, appendId: string): Promise<void> {
  await context.io.purgeSubject(context.layout.auxStream, context.layout.chunkFilter(appendId)).catch(() => undefined);
}
