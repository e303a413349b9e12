#!/usr/bin/env python3
"""A GStreamer application in the chapter's calls: a test pattern and a tone sent with
socketiosignaller, and what the element tells the application printed as it happens.

What gst-launch-1.0 cannot do, and an application does here:
  - peers-changed: the signalling server's `clients` list changed (the peers that could be called);
  - call-started / call-ended: a call with one peer began, or ended and why;
  - pad-added: a peer's media arrived (a video_%u or audio_%u pad carrying RTP), linked here to a
    fakesink that counts packets (decode and show it with rtpvp8depay ! vp8dec ! autovideosink);
  - errors on the bus (server unreachable, negotiation failed) end the program with status 1.

Run (Debian 12: apt install python3-gi gir1.2-gstreamer-1.0):
    build/signalling/sio-signalling &                  # or the chapter's node server
    GST_PLUGIN_PATH=build/gst-plugin examples/python/call.py --server=http://127.0.0.1:3000
then open http://127.0.0.1:3000/receiver.html: this program calls it (--peer=auto, the first other
client; --peer=all calls everyone; an id calls that one). Ctrl-C ends it (exit status 0).
"""
import argparse
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
from gi.repository import GLib, Gst  # noqa: E402  (after require_version, as PyGObject wants)

SEND = (
    "videotestsrc is-live=true pattern=smpte ! video/x-raw,width=320,height=240,framerate=30/1 ! "
    "vp8enc deadline=1 ! rtpvp8pay pt=96 ! queue ! sig.sink_0 "
    "audiotestsrc is-live=true wave=sine freq=440 ! audioconvert ! audioresample ! opusenc ! "
    "rtpopuspay pt=97 ! queue ! sig.sink_1"
)


def say(text):
    print(text, flush=True)


class Call:
    def __init__(self, args):
        self.loop = GLib.MainLoop()
        self.exit_status = 0
        # Pad name -> RTP packets received. Written by the pads' streaming threads (one key each,
        # the GIL makes each += whole), read by the main loop.
        self.counts = {}
        self.sinks = {}  # pad name -> its fakesink, removed with the pad
        if Gst.ElementFactory.find("socketiosignaller") is None:
            raise SystemExit("socketiosignaller not found: set GST_PLUGIN_PATH to the plugin's folder "
                             "(build/gst-plugin, or <prefix>/lib/<arch>/gstreamer-1.0)")
        sig_description = (f"socketiosignaller name=sig server-url={args.server} peer-id={args.peer} "
                           f"dialect={args.dialect} ")
        if args.local_addresses:
            sig_description += f"local-addresses={args.local_addresses} "
        self.pipeline = Gst.parse_launch(sig_description + SEND)
        sig = self.pipeline.get_by_name("sig")
        sig.connect("peers-changed", self.on_peers_changed)
        sig.connect("call-started", self.on_call_started)
        sig.connect("call-ended", self.on_call_ended)
        sig.connect("pad-added", self.on_pad_added)
        sig.connect("pad-removed", self.on_pad_removed)
        bus = self.pipeline.get_bus()
        bus.add_signal_watch()
        bus.connect("message::error", self.on_error)
        bus.connect("message::warning", self.on_warning)
        # A call on a long path raises its jitter buffer's latency (latency-max): synchronised sinks
        # must be told the new total, as gst-launch-1.0 does.
        bus.connect("message::latency", lambda *_: self.pipeline.recalculate_latency())
        if args.seconds > 0:
            GLib.timeout_add(int(args.seconds * 1000), self.stop)
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGINT, self.stop)
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, self.stop)

    # The element's signals come from its network thread: hand them to the main loop, as GLib
    # code must before touching application state.
    def on_peers_changed(self, _sig, peers):
        GLib.idle_add(say, f"peers: {' '.join(peers) if peers else '(none)'}")

    def on_call_started(self, _sig, peer):
        GLib.idle_add(say, f"call started with {peer}")

    def on_call_ended(self, _sig, peer, reason):
        GLib.idle_add(say, f"call ended with {peer} ({reason})")

    def on_pad_added(self, _sig, pad):
        if pad.get_direction() != Gst.PadDirection.SRC:
            return
        sink = Gst.ElementFactory.make("fakesink", None)
        sink.set_property("sync", False)
        sink.set_property("async", False)
        self.pipeline.add(sink)
        sink.sync_state_with_parent()
        pad.link(sink.get_static_pad("sink"))
        name = pad.get_name()
        self.sinks[name] = sink
        self.counts[name] = 0
        pad.add_probe(Gst.PadProbeType.BUFFER, self.on_packet, name)
        GLib.idle_add(say, f"receiving on {name}")

    def on_pad_removed(self, _sig, pad):
        # A call's pads go when it ends (several calls): its sink goes too, on the main loop.
        GLib.idle_add(self.remove_sink, pad.get_name())

    def remove_sink(self, name):
        sink = self.sinks.pop(name, None)
        if sink is not None:
            sink.set_state(Gst.State.NULL)
            self.pipeline.remove(sink)
        return GLib.SOURCE_REMOVE

    def on_packet(self, _pad, _info, name):
        self.counts[name] += 1
        if self.counts[name] == 100:
            GLib.idle_add(say, f"{name}: 100 RTP packets received")
        return Gst.PadProbeReturn.OK

    def on_error(self, _bus, message):
        error, debug = message.parse_error()
        say(f"error from {message.src.get_name()}: {error.message} ({debug})")
        self.exit_status = 1
        self.loop.quit()

    def on_warning(self, _bus, message):
        warning, _debug = message.parse_warning()
        say(f"warning from {message.src.get_name()}: {warning.message}")

    def stop(self):
        self.loop.quit()
        return GLib.SOURCE_REMOVE

    def run(self):
        if self.pipeline.set_state(Gst.State.PLAYING) == Gst.StateChangeReturn.FAILURE:
            say("the pipeline could not start (the bus error says why)")
            self.exit_status = 1
        else:
            say("running; Ctrl-C to stop")
            self.loop.run()
        self.pipeline.set_state(Gst.State.NULL)
        say(f"stopped; RTP packets received: {self.counts or 'none'}")
        return self.exit_status


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", default="http://127.0.0.1:3000", help="signalling server URL")
    parser.add_argument("--peer", default="auto", help="auto (first other client), all, none, or a socket id")
    parser.add_argument("--dialect", default="classic", choices=["classic", "simple-peer"])
    parser.add_argument("--local-addresses", default="", help="IPs ICE gathers on, e.g. 127.0.0.1")
    parser.add_argument("--seconds", type=float, default=0, help="stop after this long (default: Ctrl-C)")
    args = parser.parse_args()
    Gst.init(None)
    sys.exit(Call(args).run())


if __name__ == "__main__":
    main()
