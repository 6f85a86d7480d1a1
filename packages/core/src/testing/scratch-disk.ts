import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A small file system of its own, mounted for a test. */
export type ScratchDisk = {
  /** Where it is mounted. */
  readonly dir: string;
  /** Grows (or shrinks) it to `bytes`, keeping its files: the operator adding space. */
  resize(bytes: number): void;
  /** Unmounts it and removes the mount point. */
  remove(): void;
};

/**
 * Mounts a tmpfs of `bytes` (read-only with `readOnly`) on a fresh directory,
 * for tests of a full or read-only disk: writes past the size fail with a real
 * `ENOSPC`, writes to a read-only one with `EROFS`. Needs Linux and the right
 * to mount (root); returns the reason as a string when it cannot mount.
 */
export function mountScratchDisk(bytes: number, options: { readonly readOnly?: boolean } = {}): ScratchDisk | string {
  const dir = mkdtempSync(path.join(tmpdir(), 'chronicle-disk-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes},mode=0777${options.readOnly ? ',ro' : ''}`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    return `cannot mount a tmpfs here (${stderr || (error as Error).message}); these tests need Linux and root`;
  }
  return {
    dir,
    resize(bytes) {
      execFileSync('mount', ['-o', `remount,size=${bytes}`, dir], { stdio: 'pipe' });
    },
    remove() {
      try {
        execFileSync('umount', [dir], { stdio: 'pipe' });
      } catch {
        // Still busy (a process being killed holds a file): detach now, freed when the last user goes.
        execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
