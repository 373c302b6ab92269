"""Every function spins forever, ignoring signals it can catch."""

import signal

for name in ("SIGTERM", "SIGINT", "SIGALRM", "SIGHUP", "SIGUSR1"):
    signal.signal(getattr(signal, name), signal.SIG_IGN)


def _spin():
    n = 0
    while True:
        n += 1


def cosine_similarity(a, b):
    _spin()


def cosine_matrix(A, B):
    _spin()


def most_similar(query, matrix, words, k=5, exclude=()):
    _spin()


def angle_degrees(a, b):
    _spin()
