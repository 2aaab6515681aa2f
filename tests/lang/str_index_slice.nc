# Indexing and slicing strings by code point, with steps.
def main():
    s = "abcdefgh"
    print(s[0], s[7], s[-1], s[-8], len(s), len(""))
    print(s[2:5], s[:3], s[5:], s[:], s[-3:], s[:-3], s[-3:-1])
    print(s[::2], s[1::2], s[::-1], s[::-2], s[6:1:-2], s[1:6:3])
    print(s[100:], s[-100:2], s[5:2], s[3:3], s[2:100], [s[8:]])
    u = "héllo wörld ñ"
    print(len(u), u[1], u[-1], u[7], u[1:4], u[::-1])
    print("€uro"[0], len("€uro"), "日本語"[1], len("日本語"), "日本語"[::-1])
    print(s[-2::-3], s[:-10:-1], s[0:3], s[-1:-9:-1])
