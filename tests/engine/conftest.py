import pytest

from tiny_synthetic import generate


@pytest.fixture(scope='session')
def tiny_synthetic(tmp_path_factory):
    """A tiny generated dataset, made once (see tiny_synthetic.py)."""
    out = tmp_path_factory.mktemp('tiny_synthetic')
    generate(out)
    return out
