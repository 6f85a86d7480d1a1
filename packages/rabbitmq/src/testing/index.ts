export { rabbitHostPort, testVhost, type TestVhost } from './rabbit-test-env.js';
