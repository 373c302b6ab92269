"""Phones home with the inputs it gets: TCP to the test's listener, UDP, a raw socket, DNS."""

import socket

PORT = int("@@PORT@@")


def _phone(payload):
    errors = []
    attempts = [
        lambda: socket.create_connection(("127.0.0.1", PORT), timeout=0.5).sendall(payload),
        lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(
            payload, ("127.0.0.1", PORT)
        ),
        lambda: socket.create_connection(("1.1.1.1", 53), timeout=0.5),
        lambda: socket.getaddrinfo("pypi.org", 443),
        lambda: socket.socket(socket.AF_PACKET, socket.SOCK_RAW),
        lambda: socket.socket(socket.AF_UNIX, socket.SOCK_STREAM).connect("/run/systemd/private"),
    ]
    for attempt in attempts:
        try:
            attempt()
        except Exception as exc:  # noqa: BLE001
            errors.append(type(exc).__name__)
    return errors


print("@@MARKER@@ import:", _phone(b"@@MARKER@@ import\n"))


def cosine_similarity(a, b):
    raise NotImplementedError(str(_phone(f"@@MARKER@@ {a!r} {b!r}\n".encode())))


def cosine_matrix(A, B):
    raise NotImplementedError(str(_phone(b"@@MARKER@@ matrix\n")))


def most_similar(query, matrix, words, k=5, exclude=()):
    raise NotImplementedError(str(_phone(b"@@MARKER@@ most_similar\n")))


def angle_degrees(a, b):
    raise NotImplementedError(str(_phone(b"@@MARKER@@ angle\n")))
