// Starts the real `switchboard` binary for a test: a fresh temporary working directory (so a
// fresh SQLite database and media folder), port 0, and the URL and first admin's password read
// from what it prints on start.

import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(here, '../../..');
export const BINARY = process.env.SWITCHBOARD_BIN || path.join(REPO, 'target/debug/switchboard');

/** `env` adds settings (`SWITCHBOARD__…`) for this server. */
export async function startServer({ env: extra = {} } = {}) {
  const dir = await mkdtemp(path.join(tmpdir(), 'switchboard-web-'));
  const env = { ...process.env, SWITCHBOARD__HTTP__PORT: '0', SWITCHBOARD__HTTP__HOST: '127.0.0.1', ...extra };
  // The defaults (SQLite under ./data, in-process bus) are what the test wants.
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
  env.RUST_LOG = env.RUST_LOG || 'warn';
  const child = spawn(BINARY, ['serve'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let logs = '';
  child.stderr.on('data', (chunk) => {
    logs += chunk;
  });
  const started = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`switchboard did not start:\n${output}\n${logs}`)), 30000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`switchboard exited with ${code}:\n${output}\n${logs}`));
    });
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const url = /Switchboard is listening on (http:\/\/\S+\/)/.exec(output);
      const login = /^\s*login:\s+(\S+)/m.exec(output);
      const password = /^\s*password:\s+(\S+)/m.exec(output);
      if (url && login && password) {
        clearTimeout(timer);
        resolve({ url: url[1], login: login[1], password: password[1] });
      }
    });
  });
  child.removeAllListeners('exit');

  async function request(method, route, { token, body } = {}) {
    const headers = {};
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetch(new URL(route, started.url), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const json = text ? JSON.parse(text) : null;
    if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${text}`);
    return json;
  }

  const server = {
    ...started,
    dir,
    request,
    logs: () => logs,
    /** Signs in over REST and returns the token. */
    async token(login, password) {
      return (await request('POST', '/api/v1/auth/login', { body: { login, password } })).token;
    },
    /** The first admin's token; the admin's temporary password is replaced first. */
    async adminToken() {
      if (!server.adminPassword) {
        const token = await server.token(started.login, started.password);
        server.adminPassword = 'admin-password-for-tests';
        await request('POST', '/api/v1/auth/password', {
          token,
          body: { current_password: started.password, new_password: server.adminPassword },
        });
        server.admin = token;
      }
      return server.admin;
    },
    async createUser({ login, name, role = 'operator', password = `${login}-password-1` }) {
      const token = await server.adminToken();
      const { user } = await request('POST', '/api/v1/users', {
        token,
        body: { login, display_name: name, role, password },
      });
      return { ...user, password };
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 15000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
  return server;
}
