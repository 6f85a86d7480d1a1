export { createServer, type ServerContext, type ServerOptions } from './create-server.js';
export { readGuard, requireToken, writeGuard, type AuthOptions } from './auth.js';
export { HttpProblem, allServerCodes, problem, sendProblem, serverErrorCodes, statusByCode, toProblem, type Problem } from './problem.js';
export { categoryOf, type StateModel, type StateModels } from './state-models.js';
export type { RegisteredProjection } from './projection-registry.js';
export type { ServerMetrics } from './metrics.js';
export { inSpan, tracedStore, tracer } from './tracing.js';
export { toWire, wireEventSchema, problemSchema, type WireEvent } from './wire.js';
export { loadServerConfig, type ServerConfig } from './config.js';
