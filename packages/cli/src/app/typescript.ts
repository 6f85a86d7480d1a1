let registered: Promise<void> | undefined;

/**
 * Makes `import()` of TypeScript application modules work when the CLI runs
 * compiled (dist): registers tsx's loader once, if tsx is installed. Under tsx
 * (the workspace default) it does nothing.
 */
export function enableTypeScript(): Promise<void> {
  if (import.meta.url.endsWith('.ts')) return Promise.resolve();
  registered ??= import('tsx/esm/api').then(
    ({ register }) => void register(),
    () => undefined,
  );
  return registered;
}
