"""svc, third version: a minor release (additions only).

price() gains a parameter with a default and discount() is new: both are
compatible changes, so the version becomes 1.1.0.
"""

TAX = 0.2
CODES = {"SPRING": 10, "VIP": 25}


def discount(code: str) -> int:
    """Percent off for a discount code; 0 for an unknown one."""
    return CODES.get(code.upper(), 0)


def price(qty: int, unit_price: float, code: str = "") -> float:
    if qty < 0:
        raise ValueError("negative quantity")
    total = qty * unit_price * (1 + TAX)
    total = total * (100 - discount(code)) / 100
    return round(total, 2)


def greet(name: str) -> str:
    return "Hello, " + name.strip() + "!"


def test_price():
    assert price(2, 10.0) == 24.0
    assert price(2, 10.0, "vip") == 18.0


def test_discount():
    assert discount("spring") == 10
    assert discount("nope") == 0
