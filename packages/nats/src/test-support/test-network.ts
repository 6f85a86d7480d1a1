import { execFileSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';

/** One host of a {@link TestNetwork}: a network namespace with one address on the shared bridge. */
export type TestHost = { readonly namespace: string; readonly ip: string };

/**
 * Hosts in network namespaces that this test process creates, joined by a
 * bridge in the root namespace (which holds the bridge's own address, so a
 * client here reaches every host). All names carry a random id; nothing
 * outside them is touched.
 */
export type TestNetwork = {
  readonly hosts: readonly TestHost[];
  /** Address of the root namespace on the bridge. */
  readonly gateway: string;
  /** Cuts `host` off from every other host (both directions); the root namespace still reaches it. */
  isolate(host: TestHost): void;
  /** Undoes every {@link isolate}. */
  heal(): void;
  /** Deletes the namespaces, veth pairs and bridge. Idempotent. */
  destroy(): void;
};

function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * Why namespaces cannot be made here, or undefined when they can: the test
 * needs root and iproute2's `ip netns`.
 */
export function networkNamespacesUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'network namespaces need root';
  try {
    ip('netns', 'list');
    return undefined;
  } catch (error) {
    return `\`ip netns\` is unavailable (iproute2): ${(error as Error).message.split('\n')[0]}`;
  }
}

/** A /24 under 10.200.0.0/13 that no interface or route of the root namespace uses yet. */
function freeSubnet(): string {
  const used = `${ip('-4', 'addr')}\n${ip('-4', 'route')}`;
  for (let attempt = 0; attempt < 50; attempt++) {
    const subnet = `10.${200 + randomInt(8)}.${randomInt(256)}`;
    if (!used.includes(`${subnet}.`)) return subnet;
  }
  throw new Error('no free 10.200.0.0/13 subnet for the test network');
}

/**
 * Creates `size` hosts. Every step is undone by `destroy()`, also when
 * creation fails half-way; call it in `finally`/`afterAll`.
 */
export function createTestNetwork(size: number): TestNetwork {
  const id = randomBytes(3).toString('hex');
  const subnet = freeSubnet();
  const bridge = `cp${id}br`;
  const gateway = `${subnet}.254`;
  const hosts = Array.from({ length: size }, (_, i) => ({
    namespace: `chronicle-${id}-h${i + 1}`,
    ip: `${subnet}.${i + 1}`,
  }));
  const blackholes: { namespace: string; target: string }[] = [];
  let destroyed = false;
  const network: TestNetwork = {
    hosts,
    gateway,
    isolate(host) {
      for (const other of hosts) {
        if (other === host) continue;
        for (const [namespace, target] of [
          [host.namespace, other.ip],
          [other.namespace, host.ip],
        ] as const) {
          ip('-n', namespace, 'route', 'add', 'blackhole', `${target}/32`);
          blackholes.push({ namespace, target });
        }
      }
    },
    heal() {
      for (const { namespace, target } of blackholes.splice(0))
        ip('-n', namespace, 'route', 'del', 'blackhole', `${target}/32`);
    },
    destroy() {
      if (destroyed) return;
      destroyed = true;
      // Deleting a namespace deletes its veth end and so the pair (a pair not yet moved is deleted by name);
      // the bridge goes last.
      hosts.forEach((host, i) => {
        for (const args of [
          ['netns', 'del', host.namespace],
          ['link', 'del', `cp${id}p${i + 1}`],
        ]) {
          try {
            ip(...args);
          } catch {
            // Not created, or already gone with its namespace.
          }
        }
      });
      try {
        ip('link', 'del', bridge);
      } catch {
        // Not created.
      }
    },
  };
  try {
    ip('link', 'add', bridge, 'type', 'bridge');
    ip('addr', 'add', `${gateway}/24`, 'dev', bridge);
    ip('link', 'set', bridge, 'up');
    hosts.forEach((host, i) => {
      const inside = `cp${id}v${i + 1}`;
      const outside = `cp${id}p${i + 1}`;
      ip('netns', 'add', host.namespace);
      ip('-n', host.namespace, 'link', 'set', 'lo', 'up');
      ip('link', 'add', inside, 'type', 'veth', 'peer', 'name', outside);
      ip('link', 'set', inside, 'netns', host.namespace);
      ip('-n', host.namespace, 'addr', 'add', `${host.ip}/24`, 'dev', inside);
      ip('-n', host.namespace, 'link', 'set', inside, 'up');
      ip('link', 'set', outside, 'master', bridge);
      ip('link', 'set', outside, 'up');
    });
  } catch (error) {
    network.destroy();
    throw error;
  }
  return network;
}
