"""Two declares at the same moment must get distinct references (real PostgreSQL, real threads)."""

from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest
from django.db import connection

from incidents import services
from incidents.models import Incident
from tests.conftest import is_postgres, need_service


@pytest.mark.django_db(transaction=True)
def test_concurrent_declares_get_distinct_references(django_user_model, severities):
    need_service(is_postgres(), "concurrent declares are checked on PostgreSQL (set DATABASE_URL)")
    severity = severities["P2"]
    user = django_user_model.objects.create_user("concurrent", password="pw")
    workers = 8
    barrier = Barrier(workers)

    def declare(n: int) -> str:
        try:
            barrier.wait(timeout=10)
            return services.incident_declare(title=f"Concurrent {n}", severity=severity, by=user).reference
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        references = list(pool.map(declare, range(workers)))

    assert len(set(references)) == workers
    numbers = sorted(int(reference.rsplit("-", 1)[1]) for reference in references)
    assert numbers == list(range(1, workers + 1))
    assert Incident.objects.count() == workers
