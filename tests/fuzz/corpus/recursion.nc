# Recursion: direct, mutual, accumulating, on containers.
def fact(n):
    if n <= 1:
        return 1
    return n * fact(n - 1)

def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)

def is_even(n):
    if n == 0:
        return True
    return is_odd(n - 1)

def is_odd(n):
    if n == 0:
        return False
    return is_even(n - 1)

def ack(m, n):
    if m == 0:
        return n + 1
    if n == 0:
        return ack(m - 1, 1)
    return ack(m - 1, ack(m, n - 1))

def flatten(x, out):
    if isinstance(x, list):
        for item in x:
            flatten(item, out)
    else:
        out.append(x)
    return out

def hanoi(n, a, b, c, moves):
    if n == 0:
        return moves
    hanoi(n - 1, a, c, b, moves)
    moves.append(a + c)
    hanoi(n - 1, b, a, c, moves)
    return moves

def depth(n):
    if n == 0:
        return 0
    return 1 + depth(n - 1)

def main():
    print(fact(20), fact(0), [fib(i) for i in range(15)])
    print(is_even(10), is_odd(7), is_even(3), ack(2, 3))
    print(flatten([1, [2, [3, [4]], 5], [[6]]], []))
    m = hanoi(4, "A", "B", "C", [])
    print(len(m), m[:5])
    print(depth(900))
