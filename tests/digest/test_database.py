from __future__ import annotations

import numpy as np
import pytest
from django.db import connection
from pgvector.psycopg import register_vector


@pytest.mark.django_db
def test_vector_extension_is_installed_by_migration() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'")
        (version,) = cursor.fetchone()
    assert tuple(int(p) for p in version.split(".")[:2]) >= (0, 5)


@pytest.mark.django_db
def test_vector_column_round_trip_with_cosine_distance_query() -> None:
    connection.ensure_connection()
    register_vector(connection.connection)
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE vecs (id int PRIMARY KEY, v vector(3))")
        rows = [(1, np.array([1.0, 0.0, 0.0])), (2, np.array([0.0, 1.0, 0.0])),
                (3, np.array([0.7, 0.7, 0.0]))]  # fmt: skip
        cursor.executemany("INSERT INTO vecs VALUES (%s, %s)", rows)
        cursor.execute("SELECT v FROM vecs WHERE id = 3")
        (stored,) = cursor.fetchone()
        cursor.execute(
            "SELECT id, v <=> %s AS distance FROM vecs ORDER BY v <=> %s",
            [np.array([1.0, 0.1, 0.0]), np.array([1.0, 0.1, 0.0])],
        )
        ranked = cursor.fetchall()
    np.testing.assert_allclose(stored.to_numpy(), [0.7, 0.7, 0.0], rtol=1e-6)
    assert [row[0] for row in ranked] == [1, 3, 2]
    assert ranked[0][1] == pytest.approx(1 - 1 / np.sqrt(1.01), rel=1e-5)
