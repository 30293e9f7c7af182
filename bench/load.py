#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Load for bench/servers.sh where Debian has no load tool: prints requests per second.

    load.py memcached PORT SECONDS   text protocol, 4 connections, 32 pipelined gets each
    load.py dns PORT SECONDS         UDP A queries, 32 in flight
    load.py ready-memcached PORT     exit 0 once the server answers
    load.py ready-dns PORT           exit 0 once the server answers

Pipelined and windowed, so that the server, not this interpreter, sets the pace as far
as one Python process can; the figure that matters is the same load's ratio run/native.
"""
import selectors
import socket
import struct
import sys
import time

DEPTH = 32


def memcached(port, seconds):
    sel = selectors.DefaultSelector()
    batch = b"".join(b"get key%d\r\n" % (i % 8) for i in range(DEPTH))
    conns = []
    for _ in range(4):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"set key%d 0 0 5\r\nhello\r\n" % len(conns))
        while not s.recv(64).endswith(b"STORED\r\n"):
            pass
        s.setblocking(False)
        conns.append(s)
    for i in range(8):
        conns[0].setblocking(True)
        conns[0].sendall(b"set key%d 0 0 5\r\nhello\r\n" % i)
        conns[0].recv(64)
    conns[0].setblocking(False)
    state = {}
    for s in conns:
        s.sendall(batch)
        state[s] = [b"", 0]
        sel.register(s, selectors.EVENT_READ)
    done = 0
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        for key, _ in sel.select(timeout=1):
            s = key.fileobj
            buf = state[s][0] + s.recv(65536)
            ends = buf.count(b"END\r\n")
            state[s][1] += ends
            state[s][0] = buf[buf.rfind(b"END\r\n") + 5 :] if ends else buf
            if state[s][1] >= DEPTH:
                done += DEPTH
                state[s][1] -= DEPTH
                s.sendall(batch)
    return done / seconds


def dns_query(qid):
    header = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    name = b"".join(bytes([len(p)]) + p for p in b"bench.test".split(b".")) + b"\0"
    return header + name + struct.pack(">HH", 1, 1)


def dns(port, seconds):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect(("127.0.0.1", port))
    s.settimeout(0.2)
    qid, done = 0, 0
    for _ in range(DEPTH):
        qid = (qid + 1) & 0xFFFF
        s.send(dns_query(qid))
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        try:
            s.recv(512)
            done += 1
        except socket.timeout:
            # A lost reply: refill the window.
            for _ in range(DEPTH):
                qid = (qid + 1) & 0xFFFF
                s.send(dns_query(qid))
            continue
        qid = (qid + 1) & 0xFFFF
        s.send(dns_query(qid))
    return done / seconds


def ready(kind, port):
    try:
        if kind == "memcached":
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"version\r\n")
                return s.recv(64).startswith(b"VERSION")
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(0.5)
        s.sendto(dns_query(7), ("127.0.0.1", port))
        return len(s.recv(512)) > 12
    except OSError:
        return False


def main():
    kind, port = sys.argv[1], int(sys.argv[2])
    if kind.startswith("ready-"):
        sys.exit(0 if ready(kind[6:], port) else 1)
    rate = {"memcached": memcached, "dns": dns}[kind](port, float(sys.argv[3]))
    print("%.0f" % rate)


if __name__ == "__main__":
    main()
