/**
 * The README tutorial as a program.
 * Run: node --conditions=@chronicle/source --import tsx src/main.ts [sqlite:<file> | postgres://…[?schema=name]]
 * (in memory when no store is named).
 */
import { openStore } from './open-store.js';
import { tour } from './tour.js';

const store = await openStore(process.argv[2]);
try {
  await tour(store);
} finally {
  await store.close();
}
