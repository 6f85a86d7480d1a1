import { randomBytes } from 'node:crypto';
import { closeSync, fstatSync, fsyncSync, ftruncateSync, linkSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';

/** Options of {@link writeFileAtomic}. */
export type AtomicWriteOptions = {
  /** Permission bits of a new file (default 0o644); e.g. 0o600 for secrets. */
  readonly mode?: number;
  /** Fail with `EEXIST` instead of replacing an existing file (the first of racing writers wins). */
  readonly exclusive?: boolean;
};

function writeAll(fd: number, bytes: Buffer): void {
  for (let offset = 0; offset < bytes.length; ) offset += writeSync(fd, bytes, offset);
}

/** Makes a rename or link in `dir` durable (on file systems that support it). */
export function fsyncDirectory(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, 'r');
  } catch {
    return; // a directory that cannot be opened for reading (some platforms): the rename is still atomic
  }
  try {
    fsyncSync(fd);
  } catch {
    // Directories cannot be fsync'ed on every file system (EINVAL); the rename is still atomic.
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes `content` to `file` so that, whatever happens (disk full, crash,
 * power cut), `file` holds either its old content or the new one, never a
 * part: the bytes go to a temporary file beside it, which is fsync'ed and then
 * renamed over `file` (or linked, with `exclusive`), and the directory is
 * fsync'ed. On failure the temporary file is removed and the error (e.g.
 * `ENOSPC`) is thrown; `file` is untouched.
 *
 * @example
 * writeFileAtomic('data/api-token', `${token}\n`, { mode: 0o600, exclusive: true });
 */
export function writeFileAtomic(file: string, content: string | Buffer, options: AtomicWriteOptions = {}): void {
  const dir = path.dirname(file);
  const temp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fd = openSync(temp, 'wx', options.mode ?? 0o644);
  let linked = false;
  try {
    try {
      writeAll(fd, typeof content === 'string' ? Buffer.from(content, 'utf8') : content);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (options.exclusive) {
      linkSync(temp, file);
      linked = true;
    } else renameSync(temp, file);
  } catch (error) {
    try {
      unlinkSync(temp);
    } catch {
      // already gone
    }
    throw error;
  }
  if (linked) unlinkSync(temp);
  fsyncDirectory(dir);
}

/**
 * Appends `content` to `file` (created if missing) and fsyncs it before
 * returning. If the write fails part-way (disk full), the file is cut back to
 * its previous length (or removed, if this call created it), so a later
 * append does not land after a torn fragment; the error is thrown.
 */
export function appendFileDurable(file: string, content: string | Buffer, options: { readonly mode?: number } = {}): void {
  let created = true;
  let fd: number;
  try {
    fd = openSync(file, 'ax', options.mode ?? 0o644);
  } catch (error) {
    if ((error as { code?: string }).code !== 'EEXIST') throw error;
    created = false;
    fd = openSync(file, 'a');
  }
  let failed = false;
  try {
    const before = fstatSync(fd).size;
    try {
      writeAll(fd, typeof content === 'string' ? Buffer.from(content, 'utf8') : content);
      fsyncSync(fd);
    } catch (error) {
      failed = true;
      try {
        ftruncateSync(fd, before);
      } catch {
        // nothing more can be done; readers skip a torn last line
      }
      throw error;
    }
  } finally {
    closeSync(fd);
    if (failed && created) {
      try {
        unlinkSync(file);
      } catch {
        // already gone
      }
    }
  }
  if (created) fsyncDirectory(path.dirname(file));
}
