# The real-process fixtures (celery worker/beat against Redis, an HTTP receiver) for every module here.
from tests.incidents.timers.test_integration import receiver, stack  # noqa: F401
