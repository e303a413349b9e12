#!/usr/bin/env python3
"""notify_check.py PORT CMD...: runs CMD as systemd would for Type=notify (a datagram socket in
$NOTIFY_SOCKET) and checks the protocol: READY=1 comes once the service can be used (PORT, which
CMD was told to listen on, accepts a TCP connection the moment READY=1 is read), then SIGTERM brings
STOPPING=1 and exit status 0. Prints one JSON object with what happened; the test asserts on it.
Every wait is bounded."""
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time


def main():
    port = int(sys.argv[1])
    command = sys.argv[2:]
    folder = tempfile.mkdtemp(prefix="sio-notify-")
    path = os.path.join(folder, "notify")
    receiver = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    receiver.bind(path)
    receiver.settimeout(0.2)
    env = dict(os.environ, NOTIFY_SOCKET=path)
    child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []

    def read():
        for line in child.stdout:
            lines.append(line.rstrip("\n"))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    result = {"messages": [], "port_open_at_ready": None}

    def receive_until(wanted, seconds):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                message = receiver.recv(4096).decode()
            except socket.timeout:
                if child.poll() is not None:
                    return False
                continue
            result["messages"].append(message)
            if wanted in message.split("\n"):
                return True
        return False

    result["ready"] = receive_until("READY=1", 30)
    if result["ready"]:
        # At once: a READY=1 sent before the port listens must fail here.
        try:
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
            result["port_open_at_ready"] = True
        except OSError as error:
            result["port_open_at_ready"] = str(error)
    if child.poll() is None:
        child.send_signal(signal.SIGTERM)
        result["stopping"] = receive_until("STOPPING=1", 10)
    try:
        result["exit_code"] = child.wait(timeout=25)
    except subprocess.TimeoutExpired:
        child.kill()
        result["exit_code"] = "killed after 25 s"
    reader.join(timeout=5)
    result["output"] = lines[-40:]
    receiver.close()
    os.unlink(path)
    os.rmdir(folder)
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
