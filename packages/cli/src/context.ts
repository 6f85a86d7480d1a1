import { InvalidArgumentError, type Command } from 'commander';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createFileColdStore, createTieredStore, withEventSchemas, type EventStore } from '@chronicle/core';
import { loadApp, type LoadedApp } from './app/load-app.js';
import { coldDir, openStore, resolveTarget, type OpenOptions, type StoreOptions, type StoreTarget } from './store/open-store.js';

/** Options every command accepts (declared on the program). */
export type GlobalOptions = StoreOptions & {
  readonly app?: string;
  /** Archive directory (`--cold`). */
  readonly cold?: string;
  /** False with `--no-progress`. */
  readonly progress: boolean;
};

/** The global options of the command being run. */
export function globalOptions(command: Command): GlobalOptions {
  return command.optsWithGlobals<GlobalOptions>();
}

/** Whether an archive exists in `dir` (its segment index). */
export function hasArchive(dir: string): boolean {
  return existsSync(path.join(dir, 'segments.ndjson'));
}

/**
 * Runs `work` with the store the options point at, and always closes it. A missing store is
 * refused ("no such store") unless `create`.
 * With `tiered`, reads also return archived events when an archive exists
 * (`--cold`, or the default archive directory).
 */
export async function withStore<T>(
  options: GlobalOptions,
  work: (store: EventStore, target: StoreTarget) => Promise<T>,
  open: OpenOptions & { readonly tiered?: boolean } = {},
): Promise<T> {
  const target = resolveTarget(options);
  const store = await openStore(target, open);
  const dir = coldDir(target, options.cold);
  try {
    return await work(open.tiered && hasArchive(dir) ? createTieredStore({ hot: store, cold: createFileColdStore({ dir }) }) : store, target);
  } finally {
    await store.close();
  }
}

/** The application definitions, and the store as the application reads it (upcast through its schemas). */
export async function appView(options: GlobalOptions, store: EventStore): Promise<LoadedApp & { readonly store: EventStore }> {
  const loaded = await loadApp(options.app);
  return { ...loaded, store: loaded.app.schemas ? withEventSchemas(store, loaded.app.schemas) : store };
}

/** Parses a non-negative integer option value (commander argParser). */
export function integer(name: string, min = 0): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(parsed) || parsed < min) {
      throw new InvalidArgumentError(`${name} must be an integer >= ${min}, got ${JSON.stringify(value)}`);
    }
    return parsed;
  };
}

