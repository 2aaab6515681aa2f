"""svc, second version: a patch (same contract, better greeting).

The contract did not change, so the version becomes 1.0.1.
"""

TAX = 0.2


def price(qty: int, unit_price: float) -> float:
    """Price of qty items, tax included, rounded to 2 places."""
    if qty < 0:
        raise ValueError("negative quantity")
    return round(qty * unit_price * (1 + TAX), 2)


def greet(name: str) -> str:
    return "Hello, " + name.strip() + "!"


def test_price():
    assert price(2, 10.0) == 24.0


def test_greet():
    assert greet(" ada ") == "Hello, ada!"
