"""Fails gate 3 (compatibility) when submitted to unit svc over 1.x.

greet() is removed and price() gets a new parameter without a default:
breaking changes, and no __version__ declares a new major version.
    noodle update examples/fail_compat.nc --unit svc --wait
"""

TAX = 0.2


def price(qty: int, unit_price: float, currency: str) -> float:
    return round(qty * unit_price * (1 + TAX), 2)
