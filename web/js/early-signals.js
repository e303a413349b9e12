// Signals that arrive before the page can use them, shared by the call pages: ICE candidates
// that come before the remote description (classic pages), simple-peer signals that come before
// their offer, and what tells one offer from the next. A plain script; defines EarlySignals,
// addCandidate, fingerprintOf and belongsToOffer as globals.
'use strict';

// Kept per sender and bounded, so a stray peer cannot grow it without limit. take() hands over
// one peer's entries and forgets the rest: they belong to a call that is over.
class EarlySignals {
  constructor(max = 200) {
    this.max = max;
    this.entries = [];  // {peerId, signal}
  }

  push(peerId, signal) {
    if (this.entries.length < this.max) {
      this.entries.push({ peerId, signal });
    }
  }

  take(peerId, keep = () => true) {
    const taken = this.entries.filter((entry) => entry.peerId === peerId && keep(entry.signal));
    this.entries = [];
    return taken.map((entry) => entry.signal);
  }

  clear() {
    this.entries = [];
  }
}

// A candidate the connection refuses is logged, not fatal: the others may still connect.
const addCandidate = async (pc, candidate) => {
  try {
    await pc.addIceCandidate(candidate);
  } catch (error) {
    console.warn('addIceCandidate failed', error.message, candidate);
  }
};

// The DTLS fingerprint of an SDP: a new RTCPeerConnection has a new one, a renegotiation keeps it.
const fingerprintOf = (sdp) => {
  const match = /^a=fingerprint:(.*)$/m.exec(sdp || '');
  return match ? match[1].trim() : '';
};

// A candidate kept from before an offer belongs to it unless both name different ICE ufrags
// (a leftover of an earlier call would make simple-peer destroy the new one).
const belongsToOffer = (signal, offer) => {
  const offerUfrag = /^a=ice-ufrag:(\S+)/m.exec(offer.sdp || '');
  const candidateUfrag = / ufrag (\S+)/.exec((signal.candidate && signal.candidate.candidate) || '');
  return !offerUfrag || !candidateUfrag || offerUfrag[1] === candidateUfrag[1];
};
