import type { ProjectionHost } from '@chronicle/core';
import type { DownloadsService } from './service.js';

const DAY = 24 * 60 * 60 * 1000;
const MARKER = { collection: '$demo', id: 'downloads' };

/**
 * A small, believable history so the explorer has something to show: a few
 * customers downloading, renewing, releasing, hitting limits and deactivating
 * a device over the last months. Loaded once per store.
 */
export async function loadDemoHistory(service: DownloadsService, host: Pick<ProjectionHost<unknown>, 'documents' | 'transaction'>, now = new Date()): Promise<boolean> {
  if (await host.documents.get(MARKER.collection, MARKER.id)) return false;
  const start = now.getTime() - 200 * DAY;
  const day = (n: number): Date => new Date(start + n * DAY + (n % 7) * 3_600_000);
  const quietly = async (work: () => Promise<unknown>): Promise<void> => {
    await work().catch((error: { code?: string }) => {
      if (!error.code) throw error; // demo includes refused requests on purpose
    });
  };
  const bailey = 'bailey';
  const sam = 'sam';
  const alex = 'alex';
  const a = await service.acquire({ customerId: bailey, deviceId: 'bailey-phone', titleId: 'stranger-things', studioId: 'netflix' }, { now: day(0) });
  await service.acquire({ customerId: bailey, deviceId: 'bailey-tablet', titleId: 'the-crown', studioId: 'netflix' }, { now: day(2) });
  await service.renew(a.licenseId, { now: day(29) });
  await service.renew(a.licenseId, { now: day(58) });
  await service.release(a.licenseId, { now: day(70) });
  await quietly(() => service.renew(a.licenseId, { now: day(71) })); // refused: LICENSE_RELEASED — the talk's bug, prevented
  const again = await service.acquire({ customerId: bailey, deviceId: 'bailey-phone', titleId: 'stranger-things', studioId: 'netflix' }, { now: day(90) });
  const laptop = await service.acquire({ customerId: bailey, deviceId: 'bailey-laptop', titleId: 'stranger-things', studioId: 'netflix' }, { now: day(120) });
  await quietly(() => service.acquire({ customerId: bailey, deviceId: 'bailey-tv', titleId: 'stranger-things', studioId: 'netflix' }, { now: day(121) })); // yearly limit
  await service.renew(again.licenseId, { now: day(119) });
  await service.renew(laptop.licenseId, { now: day(185) }); // still active today; the other two have expired
  const s1 = await service.acquire({ customerId: sam, deviceId: 'sam-phone', titleId: 'dark', studioId: 'hbo' }, { now: day(10) });
  await service.acquire({ customerId: sam, deviceId: 'sam-phone', titleId: 'succession', studioId: 'hbo' }, { now: day(11) });
  await service.acquire({ customerId: sam, deviceId: 'sam-old-tablet', titleId: 'mindhunter', studioId: 'netflix' }, { now: day(12) });
  await service.deactivateDevice('sam-old-tablet', sam, { now: day(150) });
  await service.release(s1.licenseId, { now: day(160) });
  for (let i = 0; i < 5; i++) {
    await quietly(() => service.acquire({ customerId: alex, deviceId: `alex-device-${i}`, titleId: `title-${i}`, studioId: 'netflix' }, { now: day(180 + i) })); // the fifth device is refused
  }
  await host.transaction((tx) => tx.documents.put(MARKER.collection, MARKER.id, { loadedAt: now.toISOString() }));
  return true;
}
