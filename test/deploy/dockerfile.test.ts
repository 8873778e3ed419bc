/**
 * The Dockerfile, read as text (no Docker engine here to build it), and the container health probe it runs.
 */

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './harness';

const dockerfile = readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8');
const dockerignore = readFileSync(path.join(REPO_ROOT, '.dockerignore'), 'utf8').split('\n');
const packageJson = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
const HEALTHCHECK_JS = path.join(REPO_ROOT, 'deploy', 'docker', 'healthcheck.js');
const { healthUrlFor } = require(HEALTHCHECK_JS) as {
  healthUrlFor(args: string[], env: Record<string, string | undefined>): string | null;
};

/** The instructions of one stage, from its FROM line to the next. */
function stage(name: string): string[] {
  const lines = dockerfile.split('\n').filter((line) => line.trim() && !line.trim().startsWith('#'));
  const start = lines.findIndex((line) => new RegExp(`^FROM \\S+ AS ${name}$`).test(line));
  expect(start, `stage ${name}`).toBeGreaterThanOrEqual(0);
  const end = lines.findIndex((line, i) => i > start && line.startsWith('FROM '));
  return lines.slice(start, end < 0 ? undefined : end);
}

describe('Dockerfile', () => {
  it('builds on a Node LTS slim image', () => {
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:(22|24)-bookworm-slim$/m);
    // Both stages start from the ARG (a Dockerfile variable, not a template string).
    const fromImageArg = (name: string) => `FROM $\{NODE_IMAGE} AS ${name}`;
    expect(stage('build')[0]).toBe(fromImageArg('build'));
    expect(stage('run')[0]).toBe(fromImageArg('run'));
  });

  it('builds with the npm scripts CI runs: npm ci, then npm run build', () => {
    const runs = stage('build').filter((line) => line.startsWith('RUN '));
    expect(runs).toEqual(['RUN npm ci', 'RUN npm run build']);
    expect(packageJson.scripts.build).toBeDefined();
  });

  it('ships production dependencies and dist/ only, as a non-root user', () => {
    const run = stage('run');
    expect(run).toContain('RUN npm ci --omit=dev && npm cache clean --force');
    expect(run).toContain('COPY --from=build /app/dist ./dist');
    expect(run.some((line) => /^COPY \. /.test(line))).toBe(false);
    expect(run).toContain('USER node');
    expect(run.join('\n')).toMatch(/ENV NODE_ENV=production/);
  });

  it('probes health with node, and runs the CLI with the activities role by default', () => {
    const run = stage('run').join('\n');
    expect(run).toMatch(
      /HEALTHCHECK --interval=\d+s[^\n]*\\\n\s+CMD \["node", "deploy\/docker\/healthcheck\.js"\]/,
    );
    expect(run).toMatch(/^ENTRYPOINT \["node", "dist\/cli\/bakeoff\.js"\]$/m);
    expect(run).toMatch(/^CMD \["serve", "--role", "activities"\]$/m);
    expect(packageJson.bin.bakeoff).toBe('dist/cli/bakeoff.js');
  });

  it('keeps secrets and build output out of the build context', () => {
    expect(dockerignore).toEqual(expect.arrayContaining(['.env', 'node_modules', 'dist', '.git']));
    expect(dockerignore).not.toContain('deploy/docker');
  });
});

describe('deploy/docker/healthcheck.js', () => {
  it('picks the health URL from the role PID 1 runs', () => {
    expect(healthUrlFor(['serve', '--role', 'activities'], {})).toBe(
      'http://127.0.0.1:4567/api/health-check',
    );
    expect(healthUrlFor(['serve', '--role', 'users'], {})).toBe('http://127.0.0.1:4568/api/health-check');
    expect(healthUrlFor(['serve', '--role', 'notifications'], {})).toBe(
      'http://127.0.0.1:4569/api/health-check',
    );
    expect(healthUrlFor(['serve', '--role', 'notifications'], { NOTIFICATIONS_PORT: '5001' })).toBe(
      'http://127.0.0.1:5001/api/health-check',
    );
    expect(healthUrlFor(['serve', '--role=users'], { USERS_PORT: '5000' })).toBe(
      'http://127.0.0.1:5000/api/health-check',
    );
    expect(healthUrlFor([], { PORT: '8080' })).toBe('http://127.0.0.1:8080/api/health-check');
    expect(healthUrlFor(['sandbox', '--host', '0.0.0.0'], {})).toBe('http://127.0.0.1:4400/api/health');
    expect(healthUrlFor(['sandbox', '--port', '9999'], {})).toBe('http://127.0.0.1:9999/api/health');
    expect(healthUrlFor(['load', '--target', 'http://activities:4567'], {})).toBeNull();
  });

  describe('as a command', () => {
    let server: Server;
    let base: string;
    beforeAll(async () => {
      server = createServer((req, res) => {
        res.statusCode = req.url === '/ok' ? 200 : 503;
        res.end('{}');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    const exitCode = (url: string) =>
      new Promise<number | null>((resolve) => {
        const child = spawn(process.execPath, [HEALTHCHECK_JS, url], { stdio: 'ignore' });
        child.on('exit', (code) => resolve(code));
      });

    it('exits 0 on 200 and 1 on anything else or no answer', async () => {
      expect(await exitCode(`${base}/ok`)).toBe(0);
      expect(await exitCode(`${base}/degraded`)).toBe(1);
      server.close();
      expect(await exitCode(`${base}/ok`)).toBe(1);
    });
  });
});
