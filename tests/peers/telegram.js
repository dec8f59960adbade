// Starts the Telegram Bot API emulator on 127.0.0.1 at the port given as the first argument
// and prints "ready" once it listens. Used by the end-to-end tests.
//
// telegram-test-api 4.2.1 has no files: getFile, file downloads and the multipart send
// methods answer 500. The routes below add them the way the real Bot API behaves
// (https://core.telegram.org/bots/api#getfile, #senddocument), in front of the emulator's
// own routes, plus one test-client call to put a file on "Telegram's servers":
//   POST /uploadFile {"content_base64", "file_name"?, "mime_type"?} -> {"file_id", "file_size"}
const crypto = require('crypto');
const express = require('express');
const TelegramServer = require('telegram-test-api');

const port = Number(process.argv[2] || 9000);
const server = new TelegramServer({ port, host: '127.0.0.1', storeTimeout: 600 });
const files = new Map();

function storeFile(content, fileName, mimeType) {
  const fileId = `file-${crypto.randomBytes(9).toString('hex')}`;
  files.set(fileId, { content, fileName, mimeType });
  return { file_id: fileId, file_unique_id: fileId, file_size: content.length };
}

// Splits a multipart/form-data body into fields and files (enough for the Bot API's use).
function parseMultipart(body, contentType) {
  const match = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType || '');
  if (!match) return null;
  const delimiter = Buffer.from(`--${match[1] || match[2]}`);
  const fields = {};
  const uploads = {};
  let start = body.indexOf(delimiter);
  while (start !== -1) {
    const next = body.indexOf(delimiter, start + delimiter.length);
    if (next === -1) break;
    const part = body.subarray(start + delimiter.length + 2, next - 2);
    const headerEnd = part.indexOf('\r\n\r\n');
    const headers = part.subarray(0, headerEnd).toString();
    const content = part.subarray(headerEnd + 4);
    const name = /name="([^"]+)"/.exec(headers)?.[1];
    const fileName = /filename="([^"]*)"/.exec(headers)?.[1];
    const mimeType = /content-type:\s*([^\r\n]+)/i.exec(headers)?.[1];
    if (name && fileName !== undefined) uploads[name] = { content, fileName, mimeType };
    else if (name) fields[name] = content.toString();
    start = next;
  }
  return { fields, uploads };
}

const front = express();
front.post('/uploadFile', express.json({ limit: '60mb' }), (req, res) => {
  const content = Buffer.from(req.body.content_base64 || '', 'base64');
  res.json(storeFile(content, req.body.file_name, req.body.mime_type));
});
front.all('/bot:token/getFile', express.json(), express.urlencoded({ extended: true }), (req, res) => {
  const fileId = (req.body && req.body.file_id) || req.query.file_id;
  const file = files.get(fileId);
  if (!file) {
    res.status(400).json({ ok: false, error_code: 400, description: 'Bad Request: invalid file_id' });
    return;
  }
  res.json({
    ok: true,
    result: { file_id: fileId, file_unique_id: fileId, file_size: file.content.length, file_path: `documents/${fileId}` },
  });
});
front.get('/file/bot:token/documents/:fileId', (req, res) => {
  const file = files.get(req.params.fileId);
  if (!file) {
    res.status(404).end();
    return;
  }
  res.type('application/octet-stream').send(file.content);
});
for (const [method, field] of [['sendDocument', 'document'], ['sendPhoto', 'photo'], ['sendVoice', 'voice']]) {
  front.post(`/bot:token/${method}`, express.raw({ type: 'multipart/form-data', limit: '60mb' }), (req, res, next) => {
    const parsed = Buffer.isBuffer(req.body) ? parseMultipart(req.body, req.headers['content-type']) : null;
    if (!parsed) {
      next();
      return;
    }
    const upload = parsed.uploads[field];
    if (!parsed.fields.chat_id || !upload) {
      res.status(400).json({ ok: false, error_code: 400, description: `Bad Request: there is no ${field} in the request` });
      return;
    }
    const stored = storeFile(upload.content, upload.fileName, upload.mimeType);
    const sent = { ...stored, file_name: upload.fileName, mime_type: upload.mimeType };
    const message = { chat_id: parsed.fields.chat_id, [field]: field === 'photo' ? [sent] : sent };
    if (parsed.fields.caption) message.caption = parsed.fields.caption;
    if (parsed.fields.reply_parameters) message.reply_parameters = JSON.parse(parsed.fields.reply_parameters);
    res.json({ ok: true, result: server.addBotMessage(message, req.params.token) });
  });
}
front.use(server.webServer);
server.webServer = front;

server.start().then(() => console.log('ready'));
process.on('SIGTERM', () => server.stop().then(() => process.exit(0)));
