#!/usr/bin/env python3
"""A Riemann TCP server double, written from Riemann's protocol (riemann-java-client's
proto/riemann/proto.proto; no Riemann package exists here). Each message is a 4-byte big-endian
length and a protobuf Msg; events are field 6. The double decodes the protobuf wire format
itself, checks each event the way Riemann's index would need it (host and service set, time
given), records the events as JSON lines in OUT and answers Msg{ok: true}. The first FAIL
messages are answered Msg{ok: false, error: "overloaded"}, as a busy Riemann would. With CERT
and KEY it serves TLS, as Riemann's TLS TCP server does.
Usage: riemann_double.py PORT OUT [FAIL [CERT KEY]]"""
import json
import socket
import ssl
import struct
import sys
import threading

port, out_path = int(sys.argv[1]), sys.argv[2]
fail = [int(sys.argv[3]) if len(sys.argv) > 3 else 0]
lock = threading.Lock()
EVENT_FIELDS = {1: "time", 2: "state", 3: "service", 4: "host", 5: "description", 7: "tags",
                9: "attributes", 10: "time_micros"}


def fields(data):
    at = 0

    def varint():
        nonlocal at
        value, shift = 0, 0
        while True:
            byte = data[at]
            at += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                return value
    while at < len(data):
        key = varint()
        number, wire = key >> 3, key & 7
        if wire == 0:
            yield number, varint()
        elif wire == 2:
            size = varint()
            yield number, data[at:at + size]
            at += size
        else:
            raise ValueError(f"wire type {wire}")


def decode_event(data):
    event = {"tags": [], "attributes": {}}
    for number, value in fields(data):
        name = EVENT_FIELDS.get(number)
        if name == "tags":
            event["tags"].append(value.decode())
        elif name == "attributes":
            attribute = {n: v.decode() for n, v in fields(value)}
            event["attributes"][attribute[1]] = attribute.get(2, "")
        elif name in ("time", "time_micros"):
            event[name] = value
        elif name:
            event[name] = value.decode()  # protobuf strings: must be UTF-8
    for required in ("host", "service", "time"):
        if not event.get(required):
            raise ValueError(f"event without {required}")
    return event


def reply(conn, ok, error=""):
    message = bytes([0x10, 1 if ok else 0])
    if error:
        message += bytes([0x1A, len(error)]) + error.encode()
    conn.sendall(struct.pack(">I", len(message)) + message)


def read_exactly(conn, size):
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def serve(conn):
    try:
        while True:
            size = struct.unpack(">I", read_exactly(conn, 4))[0]
            message = read_exactly(conn, size)
            with lock:
                if fail[0] > 0:
                    fail[0] -= 1
                    reply(conn, False, "overloaded")
                    continue
                try:
                    events = [decode_event(v) for n, v in fields(message) if n == 6]
                except (ValueError, UnicodeDecodeError) as error:
                    reply(conn, False, f"bad event: {error}")
                    continue
                with open(out_path, "a") as out:
                    for event in events:
                        out.write(json.dumps(event) + "\n")
            reply(conn, True)
    except EOFError:
        conn.close()


sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
sock.bind(("127.0.0.1", port))
sock.listen()
tls = None
if len(sys.argv) > 5:
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(sys.argv[4], sys.argv[5])
while True:
    connection, _ = sock.accept()
    if tls:
        try:
            connection = tls.wrap_socket(connection, server_side=True)
        except (ssl.SSLError, OSError):
            continue
    threading.Thread(target=serve, args=(connection,), daemon=True).start()
