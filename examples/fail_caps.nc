"""Fails gate 4 (capabilities) under the default policy (capabilities = log).

It needs `random` and `time`; grant them with
    printf 'capabilities = log random time\n' > $MOUNT/units/fail_caps/policy
"""

import random
import time


def roll() -> int:
    return random.randint(1, 6)


def stamp() -> float:
    return time.time()
