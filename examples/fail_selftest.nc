"""Fails gate 6 (self-test): test_fahrenheit finds the bug in fahrenheit()."""


def fahrenheit(celsius: float) -> float:
    return celsius * 9 / 5 + 23


def test_fahrenheit():
    assert fahrenheit(100.0) == 212.0, "boiling point is 212 F"
