/**
 * The NATS server of this test run: nats-server >= 2.12, found or started by
 * the run's global setup (`CHRONICLE_TEST_NATS_URL`). Undefined, with the
 * reason, when there is none; under `CI=true` that throws instead.
 */
export function testNatsUrl(what: string): string | undefined {
  const url = process.env.CHRONICLE_TEST_NATS_URL;
  if (url) return url;
  const reason =
    process.env.CHRONICLE_TEST_NATS_MISSING ?? 'the NATS global setup did not run (vitest.config.ts globalSetup)';
  if (process.env.CI === 'true') throw new Error(`no NATS for ${what}: ${reason}; CI=true requires it`);
  console.warn(`\n⚠ no NATS >= 2.12 for ${what} (${reason}): skipped\n`);
  return undefined;
}
