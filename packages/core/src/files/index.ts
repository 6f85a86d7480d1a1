export { appendFileDurable, fsyncDirectory, writeFileAtomic, type AtomicWriteOptions } from './durable-files.js';
