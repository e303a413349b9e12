// The chapter's Node signalling server (express static + socket.io), kept as the chapter teaches it:
// a `clients` lookup broadcast on every connect/disconnect, the classic peerOffer/peerAnswer/peerIce
// relay and simple-peer's `signal` relay (both dialects in one server, so one reference serves every
// page). It is the yardstick sio-signalling is compared with.
//
// Usage: node tests/reference/server.js [--port=N] [--public=DIR]
//   env PORT (default 3000, 0 = any free port), PUBLIC_DIR (default: the repository's web/).
// Binds 127.0.0.1 and prints `listening on http://127.0.0.1:<port>/` (the line sio-signalling
// prints; tests parse it).
'use strict';

const path = require('path');
const express = require('express');

const argValue = (name) => {
  const prefix = `--${name}=`;
  for (let i = 2; i < process.argv.length; i++) {
    const arg = process.argv[i];
    if (arg.startsWith(prefix)) return arg.slice(prefix.length);
    if (arg === `--${name}` && i + 1 < process.argv.length) return process.argv[i + 1];
  }
  return undefined;
};

const port = Number(argValue('port') ?? process.env.PORT ?? 3000);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`invalid port: ${argValue('port') ?? process.env.PORT}`);
  process.exit(2);
}
const publicDir = path.resolve(argValue('public') ?? process.env.PUBLIC_DIR ??
                               path.join(__dirname, '..', '..', 'web'));

const app = express();
const server = require('http').Server(app);
const io = require('socket.io')(server);

app.use(express.static(publicDir));
// Not in the chapter (it loads simple-peer from a CDN): our bundled pages load it from the server,
// so they work offline. socket.io serves /socket.io/socket.io.js itself.
app.get('/vendor/simplepeer.min.js', (req, res) => {
  res.sendFile(require.resolve('simple-peer/simplepeer.min.js'));
});

const clients = {};
io.on('connection', socket => {
  clients[socket.id] = { id: socket.id };

  socket.on('disconnect', () => {
    delete clients[socket.id];
    io.emit('clients', clients);
  });

  socket.on('peerOffer', (peerId, offer) => {
    console.log(`Received peerOffer from ${socket.id} to ${peerId}`);
    io.to(peerId).emit('peerOffer', peerId, offer, socket.id);
  });

  socket.on('peerAnswer', (peerId, answer) => {
    console.log(`Received peerAnswer from ${socket.id} to ${peerId}`);
    io.to(peerId).emit('peerAnswer', peerId, answer, socket.id);
  });

  socket.on('peerIce', (peerId, candidate) => {
    console.log(`Received peerIce from ${socket.id} to ${peerId}`);
    io.to(peerId).emit('peerIce', peerId, candidate, socket.id);
  });

  socket.on('signal', (peerId, signal) => {
    console.log(`Received signal from ${socket.id} to ${peerId}`);
    io.to(peerId).emit('signal', peerId, signal, socket.id);
  });

  io.emit('clients', clients);

});

server.listen(port, '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}/`);
});

// Tests stop it with SIGTERM: exit at once (nothing to flush; the port is freed with the process).
process.on('SIGTERM', () => process.exit(0));
