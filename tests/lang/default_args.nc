"""Module docstring: defaults, annotations, docstrings."""

def greet(name: str, greeting: str = "Hello", punct="!") -> str:
    """Return a greeting."""
    return greeting + ", " + name + punct

def scale(x: float, factor: int = 2) -> float:
    return x * factor

def opt(a, b=None, c=(1, 2), d=-1, e=2.5, f=True):
    return [a, b, c, d, e, f]

def nothing():
    """Only a docstring."""

def implicit(x):
    if x:
        return "yes"

def main() -> None:
    print(greet("Ann"), greet("Bob", "Hi"), greet("Cy", "Yo", "?"))
    print(scale(1.5), scale(2, 10), scale(-1))
    print(opt(0), opt(1, 2), opt(1, 2, 3, 4, 5, 6))
    print(nothing(), implicit(0), implicit(1))
    count: int = 3
    label: str = "n"
    print(label * count)
