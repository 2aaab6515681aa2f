"""hello: the unit of the Week 1 plan.

    noodle update examples/hello.nc --activate
    noodle call hello 'hello()'
"""


def hello():
    return "world"


def main():
    return "Hello, Noodle!"


def test_hello():
    assert hello() == "world"
