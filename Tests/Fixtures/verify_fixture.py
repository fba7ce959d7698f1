#!/usr/bin/env python3
"""What the verifier's tests talk to: TLS listeners and a small DNS responder, on the addresses the
test gives (loopback, or addresses inside a network namespace the test made).

    verify_fixture.py '<config JSON>'

config:
  {"tls": [{"host": "127.0.0.1", "port": 0, "cert": "intake.pem", "key": "intake.key"},
           {"host": "127.0.0.1", "port": 0, "plain": true}, ...],
   "dns": {"host": "127.0.0.1", "port": 0,
           "names": {"a.example": {"a": ["10.0.1.5"]},
                     "b.example": {"cname": ["x.elb.amazonaws.com"], "a": ["3.3.3.3"]},
                     "c.example": {"rcode": 3},
                     "d.example": {"silent": true}}}}

Prints one JSON line with the bound ports ({"tls": [p, ...], "dns": p}), then serves until its
standard input closes (the test ends or dies), and exits.
"""
import json
import socket
import ssl
import struct
import sys
import threading


def serve_tls(listener, context):
    while True:
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        threading.Thread(target=handshake, args=(conn, context), daemon=True).start()


def serve_plain(listener):
    """Not TLS: answers anything with an HTTP error and closes, as a plain web server would."""
    while True:
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        try:
            conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
        except OSError:
            pass
        conn.close()


def handshake(conn, context):
    conn.settimeout(5)
    try:
        with context.wrap_socket(conn, server_side=True) as tls:
            tls.recv(1)  # until the client closes
    except (OSError, ssl.SSLError):
        pass
    finally:
        conn.close()


def encode_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def read_name(message, offset):
    labels = []
    while message[offset] != 0:
        length = message[offset]
        labels.append(message[offset + 1:offset + 1 + length].decode())
        offset += 1 + length
    return ".".join(labels), offset + 1


def answer(query, names):
    ident, flags = struct.unpack("!HH", query[:4])
    qname, end = read_name(query, 12)
    question = query[12:end + 4]
    entry = names.get(qname.lower().rstrip("."))
    if entry is not None and entry.get("silent"):
        return None
    rcode = 3 if entry is None else entry.get("rcode", 0)
    records = b""
    count = 0
    if rcode == 0:
        owner = qname
        for target in entry.get("cname", []):
            data = encode_name(target)
            records += encode_name(owner) + struct.pack("!HHIH", 5, 1, 60, len(data)) + data
            owner, count = target, count + 1
        for address in entry.get("a", []):
            records += encode_name(owner) + struct.pack("!HHIH", 1, 1, 60, 4) + socket.inet_aton(address)
            count += 1
    header = struct.pack("!HHHHHH", ident, 0x8180 | (flags & 0x0100) | rcode, 1, count, 0, 0)
    return header + question + records


def serve_dns(sock, names):
    while True:
        try:
            query, peer = sock.recvfrom(512)
        except OSError:
            return
        try:
            response = answer(query, names)
        except (IndexError, struct.error, UnicodeDecodeError):
            continue
        if response is not None:
            sock.sendto(response, peer)


def main():
    config = json.loads(sys.argv[1])
    ports = {"tls": [], "dns": None}
    for spec in config.get("tls", []):
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((spec["host"], spec.get("port", 0)))
        listener.listen(64)
        ports["tls"].append(listener.getsockname()[1])
        if spec.get("plain"):
            threading.Thread(target=serve_plain, args=(listener,), daemon=True).start()
            continue
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(spec["cert"], spec["key"])
        threading.Thread(target=serve_tls, args=(listener, context), daemon=True).start()
    if "dns" in config:
        spec = config["dns"]
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind((spec["host"], spec.get("port", 0)))
        ports["dns"] = sock.getsockname()[1]
        names = {k.lower().rstrip("."): v for k, v in spec["names"].items()}
        threading.Thread(target=serve_dns, args=(sock, names), daemon=True).start()
    print(json.dumps(ports), flush=True)
    sys.stdin.read()


if __name__ == "__main__":
    main()
