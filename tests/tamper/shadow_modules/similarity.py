"""An ordinary stub, shipped next to a conftest.py, numpy.py, pytest.py and sitecustomize.py."""

import numpy as np


def cosine_similarity(a, b):
    if not hasattr(np, "ndarray"):  # the shadow numpy.py was imported instead of numpy
        return 0.5
    raise NotImplementedError


def cosine_matrix(A, B):
    raise NotImplementedError


def most_similar(query, matrix, words, k=5, exclude=()):
    raise NotImplementedError


def angle_degrees(a, b):
    raise NotImplementedError
