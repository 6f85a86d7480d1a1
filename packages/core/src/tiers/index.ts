export type { ColdStore, ColdVerification, SegmentInfo } from './cold-store.js';
export { createFileColdStore } from './file-cold-store.js';
export { archive, type ArchiveOptions, type ArchivePolicy, type ArchiveReport } from './archiver.js';
export { createTieredStore, type FallbackNotice, type TieredStore, type TieredStoreOptions, type Tiers } from './tiered-store.js';
export { mergeSegments } from './merge.js';
