"""A faulty svc release, for canaries: price() fails on bulk orders.

Its contract is svc 1.1.0's, so it validates (its self-test only tries a
small order and misses the bug) and only real calls show the fault.  Run
it as a canary of unit svc:
    noodle update examples/flaky.nc --unit svc --wait
    noodle canary svc 1.1.1 50
With canary.min_calls and canary.max_error_rate in the unit's policy, the
canary rolls itself back once its error rate is known to be too high.
"""

TAX = 0.2
CODES = {"SPRING": 10, "VIP": 25}


def discount(code: str) -> int:
    return CODES.get(code.upper(), 0)


def price(qty: int, unit_price: float, code: str = "") -> float:
    if qty > 20:
        raise RuntimeError("no bulk price table for qty " + str(qty))
    total = qty * unit_price * (1 + TAX)
    total = total * (100 - discount(code)) / 100
    return round(total, 2)


def greet(name: str) -> str:
    return "Hello, " + name.strip() + "!"


def test_price():
    assert price(2, 10.0) == 24.0
