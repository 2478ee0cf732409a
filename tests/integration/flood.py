#!/usr/bin/env python3
"""Hostile clients for the station's flood test (Python 3 standard library only).

  flood.py garbage HOST PORT [-n N]  N connections spewing random bytes, with
                                     now and then a 1376.1 frame whose
                                     checksum is wrong; redial when cut.
  flood.py slow HOST PORT [-n N]     slow-loris: N connections sending the
                                     start of a 1376.1 frame one byte a
                                     second, never a whole frame; redial.
  flood.py storm HOST PORT [-n N]    login storm: N connections at once, each
                                     a well-formed 1376.1 login (AFN02 F1)
                                     of an unknown terminal, redialling
                                     0.5-2 s after the master closes it.

Runs until SIGTERM or --duration, then prints one summary line:
  flood MODE: connections C, cut by the master K (max T s after connect), bytes B
"""
import argparse
import errno
import os
import random
import selectors
import signal
import socket
import struct
import sys
import time


def gdw1376_frame(c, a1, a2, afn, seq, units, bad_cs=False):
    body = bytes([c]) + struct.pack("<HHB", a1, a2, 0) + bytes([afn, seq]) + units
    length = (len(body) << 2) | 2  # Q/GDW 1376.1-2013 5.2.1: D1..D0 = 10
    cs = sum(body) & 0xFF
    if bad_cs:
        cs ^= 0x5A
    return bytes([0x68]) + struct.pack("<HH", length, length) + bytes([0x68]) + body + bytes([cs, 0x16])


def login(rng):
    # A region no archive holds: the master must refuse it (the station's regions are 0171/0172).
    return gdw1376_frame(0xC9, 0x0900 | rng.randrange(0x100), rng.randrange(1, 0xFFFF), 0x02,
                         0x70 | rng.randrange(16), bytes([0, 0, 1, 0]))


class Conn:
    __slots__ = ("sock", "opened", "out", "pos", "next_send", "connected")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["garbage", "slow", "storm"])
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("-n", type=int, default=1)
    ap.add_argument("--duration", type=float, default=0)
    ap.add_argument("--rate", type=int, default=256 * 1024, help="garbage bytes per second in all")
    a = ap.parse_args()
    rng = random.Random(os.getpid())
    sel = selectors.DefaultSelector()
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    stats = {"conns": 0, "cut": 0, "max_cut_s": 0.0, "bytes": 0, "failed": 0}
    conns = {}
    redial = []  # (when, slot)
    start = time.monotonic()
    # The slow client's partial frame: a 1376.1 header announcing 200 bytes of user data.
    slow_bytes = bytes([0x68]) + struct.pack("<HH", (200 << 2) | 2, (200 << 2) | 2) + bytes([0x68]) + bytes(200)

    def dial(slot):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        try:
            s.connect((a.host, a.port))
        except BlockingIOError:
            pass
        except OSError:
            s.close()
            stats["failed"] += 1
            redial.append((time.monotonic() + 1, slot))
            return
        c = Conn()
        c.sock, c.opened, c.pos, c.connected = s, time.monotonic(), 0, False
        c.out = login(rng) if a.mode == "storm" else b""
        c.next_send = c.opened
        conns[slot] = c
        stats["conns"] += 1
        sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE, slot)

    def drop(slot, by_master):
        c = conns.pop(slot)
        sel.unregister(c.sock)
        c.sock.close()
        if by_master:
            stats["cut"] += 1
            stats["max_cut_s"] = max(stats["max_cut_s"], time.monotonic() - c.opened)
        delay = rng.uniform(0.5, 2.0) if a.mode == "storm" else 0.2
        redial.append((time.monotonic() + delay, slot))

    for slot in range(a.n):
        dial(slot)
    per_conn_rate = max(1, a.rate // max(1, a.n))
    while not stop and (a.duration <= 0 or time.monotonic() - start < a.duration):
        now = time.monotonic()
        for item in [r for r in redial if r[0] <= now]:
            redial.remove(item)
            dial(item[1])
        for key, ev in sel.select(timeout=0.05):
            slot = key.data
            c = conns.get(slot)
            if c is None:
                continue
            if ev & selectors.EVENT_READ:
                try:
                    data = c.sock.recv(65536)
                except OSError:
                    data = b""
                if not data:
                    drop(slot, True)
                    continue
            if ev & selectors.EVENT_WRITE:
                if not c.connected:
                    err = c.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                    if err:
                        stats["failed"] += 1
                        drop(slot, False)
                        continue
                    c.connected = True
                if a.mode == "storm":
                    if c.pos < len(c.out):
                        try:
                            sent = c.sock.send(c.out[c.pos:])
                            c.pos += sent
                            stats["bytes"] += sent
                        except OSError:
                            drop(slot, True)
                            continue
                    if c.pos >= len(c.out):
                        sel.modify(c.sock, selectors.EVENT_READ, slot)
                    continue
                if now < c.next_send:
                    continue
                if a.mode == "slow":
                    chunk = slow_bytes[c.pos % len(slow_bytes):][:1]
                    c.next_send = now + 1.0
                else:
                    n = per_conn_rate // 20
                    chunk = rng.randbytes(n)
                    if rng.randrange(4) == 0:
                        chunk += gdw1376_frame(0xC9, 0x0171, rng.randrange(1, 0xFFFF), 0x02, 0x71,
                                               bytes([0, 0, 1, 0]), bad_cs=True)
                    c.next_send = now + 0.05
                try:
                    sent = c.sock.send(chunk)
                    c.pos += sent
                    stats["bytes"] += sent
                except BlockingIOError:
                    pass
                except OSError:
                    drop(slot, True)
        if a.mode != "storm":
            # Sleep between sends instead of spinning on writable sockets.
            time.sleep(0.02)
    print("flood %s: connections %d, cut by the master %d (max %.1f s after connect), bytes %d, failed %d"
          % (a.mode, stats["conns"], stats["cut"], stats["max_cut_s"], stats["bytes"], stats["failed"]),
          flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
