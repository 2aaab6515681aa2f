# Building strings: join of parts, short concatenations, number formatting.
def row(cells):
    parts = []
    for c in cells:
        parts.append(str(c))
    return "| " + " | ".join(parts) + " |"

def main():
    print(row([1, "two", 3.0, None]))
    out = []
    for i in range(1, 16):
        if i % 15 == 0:
            out.append("FizzBuzz")
        elif i % 3 == 0:
            out.append("Fizz")
        elif i % 5 == 0:
            out.append("Buzz")
        else:
            out.append(str(i))
    print(" ".join(out))
    s = ""
    for ch in "abc":
        s = s + ch + ch.upper()
    print(s)
    line = "-" * 20
    print(line, len(line))
    csv = "\n".join([",".join([str(i * j) for j in range(1, 4)]) for i in range(1, 4)])
    print(csv)
    total = 0
    text = ""
    for n in [3, 14, 15, 92]:
        total += n
        text += str(n) + ("," if n != 92 else "")
    print(text, "=", total, "avg " + str(total / 4))
