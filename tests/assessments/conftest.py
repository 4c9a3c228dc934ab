import pytest

from assessments.catalogue import load_catalogue


@pytest.fixture
def catalogue(db):
    """The bundled catalogue, loaded into the test database."""
    return load_catalogue()
