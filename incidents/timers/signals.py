"""What the timer engine tells observers (e.g. the metrics), without knowing who listens.

- ``timer_fired(timer, subject, outcome)``: a timer was claimed and its handler ran, inside the claiming
  transaction (a receiver that counts should wait for the commit). ``subject`` is None when it was deleted.
- ``tick_finished(duration, due, result)``: a tick has ended; ``duration`` in seconds, ``due`` the timers
  it found due, ``result`` its ``TickResult`` (fired, skipped, errors).
"""

from __future__ import annotations

from django.dispatch import Signal

timer_fired = Signal()
tick_finished = Signal()
