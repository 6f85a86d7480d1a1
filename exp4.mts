import { connect, headers } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
const nc = await connect({ servers: 'nats://127.0.0.1:14223' });
const jsm = await jetstreamManager(nc);
await jsm.streams.delete('T').catch(() => {});
await jsm.streams.add({ name: 'T', subjects: ['t.>'], allow_atomic: true, duplicate_window: 120e9 } as any);
async function batch(id: string, msgs: [string, number, string][]) {
  for (let i = 0; i < msgs.length; i++) {
    const h = headers();
    h.set('Nats-Batch-Id', id); h.set('Nats-Batch-Sequence', String(i + 1));
    h.set('Nats-Expected-Last-Subject-Sequence', String(msgs[i]![1]));
    h.set('Nats-Msg-Id', msgs[i]![2]);
    if (i === msgs.length - 1) {
      h.set('Nats-Batch-Commit', '1');
      const r = await nc.request(msgs[i]![0], new TextEncoder().encode('x' + i), { headers: h, timeout: 2000 });
      return JSON.parse(new TextDecoder().decode(r.data));
    }
    nc.publish(msgs[i]![0], new TextEncoder().encode('x' + i), { headers: h });
  }
}
console.log(await batch('b1', [['t.a', 0, 'm1'], ['t.b', 0, 'm2']]));
console.log(await batch('b2', [['t.a', 0, 'm1'], ['t.b', 0, 'm2']]));
console.log(await batch('b3', [['t.a', 1, 'm3'], ['t.b', 2, 'm2']]));
console.log((await jsm.streams.info('T')).state.messages);
await nc.close();
