#!/usr/bin/env python3
"""A Graylog GELF input double, written from the GELF 1.1 specification (no Graylog package
exists here). UDP: plain, gzip or zlib payloads, and chunked messages (magic 0x1e 0x0f, 8-byte
id, sequence number, count; at most 128 chunks). TCP: uncompressed messages, each ended by a NUL
byte. Each message is checked the way Graylog checks it (version "1.1", non-empty host and
short_message, numeric timestamp, additional fields start with "_" and are not "_id") and written
as one JSON line to OUT; messages that fail the checks go to OUT.rejected with the reason.
Usage: gelf_double.py UDP_PORT TCP_PORT OUT"""
import json
import socket
import sys
import threading
import zlib

udp_port, tcp_port, out_path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
lock = threading.Lock()


def record(payload, transport):
    try:
        message = json.loads(payload)
        problems = []
        if message.get("version") != "1.1":
            problems.append("version is not 1.1")
        for field in ("host", "short_message"):
            if not isinstance(message.get(field), str) or not message[field]:
                problems.append(f"{field} missing or empty")
        if not isinstance(message.get("timestamp", 0), (int, float)):
            problems.append("timestamp is not a number")
        for key in message:
            if key not in ("version", "host", "short_message", "full_message", "timestamp",
                           "level", "facility", "line", "file") and (not key.startswith("_") or key == "_id"):
                problems.append(f"bad additional field {key}")
    except ValueError as error:
        problems, message = [f"not JSON: {error}"], None
    with lock:
        if problems:
            with open(out_path + ".rejected", "a") as rejected:
                rejected.write(json.dumps({"problems": problems, "transport": transport}) + "\n")
        else:
            message["_double_transport"] = transport
            with open(out_path, "a") as out:
                out.write(json.dumps(message) + "\n")


def decompress(data):
    if data[:2] == b"\x1f\x8b":
        return zlib.decompress(data, 16 + zlib.MAX_WBITS), "gzip"
    if data[:1] == b"\x78":
        return zlib.decompress(data), "zlib"
    return data, "plain"


def serve_udp():
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    sock.bind(("127.0.0.1", udp_port))
    pending = {}
    while True:
        data, _ = sock.recvfrom(65535)
        if data[:2] == b"\x1e\x0f":
            message_id, number, count = data[2:10], data[10], data[11]
            if count > 128 or number >= count:
                continue
            parts = pending.setdefault(message_id, {})
            parts[number] = data[12:]
            if len(parts) < count:
                continue
            data = b"".join(parts[i] for i in range(count))
            del pending[message_id]
            chunked = "+chunked"
        else:
            chunked = ""
        payload, compression = decompress(data)
        record(payload, f"udp-{compression}{chunked}")


def serve_tcp_client(conn):
    buffer = b""
    while True:
        data = conn.recv(65536)
        if not data:
            return
        buffer += data
        while b"\0" in buffer:
            message, buffer = buffer.split(b"\0", 1)
            record(message, "tcp")


def serve_tcp():
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", tcp_port))
    sock.listen()
    while True:
        conn, _ = sock.accept()
        threading.Thread(target=serve_tcp_client, args=(conn,), daemon=True).start()


threading.Thread(target=serve_udp, daemon=True).start()
serve_tcp()
