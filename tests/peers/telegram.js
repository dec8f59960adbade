// Starts the Telegram Bot API emulator on 127.0.0.1 at the port given as the first argument
// and prints "ready" once it listens. Used by the end-to-end tests.
const TelegramServer = require('telegram-test-api');

const port = Number(process.argv[2] || 9000);
const server = new TelegramServer({ port, host: '127.0.0.1', storeTimeout: 600 });
server.start().then(() => console.log('ready'));
process.on('SIGTERM', () => server.stop().then(() => process.exit(0)));
