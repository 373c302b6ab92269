"""Never finishes importing."""

while True:
    pass


def cosine_similarity(a, b):
    return 0.0
