import type { ProjectionHost } from '@chronicle/core';
import type { DownloadsService } from './service.js';

const DAY = 24 * 60 * 60 * 1000;
const MARKER = { collection: '$demo', id: 'downloads' };

/**
 * A clock a store can record with (its `clock` option) that the demo loader pins to past instants, so the demo's
 * `recordedAt` matches the history it tells; it reads the real time whenever it is not pinned.
 */
export type PinnableClock = {
  /** The store's clock: the pinned instant, or the real time. */
  readonly now: () => Date;
  /** Record at `at` from now on (undefined: the real time again). */
  pin(at: Date | undefined): void;
};

/** A {@link PinnableClock}, unpinned. */
export function pinnableClock(): PinnableClock {
  let pinned: number | undefined;
  return {
    now: () => new Date(pinned ?? Date.now()),
    pin(at) {
      pinned = at?.getTime();
    },
  };
}

/** How far back the demo story starts. */
const STORY_DAYS = 200;

/**
 * The instant, a day before the demo's first customer, at which what a fresh store gets before the demo (the rules
 * Downloads seeds at start) is recorded when the demo loads into it, so `recordedAt` grows with the global position.
 */
export function demoSetupInstant(now: Date): Date {
  return new Date(now.getTime() - (STORY_DAYS + 1) * DAY);
}

/**
 * A small, believable history so the explorer has something to show: a few
 * customers downloading, renewing, releasing, hitting limits and deactivating
 * a device over the 200 days before `now`, in time order. Loaded once per store.
 *
 * With `clock` (the store's clock), each step is recorded at the instant it
 * happens in the story, so `recordedAt` spreads over months, grows with the
 * global position and agrees with the events' own times (acquiredAt, expiresAt…);
 * the clock is unpinned when the load ends. Without it every event is recorded now.
 */
export async function loadDemoHistory(
  service: DownloadsService,
  host: Pick<ProjectionHost<unknown>, 'documents' | 'transaction'>,
  now = new Date(),
  clock?: PinnableClock,
): Promise<boolean> {
  if (await host.documents.get(MARKER.collection, MARKER.id)) return false;
  const start = now.getTime() - STORY_DAYS * DAY;
  let last = -Infinity;
  /** Day `n` of the story (an hour of the day that varies), pinned on the store's clock; never goes back. */
  const day = (n: number): Date => {
    const at = new Date(start + n * DAY + (n % 7) * 3_600_000);
    if (at.getTime() < last) throw new Error(`demo step at day ${n} is out of order`);
    last = at.getTime();
    clock?.pin(at);
    return at;
  };
  const quietly = async (work: () => Promise<unknown>): Promise<void> => {
    await work().catch((error: { code?: string }) => {
      if (!error.code) throw error; // demo includes refused requests on purpose
    });
  };
  type Who = [customerId: string, deviceId: string, titleId: string, studioId: string];
  const acquire = (n: number, ...[customerId, deviceId, titleId, studioId]: Who) =>
    service.acquire({ customerId, deviceId, titleId, studioId }, { now: day(n) });
  const renew = (n: number, licenseId: string) => service.renew(licenseId, { now: day(n) });
  try {
    const a = await acquire(0, 'bailey', 'bailey-phone', 'stranger-things', 'netflix');
    await acquire(2, 'bailey', 'bailey-tablet', 'the-crown', 'netflix');
    const s1 = await acquire(10, 'sam', 'sam-phone', 'dark', 'hbo');
    await acquire(11, 'sam', 'sam-phone', 'succession', 'hbo');
    await acquire(12, 'sam', 'sam-old-tablet', 'mindhunter', 'netflix');
    await renew(29, a.licenseId);
    await renew(58, a.licenseId);
    await service.release(a.licenseId, { now: day(70) });
    await quietly(() => renew(71, a.licenseId)); // refused: LICENSE_RELEASED — the talk's bug, prevented
    const again = await acquire(90, 'bailey', 'bailey-phone', 'stranger-things', 'netflix');
    await renew(119, again.licenseId);
    const laptop = await acquire(120, 'bailey', 'bailey-laptop', 'stranger-things', 'netflix');
    await quietly(() => acquire(121, 'bailey', 'bailey-tv', 'stranger-things', 'netflix')); // yearly limit
    await service.deactivateDevice('sam-old-tablet', 'sam', { now: day(150) });
    await service.release(s1.licenseId, { now: day(160) });
    for (let i = 0; i < 5; i++) {
      // the fifth device is refused
      await quietly(() => acquire(180 + i, 'alex', `alex-device-${i}`, `title-${i}`, 'netflix'));
    }
    await renew(185, laptop.licenseId); // still active today; the other two have expired
  } finally {
    clock?.pin(undefined);
  }
  await host.transaction((tx) => tx.documents.put(MARKER.collection, MARKER.id, { loadedAt: now.toISOString() }));
  return true;
}
