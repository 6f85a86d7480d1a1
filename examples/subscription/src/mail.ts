import type { Documents, ProjectionHost } from '@chronicle/core';

/** An e-mail to send. `id` makes sending idempotent: the same id is sent once. */
export type Mail = { readonly id: string; readonly to: string; readonly subject: string; readonly body: string };

/** The mail port the reactors talk to. */
export interface Mailer {
  send(mail: Mail): Promise<void>;
}

/**
 * Writes mails to an outbox collection in the store's database, keyed by mail
 * id (so a repeated reaction does not queue a second mail). A delivery worker
 * (or a test) reads the outbox.
 */
export function outboxMailer(host: Pick<ProjectionHost<unknown>, 'transaction'>, collection = 'mail-outbox'): Mailer {
  return {
    async send(mail) {
      await host.transaction((tx) => tx.documents.create(collection, mail.id, { ...mail, queuedAt: new Date().toISOString() }));
    },
  };
}

/** Mails waiting in the outbox. */
export async function queuedMails(documents: Documents, collection = 'mail-outbox'): Promise<Mail[]> {
  return (await documents.find<Mail>(collection)).map((entry) => entry.document);
}

/** Prints mails instead of sending them (development). */
export function consoleMailer(write: (line: string) => void = console.log): Mailer {
  const sent = new Set<string>();
  return {
    async send(mail) {
      if (sent.has(mail.id)) return;
      sent.add(mail.id);
      write(`✉ to ${mail.to}: ${mail.subject}\n  ${mail.body}`);
    },
  };
}
