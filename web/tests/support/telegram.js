// The Telegram Bot API emulator (npm telegram-test-api, installed in tests/peers) as a child
// process, a line with a bot connected to it, and the calls a test makes as the client.

import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { REPO } from './server.js';

const PEERS = path.join(REPO, 'tests/peers');

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

export async function startTelegram() {
  const port = await freePort();
  const child = spawn('node', [path.join(PEERS, 'telegram.js'), String(port)], { cwd: PEERS, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the Telegram emulator did not start (npm ci --prefix tests/peers)')), 15000);
    child.once('exit', (code) => reject(new Error(`the Telegram emulator exited with ${code}`)));
    child.stdout.on('data', (chunk) => {
      if (String(chunk).includes('ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  child.removeAllListeners('exit');
  const url = `http://127.0.0.1:${port}`;
  const post = async (route, body) => {
    const response = await fetch(`${url}${route}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    if (!response.ok) throw new Error(`emulator ${route}: ${response.status} ${await response.text()}`);
    return response.json();
  };
  return {
    url,
    setWebhook: (token, webhook) => post(`/bot${token}/setWebhook`, { url: webhook }),
    /** The client writes to the bot; `extra` adds Message fields (`photo`, `caption`…). */
    clientSays: (token, chat, name, text, extra = {}) =>
      post('/sendMessage', {
        botToken: token,
        from: { id: chat, first_name: name, is_bot: false },
        chat: { id: chat, type: 'private', first_name: name },
        date: Math.floor(Date.now() / 1000),
        text,
        ...extra,
      }),
    /** What the bot has sent to a chat so far. */
    async botMessages(token, chat) {
      return (await this.botSent(token, chat)).map((message) => message.text);
    },
    /** The Bot API requests behind what the bot sent to a chat (`reply_parameters`…). */
    async botSent(token, chat) {
      const history = await post('/getUpdatesHistory', { token });
      return (history.result || []).filter((u) => String(u.message?.chat_id) === String(chat)).map((u) => u.message);
    },
    stop() {
      child.kill('SIGTERM');
    },
  };
}

/** A line served by `operators`, with a bot on the emulator delivering to its webhook. */
export async function lineWithBot(server, telegram, { name, token, operators, distribution }) {
  const admin = await server.adminToken();
  const line = await server.request('POST', '/api/v1/lines', { token: admin, body: { name, operators, distribution } });
  const channel = await server.request('POST', '/api/v1/channels/telegram', {
    token: admin,
    body: { line_id: line.id, token, api_url: telegram.url, name: `${name} bot` },
  });
  await telegram.setWebhook(token, new URL(channel.webhook_path, server.url).href);
  return { line, channel };
}
