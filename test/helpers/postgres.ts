/**
 * A real PostgreSQL for tests (suites that use it declare it with `requirePackages(['postgresql'])`, see
 * system-packages.ts). `postgresUrl()` returns the URL of a fresh, empty database on
 * every call: on the server named by `TEST_DATABASE_URL` if set (its user needs CREATEDB), else on a throwaway
 * cluster this process starts from Debian's binaries in a temp dir, on a free port. Each test file runs in its
 * own process (vitest forks), so files in parallel get their own clusters and never share a database.
 */
import { execFile, spawnSync } from 'node:child_process';
import { promises as fs, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { freePort } from './ports';

const run = promisify(execFile);
const POSTGRES_ROOT = '/usr/lib/postgresql';
const INSTALL_HINT = "install Debian's postgresql: apt-get install -y postgresql";

interface Cluster {
  binDir: string;
  tempDir: string;
  dataDir: string;
  url: string;
}

let cluster: Promise<Cluster> | undefined;
let databaseCounter = 0;
const createdDatabases: { serverUrl: string; name: string }[] = [];

export async function postgresUrl(): Promise<string> {
  const serverUrl = process.env.TEST_DATABASE_URL || (await localCluster()).url;
  const name = `bakeoff_test_${process.pid}_${++databaseCounter}_${Math.random().toString(36).slice(2, 8)}`;
  await withClient(serverUrl, (client) => client.query(`CREATE DATABASE ${name}`));
  createdDatabases.push({ serverUrl, name });
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Drops the databases made on `TEST_DATABASE_URL`, and stops and deletes the local cluster if one was started. */
export async function stopPostgres(): Promise<void> {
  if (process.env.TEST_DATABASE_URL) {
    for (const { serverUrl, name } of createdDatabases.splice(0)) {
      await withClient(serverUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    }
  }
  if (!cluster) return;
  const started = await cluster.catch(() => undefined);
  cluster = undefined;
  createdDatabases.length = 0;
  if (!started) return;
  await asPostgres(path.join(started.binDir, 'pg_ctl'), [
    '-D',
    started.dataDir,
    '-m',
    'immediate',
    '-w',
    'stop',
  ]);
  await fs.rm(started.tempDir, { recursive: true, force: true });
}

function localCluster(): Promise<Cluster> {
  cluster ??= startCluster();
  return cluster;
}

async function startCluster(): Promise<Cluster> {
  const binDir = findBinDir();
  const tempDir = await fs.mkdtemp(path.join(os.tmpdir(), 'bakeoff-pg-'));
  const dataDir = path.join(tempDir, 'data');
  const logFile = path.join(tempDir, 'postgres.log');
  if (isRoot()) {
    // PostgreSQL refuses to run as root; the cluster belongs to the `postgres` user the package creates.
    const { uid, gid } = await postgresUser();
    await fs.chown(tempDir, uid, gid);
  }
  await asPostgres(path.join(binDir, 'initdb'), [
    '-D',
    dataDir,
    '-U',
    'postgres',
    '--auth=trust',
    '--encoding=UTF8',
    '--no-sync',
  ]);
  // A free port can be taken between our probe and postgres binding it (parallel files): try a few.
  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const serverOptions = [
      `-p ${port}`,
      `-k ${tempDir}`,
      "-c listen_addresses='127.0.0.1'",
      // Durability is pointless for a throwaway cluster and slows every commit.
      '-c fsync=off -c synchronous_commit=off -c full_page_writes=off',
    ].join(' ');
    try {
      await asPostgres(path.join(binDir, 'pg_ctl'), [
        '-D',
        dataDir,
        '-l',
        logFile,
        '-w',
        '-t',
        '30',
        '-o',
        serverOptions,
        'start',
      ]);
      stopAtExit(binDir, dataDir, tempDir);
      return { binDir, tempDir, dataDir, url: `postgresql://postgres@127.0.0.1:${port}/postgres` };
    } catch (error) {
      lastError = error;
    }
  }
  const log = await fs.readFile(logFile, 'utf8').catch(() => '');
  throw new Error(`could not start a test PostgreSQL: ${String(lastError)}\n${log.slice(-2000)}`);
}

/** A server to test on: `TEST_DATABASE_URL`, or Debian's postgresql binaries to start a throwaway cluster. */
export function postgresInstalled(): boolean {
  if (process.env.TEST_DATABASE_URL) return true;
  try {
    findBinDir();
    return true;
  } catch {
    return false;
  }
}

function findBinDir(): string {
  let versions: string[] = [];
  try {
    versions = readdirSync(POSTGRES_ROOT);
  } catch {
    // No such folder: handled below with the install hint.
  }
  const usable = versions
    .filter((version) => {
      const bin = path.join(POSTGRES_ROOT, version, 'bin');
      const files = safeReaddir(bin);
      return files.includes('initdb') && files.includes('pg_ctl');
    })
    .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
  if (usable.length === 0) {
    throw new Error(`PostgreSQL tests need initdb and pg_ctl under ${POSTGRES_ROOT}/*/bin: ${INSTALL_HINT}`);
  }
  return path.join(POSTGRES_ROOT, usable[0], 'bin');
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

async function postgresUser(): Promise<{ uid: number; gid: number }> {
  try {
    const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
    const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
    return { uid, gid };
  } catch {
    throw new Error(
      `running as root, PostgreSQL needs the 'postgres' user, which is missing: ${INSTALL_HINT}`,
    );
  }
}

async function asPostgres(command: string, args: string[]): Promise<void> {
  const [file, fileArgs] = isRoot()
    ? ['runuser', ['-u', 'postgres', '--', command, ...args]]
    : [command, args];
  await run(file, fileArgs, { cwd: os.tmpdir() });
}

/** If the test process ends without teardown, don't leave a postgres running behind it. */
function stopAtExit(binDir: string, dataDir: string, tempDir: string): void {
  process.once('exit', () => {
    if (!cluster) return;
    const pgCtl = path.join(binDir, 'pg_ctl');
    const args = ['-D', dataDir, '-m', 'immediate', 'stop'];
    if (isRoot()) spawnSync('runuser', ['-u', 'postgres', '--', pgCtl, ...args]);
    else spawnSync(pgCtl, args);
    spawnSync('rm', ['-rf', tempDir]);
  });
}

async function withClient<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
