export { spec, type ErrorExpectation, type ThenStep, type WhenStep } from './decider-spec.js';
export { mountScratchDisk, type ScratchDisk } from './scratch-disk.js';
export { damageFile } from './damage-file.js';
export { freePort, startTcpProxy, tcpReachable } from './tcp.js';
