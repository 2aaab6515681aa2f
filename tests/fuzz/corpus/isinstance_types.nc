# isinstance with every type name and tuples of names; bool is an int.
def kind(v):
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int"
    if isinstance(v, float):
        return "float"
    if isinstance(v, str):
        return "str"
    if isinstance(v, list):
        return "list"
    if isinstance(v, tuple):
        return "tuple"
    if isinstance(v, dict):
        return "dict"
    return "other"

def main():
    for v in [1, 1.5, True, "s", [1], (1,), {"a": 1}, None, -0.0, ""]:
        print([v], kind(v))
    print(isinstance(True, int), isinstance(1, bool), isinstance(1, (float, str)))
    print(isinstance(1.0, (int, float)), isinstance("x", (list, tuple, str)))
    print(isinstance([], (dict,)), isinstance({}, dict), isinstance((), tuple))
    print(isinstance(None, int), isinstance(False, (bool,)), isinstance(0, float))
