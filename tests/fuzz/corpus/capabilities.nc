# The time and random capability modules (checked by properties, since
# their values change from run to run).
import time
import random

def main():
    t = time.time()
    m1 = time.monotonic()
    m2 = time.monotonic()
    print(t > 1600000000.0, isinstance(t, float), m2 >= m1)
    rolls = [random.randint(1, 6) for _ in range(50)]
    print(min(rolls) >= 1, max(rolls) <= 6, len(rolls))
    r = random.random()
    print(0.0 <= r < 1.0, isinstance(r, float))
    print(random.choice([7]), random.choice("z"), random.choice([1, 2, 3]) in [1, 2, 3])
    print(random.randint(5, 5))
