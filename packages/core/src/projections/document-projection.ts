import type { RecordedEvent } from '../events/event.js';
import type { Projection } from './projection.js';

/** Options of {@link documentProjection}. */
export type DocumentProjectionOptions<Doc, E extends RecordedEvent = RecordedEvent> = {
  readonly name: string;
  readonly version?: number;
  /** Collection the documents live in (scoped by version automatically). */
  readonly collection: string;
  readonly eventTypes?: readonly string[];
  /** Which document an event updates; return undefined to ignore the event. */
  readonly documentId: (event: E) => string | undefined;
  /** Next version of the document; return `null` to delete it. */
  readonly evolve: (document: Doc | undefined, event: E) => Doc | null;
};

/**
 * The common read model: one document per id, folded from the events that
 * concern it. Each batch costs one `getMany` and one `putMany` whatever its
 * size, which is what makes catch-up fast on a networked database.
 *
 * @example
 * const studentView = documentProjection<StudentView>({
 *   name: 'students', collection: 'students',
 *   documentId: (event) => event.streamId,
 *   evolve: (view, event) => applyStudentEvent(view, event),
 * });
 */
export function documentProjection<Doc, E extends RecordedEvent = RecordedEvent>(options: DocumentProjectionOptions<Doc, E>): Projection {
  return {
    name: options.name,
    ...(options.version === undefined ? {} : { version: options.version }),
    ...(options.eventTypes === undefined ? {} : { eventTypes: options.eventTypes }),
    async handle(events, tx, context) {
      const collection = context.collection(options.collection);
      const targets = events.map((event) => options.documentId(event as E));
      const ids = [...new Set(targets.filter((id): id is string => id !== undefined))];
      if (ids.length === 0) return;
      const loaded = await tx.documents.getMany<Doc>(collection, ids);
      const current = new Map<string, Doc | null>(loaded);
      events.forEach((event, index) => {
        const id = targets[index];
        if (id === undefined) return;
        const before = current.get(id);
        current.set(id, options.evolve(before === null ? undefined : before, event as E));
      });
      const puts: [string, Doc][] = [];
      const deletes: string[] = [];
      for (const [id, document] of current) {
        if (document === null) deletes.push(id);
        else puts.push([id, document]);
      }
      if (puts.length > 0) await tx.documents.putMany(collection, puts);
      if (deletes.length > 0) await tx.documents.deleteMany(collection, deletes);
    },
  };
}
