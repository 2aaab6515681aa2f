"""svc 1.0.0: a small pricing service, the first version.

Submit it as unit svc (the folder's versions are one unit):
    noodle update examples/svc/v1.nc --unit svc --activate
"""

TAX = 0.2


def price(qty: int, unit_price: float) -> float:
    """Price of qty items, tax included, in cents rounded to 2 places."""
    if qty < 0:
        raise ValueError("negative quantity")
    return round(qty * unit_price * (1 + TAX), 2)


def greet(name: str) -> str:
    return "hello, " + name


def test_price():
    assert price(2, 10.0) == 24.0
    assert price(0, 10.0) == 0.0


def test_greet():
    assert greet("ada") == "hello, ada"
