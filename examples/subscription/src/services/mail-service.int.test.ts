import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCommandHandler } from '@chronicle/core';
import { testVhost, type TestVhost } from '@chronicle/rabbitmq/testing';
import { createSqliteStore } from '@chronicle/sqlite';
import { afterAll, describe, expect, it } from 'vitest';
import { subscriptionDecider } from '../subscription.js';
import { subscriptionPublicEvents } from './public-events.js';

const vhost = await testVhost('mail-example');
const tsx = createRequire(import.meta.url).resolve('tsx');
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const SUBSCRIPTIONS = 120;
const KILLS = 10;

function start(file: string, env: Record<string, string>): { proc: ChildProcess; ready: Promise<void> } {
  const proc = spawn(process.execPath, ['--conditions=@chronicle/source', '--import', tsx, here(file)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let stderr = '';
  proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const ready = new Promise<void>((resolve, reject) => {
    proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => chunk.includes('ready') && resolve());
    proc.on('exit', (code, signal) => reject(new Error(`${file} exited (${code ?? signal}): ${stderr}`)));
  });
  ready.catch(() => undefined);
  return { proc, ready };
}

async function stop(proc: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.kill(signal);
  await exited;
}

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe.skipIf(!vhost)('mail service (its own process) reacting to public subscription events over RabbitMQ', () => {
  const env = vhost as TestVhost;
  const dir = mkdtempSync(join(tmpdir(), 'chronicle-mail-example-'));
  const mailDir = join(dir, 'mails');
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await env.dispose();
  });

  it(`relay SIGKILLed ${KILLS} times mid-publish: the mails folder has exactly one mail per event`, async () => {
    const settings = {
      AMQP_URL: env.url,
      EXCHANGE: 'subscriptions-public',
      SUBSCRIPTIONS_DB: join(dir, 'subscriptions.db'),
      MAIL_DB: join(dir, 'mail-service.db'),
      MAIL_DIR: mailDir,
    };
    const mailer = start('./mail-main.ts', settings);
    await mailer.ready;
    const store = createSqliteStore({ path: settings.SUBSCRIPTIONS_DB, projections: [subscriptionPublicEvents()] });
    const handle = createCommandHandler(store, subscriptionDecider);
    const mails = () => readdirSync(mailDir).filter((f) => f.endsWith('.eml'));
    // The subscription service keeps taking commands whether its relay runs or not.
    const commands = (async () => {
      for (let i = 0; i < SUBSCRIPTIONS; i++) {
        await handle(`subscription-${i}`, { type: 'Activate', paymentKey: `key-${i}`, now: new Date() });
        if (i % 3 === 0) await handle(`subscription-${i}`, { type: 'Cancel', reason: 'moving', now: new Date() });
      }
    })();
    const expected = SUBSCRIPTIONS + Math.ceil(SUBSCRIPTIONS / 3);
    try {
      for (let kill = 0; kill < KILLS; kill++) {
        const relay = start('./subscription-service-main.ts', settings);
        try {
          await relay.ready;
          const target = Math.min(mails().length + 3 + Math.floor(Math.random() * 12), expected);
          await until(() => mails().length >= target, 30_000, `mails before kill ${kill + 1}`);
        } finally {
          await stop(relay.proc, 'SIGKILL');
        }
      }
      await commands;
      const relay = start('./subscription-service-main.ts', settings);
      try {
        await until(() => mails().length >= expected, 30_000, 'every mail');
      } finally {
        await stop(relay.proc, 'SIGTERM');
      }
    } finally {
      await stop(mailer.proc, 'SIGTERM');
      await store.close();
    }
    const files = mails();
    expect(files).toHaveLength(expected);
    const per = new Map<string, number>();
    for (const file of files) {
      const key = file.replace(/-[0-9a-f-]{36}\.eml$/, '');
      per.set(key, (per.get(key) ?? 0) + 1);
    }
    expect([...per.values()].every((n) => n === 1)).toBe(true);
    for (let i = 0; i < SUBSCRIPTIONS; i++) {
      expect(per.get(`subscription-${i}-SubscriptionActivated`)).toBe(1);
      expect(per.get(`subscription-${i}-SubscriptionCancelled`)).toBe(i % 3 === 0 ? 1 : undefined);
    }
    const inbox = createSqliteStore({ path: settings.MAIL_DB });
    const handled = await inbox.projections.documents.count('sent-mails');
    await inbox.close();
    expect(handled).toBe(expected);
  });
});
