// What the call pages (sender, receiver, simple-peer/, index) share around their WebRTC flow:
// the status line, the peer <select>, the camera, the ICE servers. A plain script (no module,
// no bundler) that defines one global, callUi; each page keeps its own signalling and peer code.
//
// The status line is three elements every page has: #myId (our socket id), #peerId (the peer we
// talk to) and #state (what the call is doing). #notice says what needs the user's attention (the
// camera refused, the peer gone, the server lost), #stats what the call carries (every second).
'use strict';

const callUi = {
  setState(text) {
    document.getElementById('state').textContent = text;
  },

  // Notices by kind (camera, peer, server): the latest is shown; clearing one (its condition
  // went away) shows the one before it again, so the server coming back does not hide the camera
  // advice.
  notices: new Map(),
  notice(text, kind = 'info') {
    callUi.notices.delete(kind);
    callUi.notices.set(kind, text);
    callUi.showNotice();
  },
  clearNotice(kind) {
    if (kind) callUi.notices.delete(kind);
    else callUi.notices.clear();
    callUi.showNotice();
  },
  showNotice() {
    const $notice = document.getElementById('notice');
    if (!$notice) return;
    const texts = [...callUi.notices.values()];
    $notice.textContent = texts.length ? texts[texts.length - 1] : '';
    $notice.hidden = texts.length === 0;
  },

  showPeer(peerId) {
    document.getElementById('peerId').textContent = peerId || 'none';
  },

  // Socket.IO options for io.connect(): the ?token= of the page's URL goes in the CONNECT's auth
  // (a server started with --auth-token lets in only clients that send it); a refusal is shown.
  // The auth also carries a stableId, the same for this page load across its reconnections:
  // sio-signalling lists it in `clients`, so that a pipeline in a call with this page knows it
  // under the new socket id a server restart gives it, and does not call it again.
  signallingOptions() {
    const token = new URLSearchParams(window.location.search).get('token');
    const bytes = crypto.getRandomValues(new Uint8Array(12));  // works on plain http too
    const stableId = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
    return { auth: token ? { token, stableId } : { stableId } };
  },

  showRefusal(socket) {
    socket.on('connect_error', (error) => {
      if (error.message === 'unauthorized') {
        callUi.setState('the signalling server refused this page: open it with ?token=… (the server\'s --auth-token)');
      }
    });
  },

  // Our socket id on the status line. It is also the page's first console.log: the browser
  // tests read the page's id from there, as with the chapter's pages.
  showSocketId(socket) {
    socket.on('connect', () => {
      console.log(socket.id);
      document.getElementById('myId').textContent = socket.id;
      callUi.clearNotice('server');
    });
    // socket.io-client reconnects by itself (1 s doubling to 5 s); a call in progress does not need
    // the server and goes on meanwhile: nothing is torn down here.
    socket.on('disconnect', () => {
      document.getElementById('myId').textContent = 'reconnecting…';
      callUi.notice('Lost the connection to the signalling server; trying again. A call in progress goes on ' +
                    'without it; new calls wait until it is back.', 'server');
    });
  },

  // No STUN server by default (simple-peer's own default list has public ones), so the pages
  // work offline (loopback, LAN). Add one with ?stun=stun:stun.l.google.com:19302; TURN relays
  // with ?turn=turn:HOST:PORT (repeat it for several) &turnUser=USER&turnPass=PASSWORD (for a
  // server with a shared secret, the time-limited pair it was given), and &relay=1 to send
  // everything through them (iceTransportPolicy 'relay').
  iceConfig() {
    const params = new URLSearchParams(location.search);
    const iceServers = [];
    if (params.get('stun')) iceServers.push({ urls: params.get('stun') });
    const turn = params.getAll('turn');
    if (turn.length) {
      iceServers.push({ urls: turn, username: params.get('turnUser') || '', credential: params.get('turnPass') || '' });
    }
    const config = { iceServers };
    if (params.get('relay') === '1') config.iceTransportPolicy = 'relay';
    return config;
  },

  // Starts the camera into $video. The promise gives the stream (a call awaits it, so selecting
  // a peer before the camera is ready waits for it); a failure is shown on the status line.
  startCamera($video, constraints = { audio: true, video: { width: 1280, height: 720 } }) {
    const ready = navigator.mediaDevices
      ? navigator.mediaDevices.getUserMedia(constraints)
      : Promise.reject(new Error('no camera API: open this page over https or on localhost'));
    ready.then((stream) => {
      $video.srcObject = stream;
    }, (error) => {
      callUi.setState(`camera error: ${error.name}`);
      callUi.notice(callUi.cameraProblem(error), 'camera');
    });
    return ready;
  },

  // What to tell a person whose camera did not start.
  cameraProblem(error) {
    switch (error.name) {
      case 'NotAllowedError':
      case 'SecurityError':
        return 'The camera was refused: allow camera and microphone for this site in the browser, then ' +
               'reload. Calls still work, receiving only.';
      case 'NotFoundError':
      case 'OverconstrainedError':
        return 'No camera or microphone found: this page can only receive.';
      case 'NotReadableError':
        return 'The camera is in use by another program (or failed to start): close it and reload.';
      default:
        return `The camera did not start (${error.name}: ${error.message}).`;
    }
  },

  // Safari may need a user gesture before playing.
  playOnClick($video) {
    $video.addEventListener('click', () => {
      $video.play();
    });
  },

  // Fills the <select> with every client but us (the server's `clients` map) and keeps showing
  // currentPeerId. Returns false when currentPeerId is set but has left: the call is over.
  fillPeerSelect($select, clients, myId, currentPeerId) {
    $select.innerHTML = '<option value="none">--- Select Peer To Call ---</option>';
    for (const clientId in clients) {
      if (Object.prototype.hasOwnProperty.call(clients, clientId) && clientId !== myId) {
        const $option = document.createElement('option');
        $option.value = clientId;
        $option.textContent = clientId;
        $select.appendChild($option);
      }
    }
    const stillThere = !currentPeerId || Object.prototype.hasOwnProperty.call(clients, currentPeerId);
    if (currentPeerId && stillThere) {
      $select.value = currentPeerId;
    }
    return stillThere;
  },

  // Picking a peer calls it (replacing the running call); picking "none" hangs up.
  onPeerSelected($select, callPeer, hangUp) {
    $select.addEventListener('input', async () => {
      console.log('call selected peer', $select.value);
      if ($select.value === 'none') {
        hangUp('idle');
        return;
      }
      try {
        await callPeer($select.value);
      } catch (error) {
        callUi.setState(`error: ${error.message}`);
      }
    });
  },

  // RTCPeerConnection state on the status line while pc is the page's current connection; a
  // connection that dropped is said in the notice.
  showConnectionState(pc, isCurrent) {
    pc.addEventListener('connectionstatechange', () => {
      if (!isCurrent()) return;
      callUi.setState(pc.connectionState);
      if (pc.connectionState === 'connected') callUi.clearNotice('peer');
      if (pc.connectionState === 'failed') callUi.notice('The connection to the peer failed.', 'peer');
    });
  },

  // The peer we talk to left the server's `clients` list: say so, and end the call (onLeft).
  // A server restart gives every client a new id while calls go on: a peer that sends a stableId
  // (sio-signalling lists it) is followed to its new id (onRenamed); one without is judged only on
  // lists from the same server connection as one that listed it, else the call's own state
  // (connection failed) tells.
  watchPeerLeaving(socket, currentPeerId, onLeft, onRenamed = () => {}) {
    const has = (map, key) => Object.prototype.hasOwnProperty.call(map, key);
    let connection = 0;        // bumped at each (re)connect of our socket
    let seenOn = -1;           // the connection whose list last showed the peer
    let seenStableId;
    let followed;
    socket.on('connect', () => { connection++; });
    socket.on('clients', (clients) => {
      const peerId = currentPeerId();
      if (!peerId) return;
      if (peerId !== followed) {
        followed = peerId;
        seenStableId = undefined;
        seenOn = -1;
      }
      if (has(clients, peerId)) {
        seenOn = connection;
        seenStableId = clients[peerId] && clients[peerId].stableId;
        return;
      }
      const renamed = seenStableId &&
        Object.keys(clients).find((id) => clients[id] && clients[id].stableId === seenStableId);
      if (renamed) {
        followed = renamed;
        seenOn = connection;
        onRenamed(renamed);
        callUi.showPeer(renamed);
        return;
      }
      if (seenOn === connection) {
        callUi.peerLeft();
        onLeft();
      }
    });
  },

  peerLeft() {
    callUi.setState('peer left');
    callUi.notice('The peer left the call.', 'peer');
  },

  // Every second: what the call carries, from getStats() of getPc()'s connection (the video
  // codec, size, frame rate and bitrate each way, the round trip and packets lost).
  watchStats(getPc) {
    const $stats = document.getElementById('stats');
    if (!$stats) return;
    let last = new Map();  // stats id -> {bytes, timestamp}, for the connection lastPc
    let lastPc;
    const kbps = (s, bytes) => {
      const previous = last.get(s.id);
      last.set(s.id, { bytes, timestamp: s.timestamp });
      if (!previous || s.timestamp <= previous.timestamp) return null;
      return Math.round(((bytes - previous.bytes) * 8) / (s.timestamp - previous.timestamp));  // bit/ms
    };
    setInterval(async () => {
      const pc = getPc();
      if (pc !== lastPc) {
        lastPc = pc;
        last = new Map();
      }
      if (!pc || pc.connectionState === 'closed') {
        $stats.textContent = '';
        return;
      }
      let report;
      try {
        report = await pc.getStats();
      } catch (error) {
        return;
      }
      const parts = [];
      let lost = 0;
      let rtt;
      report.forEach((s) => {
        if (s.type === 'inbound-rtp') lost += s.packetsLost || 0;
        if (s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded' &&
            s.currentRoundTripTime !== undefined) {
          rtt = s.currentRoundTripTime;
        }
        if ((s.type !== 'inbound-rtp' && s.type !== 'outbound-rtp') || s.kind !== 'video') return;
        const inbound = s.type === 'inbound-rtp';
        const codec = s.codecId && report.get(s.codecId) ? report.get(s.codecId).mimeType.replace(/^video\//, '') : '?';
        const rate = kbps(s, inbound ? s.bytesReceived : s.bytesSent);
        const size = s.frameWidth ? ` ${s.frameWidth}x${s.frameHeight}` : '';
        const fps = s.framesPerSecond ? ` ${Math.round(s.framesPerSecond)} fps` : '';
        parts.push(`${inbound ? 'in' : 'out'}: ${codec}${size}${fps}${rate === null ? '' : ` ${rate} kbps`}`);
      });
      if (!parts.length) {
        $stats.textContent = '';
        return;
      }
      parts.push(`RTT ${rtt === undefined ? '-' : `${Math.round(rtt * 1000)} ms`}`, `lost ${lost}`);
      $stats.textContent = parts.join(' · ');
    }, 1000);
  },

  // simple-peer's connect/close/error on the status line while peer is the page's current one.
  showPeerState(peer, isCurrent) {
    peer.on('connect', () => {
      if (!isCurrent()) return;
      callUi.setState('connected');
      callUi.clearNotice('peer');
    });
    peer.on('close', () => {
      if (isCurrent()) callUi.setState('closed');
    });
    peer.on('error', (error) => {
      console.log('error', error);
      if (isCurrent()) callUi.setState(`error: ${error.code || error.message}`);
    });
  },
};
