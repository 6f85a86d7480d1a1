import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CliError, exitCodes } from '../errors.js';
import type { AnyDecider, ChronicleApp } from './app-module.js';
import { enableTypeScript } from './typescript.js';

/** Config files looked up in the working directory, in order. */
export const CONFIG_FILES = ['chronicle.config.mjs', 'chronicle.config.js', 'chronicle.config.ts'] as const;

function isPathLike(specifier: string): boolean {
  return specifier.startsWith('.') || path.isAbsolute(specifier) || /\.(m?[jt]s|cjs)$/.test(specifier);
}

/** Imports a module named on the command line: a file path (relative to cwd) or a package name. */
export async function importModule(specifier: string, cwd = process.cwd()): Promise<Record<string, unknown>> {
  const target = isPathLike(specifier) ? pathToFileURL(path.resolve(cwd, specifier)).href : specifier;
  if (isPathLike(specifier) && !existsSync(path.resolve(cwd, specifier))) throw new CliError(`module not found: ${specifier}`, exitCodes.usage);
  if (/\.[mc]?ts$/.test(specifier)) await enableTypeScript();
  try {
    return (await import(target)) as Record<string, unknown>;
  } catch (error) {
    throw new CliError(`cannot load ${specifier}: ${(error as Error).message.split('\n')[0]}`, exitCodes.usage);
  }
}

function asApp(module: Record<string, unknown>): ChronicleApp {
  const candidate = (module.default ?? module) as ChronicleApp;
  if (typeof candidate !== 'object' || candidate === null) throw new CliError('the app module must export an object (default export) with projections/deciders/schemas', exitCodes.usage);
  return candidate;
}

/** Where the application definitions come from, for messages. */
export type LoadedApp = { readonly app: ChronicleApp; readonly source: string };

/**
 * The application: `--app <module>`, else `chronicle.config.(mjs|js|ts)` in the
 * working directory, else the Downloads app when its sources are installed,
 * else an empty app (store-level commands still work).
 */
export async function loadApp(specifier: string | undefined, cwd = process.cwd()): Promise<LoadedApp> {
  if (specifier) return { app: asApp(await importModule(specifier, cwd)), source: specifier };
  for (const file of CONFIG_FILES) {
    if (existsSync(path.join(cwd, file))) return { app: asApp(await importModule(`./${file}`, cwd)), source: file };
  }
  try {
    const { downloadsApp } = await import('./downloads-app.js');
    return { app: await downloadsApp(), source: '@chronicle/downloads' };
  } catch (error) {
    if (process.env.CHRONICLE_DEBUG) process.stderr.write(`Downloads app not loaded: ${(error as Error).stack}\n`);
    return { app: {}, source: `no app module; the Downloads default did not load: ${(error as Error).message.split('\n')[0]}` };
  }
}

/** Finds the decider exported by a `--decider` module: `default`, `decider`, or the only export shaped like one. */
export function deciderExport(module: Record<string, unknown>, specifier: string): AnyDecider {
  const isDecider = (value: unknown): value is AnyDecider =>
    typeof value === 'object' && value !== null && typeof (value as AnyDecider).initialState === 'function' && typeof (value as AnyDecider).evolve === 'function';
  if (isDecider(module.default)) return module.default;
  if (isDecider(module.decider)) return module.decider;
  const found = Object.values(module).filter(isDecider);
  if (found.length === 1) return found[0]!;
  throw new CliError(`${specifier}: export the new decider as default or as \`decider\` (an object with initialState, evolve and decide)`, exitCodes.usage);
}
