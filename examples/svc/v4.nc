"""svc 2.0.0: a declared major release.

greet() is removed and price() takes its quantities as a list: breaking
changes, accepted because the source declares a higher major version.
"""

__version__ = "2.0.0"

TAX = 0.2
CODES = {"SPRING": 10, "VIP": 25}


def discount(code: str) -> int:
    return CODES.get(code.upper(), 0)


def price(items: list, code: str = "") -> float:
    """Total of [(qty, unit_price), ...], tax and discount included."""
    total = 0.0
    for item in items:
        if item[0] < 0:
            raise ValueError("negative quantity")
        total += item[0] * item[1]
    total = total * (1 + TAX) * (100 - discount(code)) / 100
    return round(total, 2)


def test_price():
    assert price([(2, 10.0), (1, 5.0)]) == 30.0
    assert price([], "vip") == 0.0
