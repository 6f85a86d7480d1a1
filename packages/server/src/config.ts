import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Settings every Chronicle server reads from the environment; each has a working default. */
export type ServerConfig = {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly pgUrl: string | undefined;
  readonly natsUrl: string | undefined;
  readonly token: string;
  /** True when the token was generated now (print it once). */
  readonly tokenGenerated: boolean;
  readonly readsRequireToken: boolean;
};

/**
 * Reads `PORT` (3000), `HOST` (127.0.0.1), `CHRONICLE_DATA_DIR` (./data),
 * `CHRONICLE_PG_URL`, `CHRONICLE_NATS_URL`, `CHRONICLE_API_TOKEN` and
 * `CHRONICLE_READS_REQUIRE_TOKEN`. Without a token, one is generated and kept in
 * `<dataDir>/api-token` (mode 600), so it survives restarts.
 */
export function loadServerConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`PORT must be an integer from 0 to 65535, got ${env.PORT}`);
  const dataDir = path.resolve(env.CHRONICLE_DATA_DIR ?? './data');
  mkdirSync(dataDir, { recursive: true });
  let token = env.CHRONICLE_API_TOKEN?.trim() ?? '';
  let tokenGenerated = false;
  if (!token) {
    const file = path.join(dataDir, 'api-token');
    try {
      token = readFileSync(file, 'utf8').trim();
    } catch {
      token = randomBytes(24).toString('base64url');
      writeFileSync(file, `${token}\n`, { mode: 0o600 });
      tokenGenerated = true;
    }
  }
  return {
    port,
    host: env.HOST ?? '127.0.0.1',
    dataDir,
    pgUrl: env.CHRONICLE_PG_URL || undefined,
    natsUrl: env.CHRONICLE_NATS_URL || undefined,
    token,
    tokenGenerated,
    readsRequireToken: env.CHRONICLE_READS_REQUIRE_TOKEN === '1' || env.CHRONICLE_READS_REQUIRE_TOKEN === 'true',
  };
}
