// Baseline for `bench` (docs/BENCHMARKS.md): the smallest socket.io server doing what the
// Switchboard fanout does. Every client is joined to one room on connect, and each `msg`
// event is re-broadcast to that room (sender included, as Switchboard echoes a message to
// every member connection). Websocket transport only, socket.io defaults otherwise.
//
// Usage: node server.js [port]   (port 0, the default, picks a free one)
// The first stdout line is `socket.io is listening on http://127.0.0.1:<port>/`.
"use strict";

const http = require("node:http");
const { Server } = require("socket.io");

const port = Number(process.argv[2] ?? process.env.PORT ?? 0);
const httpServer = http.createServer();
const io = new Server(httpServer, {
  transports: ["websocket"],
  serveClient: false,
});

io.on("connection", (socket) => {
  socket.join("room");
  socket.on("msg", (body) => {
    io.to("room").emit("msg", body);
  });
});

httpServer.listen(port, "127.0.0.1", () => {
  const { port: bound } = httpServer.address();
  console.log(`socket.io is listening on http://127.0.0.1:${bound}/`);
});

const stop = () => {
  io.close();
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
