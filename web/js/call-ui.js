// What the call pages (sender, receiver, simple-peer/, index) share around their WebRTC flow:
// the status line, the peer <select>, the camera, the ICE servers. A plain script (no module,
// no bundler) that defines one global, callUi; each page keeps its own signalling and peer code.
//
// The status line is three elements every page has: #myId (our socket id), #peerId (the peer we
// talk to) and #state (what the call is doing).
'use strict';

const callUi = {
  setState(text) {
    document.getElementById('state').textContent = text;
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
    });
    // socket.io-client reconnects by itself (1 s doubling to 5 s); a call in progress does not need
    // the server and goes on meanwhile: nothing is torn down here.
    socket.on('disconnect', () => {
      document.getElementById('myId').textContent = 'reconnecting…';
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
      callUi.setState(`camera error: ${error.name}: ${error.message}`);
    });
    return ready;
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

  // RTCPeerConnection state on the status line while pc is the page's current connection.
  showConnectionState(pc, isCurrent) {
    pc.addEventListener('connectionstatechange', () => {
      if (isCurrent()) callUi.setState(pc.connectionState);
    });
  },

  // simple-peer's connect/close/error on the status line while peer is the page's current one.
  showPeerState(peer, isCurrent) {
    peer.on('connect', () => {
      if (isCurrent()) callUi.setState('connected');
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
