import { DomainError, type Projection } from '@chronicle/core';
import type { StudentCreated, StudentUpdated } from './student.js';

/** Another student already uses this e-mail address. */
export class EmailTakenError extends DomainError {
  constructor(readonly email: string) {
    super('EMAIL_TAKEN', `${email} belongs to another student`);
  }
}

type EmailOwner = { readonly streamId: string };

/**
 * A rule across streams, kept by an INLINE projection: each e-mail address
 * belongs to one student. The address is claimed in the append's own
 * transaction with `create` (first one wins, even between concurrent
 * appends), so when it is taken the projection throws, and neither the
 * events nor any read-model change of that command are stored.
 */
export const uniqueEmails: Projection = {
  name: 'unique-emails',
  eventTypes: ['StudentCreated', 'StudentUpdated'],
  async handle(events, tx) {
    for (const event of events) {
      const { email } = event.data as (StudentCreated | StudentUpdated)['data'];
      const claimed = await tx.documents.create('student-emails', email, { streamId: event.streamId } satisfies EmailOwner);
      if (!claimed && (await tx.documents.get<EmailOwner>('student-emails', email))?.streamId !== event.streamId) throw new EmailTakenError(email);
      // Release the student's previous address.
      const previous = await tx.documents.get<{ email: string }>('student-email-of', event.streamId);
      if (previous && previous.email !== email) await tx.documents.delete('student-emails', previous.email);
      await tx.documents.put('student-email-of', event.streamId, { email });
    }
  },
};
