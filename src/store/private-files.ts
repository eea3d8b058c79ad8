/** openfc's data folder and the files in it are readable by their owner only, whatever the umask. */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';

export function privateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}

/** Narrows an existing file to its owner (0600): the mode given at creation is cut by the umask. */
export function privateFileIfExists(file: string): void {
  if (existsSync(file)) chmodSync(file, 0o600);
}

/**
 * A database file of `dir`, made (empty) for its owner only before a driver opens it: SQLite gives
 * its -wal and -shm files the database file's mode. Existing ones are narrowed too.
 */
export function privateDatabaseFile(dir: string, name: string): string {
  privateDir(dir);
  const file = path.join(dir, name);
  closeSync(openSync(file, 'a', 0o600));
  for (const made of [file, `${file}-wal`, `${file}-shm`]) privateFileIfExists(made);
  return file;
}
