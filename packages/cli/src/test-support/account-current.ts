// The Downloads account decider as it is, for shadow tests that replay
// deactivations under the rules in force at each one's time.
export { accountDecider as decider } from '../../../../apps/downloads/src/domain/account.js';
