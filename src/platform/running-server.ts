import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isProcessAlive } from './net';

interface RunningServerFile {
  pid: number;
  publicUrl: string;
}

const fileIn = (dataDir: string) => join(dataDir, 'server.json');

/**
 * Notes in DATA_DIR where the API process serves, so a command-line tool on the same DATA_DIR
 * (the apikey CLI's example call) names the server's URL even when its own environment sets no
 * PORT or PUBLIC_URL. Best effort: a read-only DATA_DIR only loses the note. Returns the function
 * that removes the note on shutdown (only if it is still this process's).
 */
export function recordRunningServer(dataDir: string, publicUrl: string): () => void {
  const path = fileIn(dataDir);
  try {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(
      path,
      JSON.stringify({ pid: process.pid, publicUrl } satisfies RunningServerFile),
    );
  } catch {
    return () => undefined;
  }
  return () => {
    if (readRecord(dataDir)?.pid === process.pid) rmSync(path, { force: true });
  };
}

/** The public URL of a live API process on this DATA_DIR, if there is one. */
export function runningServerUrl(dataDir: string): string | undefined {
  const record = readRecord(dataDir);
  return record && isProcessAlive(record.pid) ? record.publicUrl : undefined;
}

function readRecord(dataDir: string): RunningServerFile | undefined {
  try {
    const parsed = JSON.parse(readFileSync(fileIn(dataDir), 'utf8')) as Partial<RunningServerFile>;
    return typeof parsed.pid === 'number' && typeof parsed.publicUrl === 'string'
      ? { pid: parsed.pid, publicUrl: parsed.publicUrl }
      : undefined;
  } catch {
    return undefined;
  }
}
