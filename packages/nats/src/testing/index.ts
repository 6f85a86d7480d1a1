export { findNatsServer, INSTALLED_NATS_SERVER, type NatsServerBinary } from './nats-server-binary.js';
export { startNatsCluster, type NatsCluster, type NatsClusterNode, type NatsClusterOptions } from './nats-cluster.js';
export { testNatsUrl } from './test-nats.js';
export { deleteStreams, uniqueLayout } from './test-layout.js';
