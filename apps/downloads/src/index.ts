/**
 * The Downloads license service as a library: wire it onto any Chronicle store
 * with {@link createDownloadsApp} (what `npm start` and the HTTP benchmark do).
 */
export { createDownloadsApp, downloadsStateModels, titlePopularity, type DownloadsApp, type DownloadsAppOptions } from './app.js';
export { loadDemoHistory } from './demo.js';
export { FallbackJournal, isStoreOutage, type FallbackEntry } from './fallback.js';
export { defaultRules, fileRules, memoryRules, rulesSchema, type Rules, type RulesSource } from './rules.js';
export { DownloadsService, type LicenseGrant, type RequestContext } from './service.js';
export { decideAcquisition, type AcquireLicense, type AcquisitionEvents } from './domain/acquisition.js';
export { accountDecider, accountStream, type Account, type AccountEvent } from './domain/account.js';
export { downloadedDecider, type Downloaded, type DownloadedEvent } from './domain/downloaded.js';
export { licenseDecider } from './domain/license.js';
