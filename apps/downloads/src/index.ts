/**
 * The Downloads license service as a library: wire it onto any Chronicle store
 * with {@link createDownloadsApp} (what `npm start` and the HTTP benchmark do).
 */
export { createDownloadsApp, downloadsStateModels, titlePopularity, type DownloadsApp, type DownloadsAppOptions } from './app.js';
export { demoSetupInstant, loadDemoHistory, pinnableClock, type PinnableClock } from './demo.js';
export { FallbackJournal, isStoreOutage, type FallbackEntry } from './fallback.js';
export { defaultRules, memoryRules, parseRulesFile, rulesSchema, type Rules, type RulesChangeRequest, type RulesSource } from './rules.js';
export { RULES_STREAM, rulesDecider, rulesInForceAt, toRulesChange, type RulesChange, type RulesChanged } from './rules-history.js';
export { createStoredRules, type StoredRulesOptions } from './stored-rules.js';
export { DownloadsService, type Clock, type LicenseGrant, type RequestContext } from './service.js';
export { decideAcquisition, type AcquireLicense, type AcquisitionEvents } from './domain/acquisition.js';
export { accountDecider, accountStream, type Account, type AccountEvent } from './domain/account.js';
export { downloadedDecider, type Downloaded, type DownloadedEvent } from './domain/downloaded.js';
export { licenseDecider } from './domain/license.js';
