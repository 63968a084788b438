// Baton instances of the test's own: real `baton serve` processes on a
// fresh PostgreSQL database, as several instances share one in production.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { PASSWORD } from './accounts';

const serverUrl = process.env.BATON_TEST_POSTGRES_URL ?? 'postgres://root@127.0.0.1:5432/postgres';

function psql(sql: string) {
  execFileSync('psql', [serverUrl, '-v', 'ON_ERROR_STOP=1', '-q', '-c', sql], { stdio: 'pipe' });
}

/** A new, empty database; its URL. */
export function createDatabase(): { url: string; drop: () => void } {
  const name = `baton_e2e_${randomBytes(6).toString('hex')}`;
  psql(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => psql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

function baton(databaseUrl: string, args: string[], input?: string): string {
  return execFileSync('../target/debug/baton', args, {
    input,
    stdio: 'pipe',
    env: { ...process.env, BATON_DATABASE_URL: databaseUrl, BATON_LOG: 'warn' },
  }).toString();
}

/** An administrator and a write token for them (migrating the database first). */
export function createAdmin(databaseUrl: string, email: string, name: string): string {
  baton(databaseUrl, ['migrate']);
  baton(databaseUrl, ['user', 'create', '--email', email, '--name', name, '--role', 'admin'], `${PASSWORD}\n`);
  const out = baton(databaseUrl, ['token', 'create', '--user', email, '--scope', 'write', '--name', 'browser test']);
  const token = out.trim().split(/\s+/).pop();
  if (!token) throw new Error(`no token in ${out}`);
  return token;
}

export type Instance = { url: string; process: ChildProcess; stop: () => Promise<void> };

/** Starts `baton serve` on `port` and waits until it is ready. */
export async function startInstance(databaseUrl: string, port: number): Promise<Instance> {
  const child = spawn('../target/debug/baton', ['serve'], {
    env: {
      ...process.env,
      BATON_ADDR: `127.0.0.1:${port}`,
      BATON_DATABASE_URL: databaseUrl,
      BATON_SITE_ROOT: '../target/site',
      BATON_LOG: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${url}/readyz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (i > 300 || child.exitCode !== null) throw new Error(`baton on ${port} did not start`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    process: child,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** A free port: the kernel's pick, released at once. */
export async function freePort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}
