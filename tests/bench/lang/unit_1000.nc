"""A 1,000-line unit for the compile+verify benchmark."""
__version__ = "1.0.0"
import math

LIMIT = 100
NAMES = ["alpha", "beta", "gamma"]
TABLE = {"a": 1, "b": 2, "c": 3}

def compute_0(x: int, y: int = 0) -> int:
    """Compute value 0."""
    total = 0
    for i in range(x):
        if i % 2 == 0:
            total += i * 1
        elif i % 3 == 0:
            total -= y
        else:
            total += 1
    while total > LIMIT:
        total = total // 2
    return total + 0

def text_1(s: str) -> str:
    parts = []
    for w in s.split():
        if w.isdigit():
            parts.append(str(int(w) + 1))
        else:
            parts.append(w.upper().strip())
    name = NAMES[1 % len(NAMES)]
    return name + ":" + ",".join(parts)

def table_2(d: dict, key: str) -> float:
    counts = {}
    for k, v in d.items():
        counts[k] = counts.get(k, 0) + v
    value = counts.get(key, TABLE.get("a", 2))
    items = sorted([x * 2 for x in counts.values() if x > 0])
    if len(items) > 1 and items[0] < items[-1]:
        return math.sqrt(value) + items[0] / 2
    return float(value)

def compute_3(x: int, y: int = 3) -> int:
    """Compute value 3."""
    total = 0
    for i in range(x):
        if i % 2 == 0:
            total += i * 4
        elif i % 3 == 0:
            total -= y
        else:
            total += 1
    while total > LIMIT:
        total = total // 2
    return total + 3

def text_4(s: str) -> str:
    parts = []
    for w in s.split():
        if w.isdigit():
            parts.append(str(int(w) + 1))
        else:
            parts.append(w.upper().strip())
    name = NAMES[4 % len(NAMES)]
    return name + ":" + ",".join(parts)

def table_5(d: dict, key: str) -> float:
    counts = {}
    for k, v in d.items():
        counts[k] = counts.get(k, 0) + v
    value = counts.get(key, TABLE.get("a", 5))
    items = sorted([x * 2 for x in counts.values() if x > 0])
    if len(items) > 1 and items[0] < items[-1]:
        return math.sqrt(value) + items[0] / 2
    return float(value)

def compute_6(x: int, y: int = 6) -> int:
    """Compute value 6."""
    total = 0
    for i in range(x):
        if i % 2 == 0:
            total += i * 2
        elif i % 3 == 0:
            total -= y
        else:
            total += 1
    while total > LIMIT:
        total = total // 2
    return total + 6

def text_7(s: str) -> str:
    parts = []
    for w in s.split():
        if w.isdigit():
            parts.append(str(int(w) + 1))
        else:
            parts.append(w.upper().strip())
    name = NAMES[7 % len(NAMES)]
    return name + ":" + ",".join(parts)

def table_8(d: dict, key: str) -> float:
    counts = {}
    for k, v in d.items():
        counts[k] = counts.get(k, 0) + v
    value = counts.get(key, TABLE.get("a", 8))
    items = sorted([x * 2 for x in counts.values() if x > 0])
    if len(items) > 1 and items[0] < items[-1]:
        return math.sqrt(value) + items[0] / 2
    return float(value)

def compute_9(x: int, y: int = 2) -> int:
    """Compute value 9."""
    total = 0
    for i in range(x):
        if i % 2 == 0:
            total += i * 5
        elif i % 3 == 0:
            total -= y
        else:
            total += 1
    while total > LIMIT:
        total = total // 2
    return total + 9

def text_10(s: str) -> str:
    parts = []
    for w in s.split():
        if w.isdigit():
            parts.append(str(int(w) + 1))
        else:
            parts.append(w.upper().strip())
    name = NAMES[10 % len(NAMES)]
    return name + ":" + ",".join(parts)

def table_11(d: dict, key: str) -> float:
    counts = {}
    for k, v in d.items():
        counts[k] = counts.get(k, 0) + v
    value = counts.get(key, TABLE.get("a", 11))
    items = sorted([x * 2 for x in counts.values() if x > 0])
    if len(items) > 1 and items[0] < items[-1]:
        return math.sqrt(value) + items[0] / 2
    return float(value)

def compute_12(x: int, y: int = 5) -> int:
    """Compute value 12."""
    total = 0
    for i in range(x):
        if i % 2 == 0:
            total += i * 3
        elif i % 3 == 0:
            total -= y
        else:
            total += 1
    while total > LIMIT:
        total = total // 2
    return total + 12

def text_13(s: str) -> str:
    parts = []
    for w in s.split():
        if w.isdigit():
            parts.append(str(int(w) + 1))
        else:
            parts.append(w.upper().strip())
    name = NAMES[13 % len(NAMES)]
    return name + ":" + ",".join(parts)

def table_14(d: dict, key: str) -> float:
    counts = {}
    for k, v in d.items():
        counts[k] = counts.get(k, 0) + v
    value = counts.get(key, TABLE.get("a", 14))
    items = sorted([x * 2 for x in counts.values() if x > 0])
    if len(items) > 1 and items[0] < items[-1]:
        return math.sqrt(value) + items[0] / 2
    return float(value)

def compute_15(x: int, y: int = 1) -> int:
    """Compute value 15."""
    total = 0
    for i in range(x):
        if i % 2 == 0:
            total += i * 1
        elif i % 3 == 0:
            total -= y
        else:
            total += 1
    while total > LIMIT:
        total = total // 2
    return total + 15

def text_16(s: str) -> str:
    parts = []
    for w in s.split():
        if w.isdigit():
            parts.append(str(int(w) + 1))
        else:
            parts.append(w.upper().strip())
    name = NAMES[16 % len(NAMES)]
    return name + ":" + ",".join(parts)

def table_17(d: dict, key: str) -> float:
    counts = {}
    for k, v in d.items():
        counts[k] = counts.get(k, 0) + v
    value = counts.get(key, TABLE.get("a", 17))
    items = sorted([x * 2 for x in counts.values() if x > 0])
    if len(items) > 1 and items[0] < items[-1]:
        return math.sqrt(value) + items[0] / 2
    return float(value)

def compute_18(x: int, y: int = 4) -> int:
    """Compute value 18."""
    total = 0
    for i in range(x):
        if i % 2 == 0:
            total += i * 4
        elif i % 3 == 0:
            total -= y
        else:
            total += 1
    while total > LIMIT:
        total = total // 2
    return total + 18

def text_19(s: str) -> str:
    parts = []
    for w in s.split():
        if w.isdigit():
            parts.append(str(int(w) + 1))
        else:
            parts.append(w.upper().strip())
    name = NAMES[19 % len(NAMES)]
    return name + ":" + ",".join(parts)

def table_20(d: dict, key: str) -> float:
    counts = {}
    for k, v in d.items():
        counts[k] = counts.get(k, 0) + v
    value = counts.get(key, TABLE.get("a", 20))
    items = sorted([x * 2 for x in counts.values() if x > 0])
    if len(items) > 1 and items[0] < items[-1]:
        return math.sqrt(value) + items[0] / 2
    return float(value)

def compute_21(x: int, y: int = 0) -> int:
    """Compute value 21."""
    total = 0
    for i in range(x):
        if i % 2 == 0:
            total += i * 2
        elif i % 3 == 0:
            total -= y
        else:
            total += 1
    while total > LIMIT:
        total = total // 2
    return total + 21

def text_22(s: str) -> str:
    parts = []
    for w in s.split():
        if w.isdigit():
            parts.append(str(int(w) + 1))
        else:
            parts.append(w.upper().strip())
    name = NAMES[22 % len(NAMES)]
    return name + ":" + ",".join(parts)

def table_23(d: dict, key: str) -> float:
    counts = {}
    for k, v in d.items():
        counts[k] = counts.get(k, 0) + v
    value = counts.get(key, TABLE.get("a", 23))
    items = sorted([x * 2 for x in counts.values() if x > 0])
    if len(items) > 1 and items[0] < items[-1]:
        return math.sqrt(value) + items[0] / 2
    return float(value)

def compute_24(x: int, y: int = 3) -> int:
    """Compute value 24."""
    total = 0
    for i in range(x):
        if i % 2 == 0:
            total += i * 5
        elif i % 3 == 0:
            total -= y
        else:
            total += 1
    while total > LIMIT:
        total = total // 2
    return total + 24

def text_25(s: str) -> str:
    parts = []
    for w in s.split():
        if w.isdigit():
            parts.append(str(int(w) + 1))
        else:
            parts.append(w.upper().strip())
    name = NAMES[25 % len(NAMES)]
    return name + ":" + ",".join(parts)

def table_26(d: dict, key: str) -> float:
    counts = {}
    for k, v in d.items():
        counts[k] = counts.get(k, 0) + v
    value = counts.get(key, TABLE.get("a", 26))
    items = sorted([x * 2 for x in counts.values() if x > 0])
    if len(items) > 1 and items[0] < items[-1]:
        return math.sqrt(value) + items[0] / 2
    return float(value)

def compute_27(x: int, y: int = 6) -> int:
    """Compute value 27."""
    total = 0
    for i in range(x):
        if i % 2 == 0:
            total += i * 3
        elif i % 3 == 0:
            total -= y
        else:
            total += 1
    while total > LIMIT:
        total = total // 2
    return total + 27

def text_28(s: str) -> str:
    parts = []
    for w in s.split():
        if w.isdigit():
            parts.append(str(int(w) + 1))
        else:
            parts.append(w.upper().strip())
    name = NAMES[28 % len(NAMES)]
    return name + ":" + ",".join(parts)

def table_29(d: dict, key: str) -> float:
    counts = {}
    for k, v in d.items():
        counts[k] = counts.get(k, 0) + v
    value = counts.get(key, TABLE.get("a", 29))
    items = sorted([x * 2 for x in counts.values() if x > 0])
    if len(items) > 1 and items[0] < items[-1]:
        return math.sqrt(value) + items[0] / 2
    return float(value)

def compute_30(x: int, y: int = 2) -> int:
    """Compute value 30."""
    total = 0
    for i in range(x):
        if i % 2 == 0:
            total += i * 1
        elif i % 3 == 0:
            total -= y
        else:
            total += 1
    while total > LIMIT:
        total = total // 2
    return total + 30

def text_31(s: str) -> str:
    parts = []
    for w in s.split():
        if w.isdigit():
            parts.append(str(int(w) + 1))
        else:
            parts.append(w.upper().strip())
    name = NAMES[31 % len(NAMES)]
    return name + ":" + ",".join(parts)

def table_32(d: dict, key: str) -> float:
    counts = {}
    for k, v in d.items():
        counts[k] = counts.get(k, 0) + v
    value = counts.get(key, TABLE.get("a", 32))
    items = sorted([x * 2 for x in counts.values() if x > 0])
    if len(items) > 1 and items[0] < items[-1]:
        return math.sqrt(value) + items[0] / 2
    return float(value)

def compute_33(x: int, y: int = 5) -> int:
    """Compute value 33."""
    total = 0
    for i in range(x):
        if i % 2 == 0:
            total += i * 4
        elif i % 3 == 0:
            total -= y
        else:
            total += 1
    while total > LIMIT:
        total = total // 2
    return total + 33

def text_34(s: str) -> str:
    parts = []
    for w in s.split():
        if w.isdigit():
            parts.append(str(int(w) + 1))
        else:
            parts.append(w.upper().strip())
    name = NAMES[34 % len(NAMES)]
    return name + ":" + ",".join(parts)

def table_35(d: dict, key: str) -> float:
    counts = {}
    for k, v in d.items():
        counts[k] = counts.get(k, 0) + v
    value = counts.get(key, TABLE.get("a", 35))
    items = sorted([x * 2 for x in counts.values() if x > 0])
    if len(items) > 1 and items[0] < items[-1]:
        return math.sqrt(value) + items[0] / 2
    return float(value)

def compute_36(x: int, y: int = 1) -> int:
    """Compute value 36."""
    total = 0
    for i in range(x):
        if i % 2 == 0:
            total += i * 2
        elif i % 3 == 0:
            total -= y
        else:
            total += 1
    while total > LIMIT:
        total = total // 2
    return total + 36

def text_37(s: str) -> str:
    parts = []
    for w in s.split():
        if w.isdigit():
            parts.append(str(int(w) + 1))
        else:
            parts.append(w.upper().strip())
    name = NAMES[37 % len(NAMES)]
    return name + ":" + ",".join(parts)

def table_38(d: dict, key: str) -> float:
    counts = {}
    for k, v in d.items():
        counts[k] = counts.get(k, 0) + v
    value = counts.get(key, TABLE.get("a", 38))
    items = sorted([x * 2 for x in counts.values() if x > 0])
    if len(items) > 1 and items[0] < items[-1]:
        return math.sqrt(value) + items[0] / 2
    return float(value)

def compute_39(x: int, y: int = 4) -> int:
    """Compute value 39."""
    total = 0
    for i in range(x):
        if i % 2 == 0:
            total += i * 5
        elif i % 3 == 0:
            total -= y
        else:
            total += 1
    while total > LIMIT:
        total = total // 2
    return total + 39

def text_40(s: str) -> str:
    parts = []
    for w in s.split():
        if w.isdigit():
            parts.append(str(int(w) + 1))
        else:
            parts.append(w.upper().strip())
    name = NAMES[40 % len(NAMES)]
    return name + ":" + ",".join(parts)

def table_41(d: dict, key: str) -> float:
    counts = {}
    for k, v in d.items():
        counts[k] = counts.get(k, 0) + v
    value = counts.get(key, TABLE.get("a", 41))
    items = sorted([x * 2 for x in counts.values() if x > 0])
    if len(items) > 1 and items[0] < items[-1]:
        return math.sqrt(value) + items[0] / 2
    return float(value)

def compute_42(x: int, y: int = 0) -> int:
    """Compute value 42."""
    total = 0
    for i in range(x):
        if i % 2 == 0:
            total += i * 3
        elif i % 3 == 0:
            total -= y
        else:
            total += 1
    while total > LIMIT:
        total = total // 2
    return total + 42

def text_43(s: str) -> str:
    parts = []
    for w in s.split():
        if w.isdigit():
            parts.append(str(int(w) + 1))
        else:
            parts.append(w.upper().strip())
    name = NAMES[43 % len(NAMES)]
    return name + ":" + ",".join(parts)

def table_44(d: dict, key: str) -> float:
    counts = {}
    for k, v in d.items():
        counts[k] = counts.get(k, 0) + v
    value = counts.get(key, TABLE.get("a", 44))
    items = sorted([x * 2 for x in counts.values() if x > 0])
    if len(items) > 1 and items[0] < items[-1]:
        return math.sqrt(value) + items[0] / 2
    return float(value)

def compute_45(x: int, y: int = 3) -> int:
    """Compute value 45."""
    total = 0
    for i in range(x):
        if i % 2 == 0:
            total += i * 1
        elif i % 3 == 0:
            total -= y
        else:
            total += 1
    while total > LIMIT:
        total = total // 2
    return total + 45

def text_46(s: str) -> str:
    parts = []
    for w in s.split():
        if w.isdigit():
            parts.append(str(int(w) + 1))
        else:
            parts.append(w.upper().strip())
    name = NAMES[46 % len(NAMES)]
    return name + ":" + ",".join(parts)

def table_47(d: dict, key: str) -> float:
    counts = {}
    for k, v in d.items():
        counts[k] = counts.get(k, 0) + v
    value = counts.get(key, TABLE.get("a", 47))
    items = sorted([x * 2 for x in counts.values() if x > 0])
    if len(items) > 1 and items[0] < items[-1]:
        return math.sqrt(value) + items[0] / 2
    return float(value)

def compute_48(x: int, y: int = 6) -> int:
    """Compute value 48."""
    total = 0
    for i in range(x):
        if i % 2 == 0:
            total += i * 4
        elif i % 3 == 0:
            total -= y
        else:
            total += 1
    while total > LIMIT:
        total = total // 2
    return total + 48

def text_49(s: str) -> str:
    parts = []
    for w in s.split():
        if w.isdigit():
            parts.append(str(int(w) + 1))
        else:
            parts.append(w.upper().strip())
    name = NAMES[49 % len(NAMES)]
    return name + ":" + ",".join(parts)

def table_50(d: dict, key: str) -> float:
    counts = {}
    for k, v in d.items():
        counts[k] = counts.get(k, 0) + v
    value = counts.get(key, TABLE.get("a", 50))
    items = sorted([x * 2 for x in counts.values() if x > 0])
    if len(items) > 1 and items[0] < items[-1]:
        return math.sqrt(value) + items[0] / 2
    return float(value)

def compute_51(x: int, y: int = 2) -> int:
    """Compute value 51."""
    total = 0
    for i in range(x):
        if i % 2 == 0:
            total += i * 2
        elif i % 3 == 0:
            total -= y
        else:
            total += 1
    while total > LIMIT:
        total = total // 2
    return total + 51

def text_52(s: str) -> str:
    parts = []
    for w in s.split():
        if w.isdigit():
            parts.append(str(int(w) + 1))
        else:
            parts.append(w.upper().strip())
    name = NAMES[52 % len(NAMES)]
    return name + ":" + ",".join(parts)

def table_53(d: dict, key: str) -> float:
    counts = {}
    for k, v in d.items():
        counts[k] = counts.get(k, 0) + v
    value = counts.get(key, TABLE.get("a", 53))
    items = sorted([x * 2 for x in counts.values() if x > 0])
    if len(items) > 1 and items[0] < items[-1]:
        return math.sqrt(value) + items[0] / 2
    return float(value)

def compute_54(x: int, y: int = 5) -> int:
    """Compute value 54."""
    total = 0
    for i in range(x):
        if i % 2 == 0:
            total += i * 5
        elif i % 3 == 0:
            total -= y
        else:
            total += 1
    while total > LIMIT:
        total = total // 2
    return total + 54

def text_55(s: str) -> str:
    parts = []
    for w in s.split():
        if w.isdigit():
            parts.append(str(int(w) + 1))
        else:
            parts.append(w.upper().strip())
    name = NAMES[55 % len(NAMES)]
    return name + ":" + ",".join(parts)

def table_56(d: dict, key: str) -> float:
    counts = {}
    for k, v in d.items():
        counts[k] = counts.get(k, 0) + v
    value = counts.get(key, TABLE.get("a", 56))
    items = sorted([x * 2 for x in counts.values() if x > 0])
    if len(items) > 1 and items[0] < items[-1]:
        return math.sqrt(value) + items[0] / 2
    return float(value)

def compute_57(x: int, y: int = 1) -> int:
    """Compute value 57."""
    total = 0
    for i in range(x):
        if i % 2 == 0:
            total += i * 3
        elif i % 3 == 0:
            total -= y
        else:
            total += 1
    while total > LIMIT:
        total = total // 2
    return total + 57

def text_58(s: str) -> str:
    parts = []
    for w in s.split():
        if w.isdigit():
            parts.append(str(int(w) + 1))
        else:
            parts.append(w.upper().strip())
    name = NAMES[58 % len(NAMES)]
    return name + ":" + ",".join(parts)

def table_59(d: dict, key: str) -> float:
    counts = {}
    for k, v in d.items():
        counts[k] = counts.get(k, 0) + v
    value = counts.get(key, TABLE.get("a", 59))
    items = sorted([x * 2 for x in counts.values() if x > 0])
    if len(items) > 1 and items[0] < items[-1]:
        return math.sqrt(value) + items[0] / 2
    return float(value)

def compute_60(x: int, y: int = 4) -> int:
    """Compute value 60."""
    total = 0
    for i in range(x):
        if i % 2 == 0:
            total += i * 1
        elif i % 3 == 0:
            total -= y
        else:
            total += 1
    while total > LIMIT:
        total = total // 2
    return total + 60

def text_61(s: str) -> str:
    parts = []
    for w in s.split():
        if w.isdigit():
            parts.append(str(int(w) + 1))
        else:
            parts.append(w.upper().strip())
    name = NAMES[61 % len(NAMES)]
    return name + ":" + ",".join(parts)

def table_62(d: dict, key: str) -> float:
    counts = {}
    for k, v in d.items():
        counts[k] = counts.get(k, 0) + v
    value = counts.get(key, TABLE.get("a", 62))
    items = sorted([x * 2 for x in counts.values() if x > 0])
    if len(items) > 1 and items[0] < items[-1]:
        return math.sqrt(value) + items[0] / 2
    return float(value)

def compute_63(x: int, y: int = 0) -> int:
    """Compute value 63."""
    total = 0
    for i in range(x):
        if i % 2 == 0:
            total += i * 4
        elif i % 3 == 0:
            total -= y
        else:
            total += 1
    while total > LIMIT:
        total = total // 2
    return total + 63

def text_64(s: str) -> str:
    parts = []
    for w in s.split():
        if w.isdigit():
            parts.append(str(int(w) + 1))
        else:
            parts.append(w.upper().strip())
    name = NAMES[64 % len(NAMES)]
    return name + ":" + ",".join(parts)

def table_65(d: dict, key: str) -> float:
    counts = {}
    for k, v in d.items():
        counts[k] = counts.get(k, 0) + v
    value = counts.get(key, TABLE.get("a", 65))
    items = sorted([x * 2 for x in counts.values() if x > 0])
    if len(items) > 1 and items[0] < items[-1]:
        return math.sqrt(value) + items[0] / 2
    return float(value)

def compute_66(x: int, y: int = 3) -> int:
    """Compute value 66."""
    total = 0
    for i in range(x):
        if i % 2 == 0:
            total += i * 2
        elif i % 3 == 0:
            total -= y
        else:
            total += 1
    while total > LIMIT:
        total = total // 2
    return total + 66

def text_67(s: str) -> str:
    parts = []
    for w in s.split():
        if w.isdigit():
            parts.append(str(int(w) + 1))
        else:
            parts.append(w.upper().strip())
    name = NAMES[67 % len(NAMES)]
    return name + ":" + ",".join(parts)

def table_68(d: dict, key: str) -> float:
    counts = {}
    for k, v in d.items():
        counts[k] = counts.get(k, 0) + v
    value = counts.get(key, TABLE.get("a", 68))
    items = sorted([x * 2 for x in counts.values() if x > 0])
    if len(items) > 1 and items[0] < items[-1]:
        return math.sqrt(value) + items[0] / 2
    return float(value)

def compute_69(x: int, y: int = 6) -> int:
    """Compute value 69."""
    total = 0
    for i in range(x):
        if i % 2 == 0:
            total += i * 5
        elif i % 3 == 0:
            total -= y
        else:
            total += 1
    while total > LIMIT:
        total = total // 2
    return total + 69

def text_70(s: str) -> str:
    parts = []
    for w in s.split():
        if w.isdigit():
            parts.append(str(int(w) + 1))
        else:
            parts.append(w.upper().strip())
    name = NAMES[70 % len(NAMES)]
    return name + ":" + ",".join(parts)

def table_71(d: dict, key: str) -> float:
    counts = {}
    for k, v in d.items():
        counts[k] = counts.get(k, 0) + v
    value = counts.get(key, TABLE.get("a", 71))
    items = sorted([x * 2 for x in counts.values() if x > 0])
    if len(items) > 1 and items[0] < items[-1]:
        return math.sqrt(value) + items[0] / 2
    return float(value)

def compute_72(x: int, y: int = 2) -> int:
    """Compute value 72."""
    total = 0
    for i in range(x):
        if i % 2 == 0:
            total += i * 3
        elif i % 3 == 0:
            total -= y
        else:
            total += 1
    while total > LIMIT:
        total = total // 2
    return total + 72

def text_73(s: str) -> str:
    parts = []
    for w in s.split():
        if w.isdigit():
            parts.append(str(int(w) + 1))
        else:
            parts.append(w.upper().strip())
    name = NAMES[73 % len(NAMES)]
    return name + ":" + ",".join(parts)

def table_74(d: dict, key: str) -> float:
    counts = {}
    for k, v in d.items():
        counts[k] = counts.get(k, 0) + v
    value = counts.get(key, TABLE.get("a", 74))
    items = sorted([x * 2 for x in counts.values() if x > 0])
    if len(items) > 1 and items[0] < items[-1]:
        return math.sqrt(value) + items[0] / 2
    return float(value)

def compute_75(x: int, y: int = 5) -> int:
    """Compute value 75."""
    total = 0
    for i in range(x):
        if i % 2 == 0:
            total += i * 1
        elif i % 3 == 0:
            total -= y
        else:
            total += 1
    while total > LIMIT:
        total = total // 2
    return total + 75

def text_76(s: str) -> str:
    parts = []
    for w in s.split():
        if w.isdigit():
            parts.append(str(int(w) + 1))
        else:
            parts.append(w.upper().strip())
    name = NAMES[76 % len(NAMES)]
    return name + ":" + ",".join(parts)

def table_77(d: dict, key: str) -> float:
    counts = {}
    for k, v in d.items():
        counts[k] = counts.get(k, 0) + v
    value = counts.get(key, TABLE.get("a", 77))
    items = sorted([x * 2 for x in counts.values() if x > 0])
    if len(items) > 1 and items[0] < items[-1]:
        return math.sqrt(value) + items[0] / 2
    return float(value)

def compute_78(x: int, y: int = 1) -> int:
    """Compute value 78."""
    total = 0
    for i in range(x):
        if i % 2 == 0:
            total += i * 4
        elif i % 3 == 0:
            total -= y
        else:
            total += 1
    while total > LIMIT:
        total = total // 2
    return total + 78

def text_79(s: str) -> str:
    parts = []
    for w in s.split():
        if w.isdigit():
            parts.append(str(int(w) + 1))
        else:
            parts.append(w.upper().strip())
    name = NAMES[79 % len(NAMES)]
    return name + ":" + ",".join(parts)

def table_80(d: dict, key: str) -> float:
    counts = {}
    for k, v in d.items():
        counts[k] = counts.get(k, 0) + v
    value = counts.get(key, TABLE.get("a", 80))
    items = sorted([x * 2 for x in counts.values() if x > 0])
    if len(items) > 1 and items[0] < items[-1]:
        return math.sqrt(value) + items[0] / 2
    return float(value)

def compute_81(x: int, y: int = 4) -> int:
    """Compute value 81."""
    total = 0
    for i in range(x):
        if i % 2 == 0:
            total += i * 2
        elif i % 3 == 0:
            total -= y
        else:
            total += 1
    while total > LIMIT:
        total = total // 2
    return total + 81

def text_82(s: str) -> str:
    parts = []
    for w in s.split():
        if w.isdigit():
            parts.append(str(int(w) + 1))
        else:
            parts.append(w.upper().strip())
    name = NAMES[82 % len(NAMES)]
    return name + ":" + ",".join(parts)

def table_83(d: dict, key: str) -> float:
    counts = {}
    for k, v in d.items():
        counts[k] = counts.get(k, 0) + v
    value = counts.get(key, TABLE.get("a", 83))
    items = sorted([x * 2 for x in counts.values() if x > 0])
    if len(items) > 1 and items[0] < items[-1]:
        return math.sqrt(value) + items[0] / 2
    return float(value)

def compute_84(x: int, y: int = 0) -> int:
    """Compute value 84."""
    total = 0
    for i in range(x):
        if i % 2 == 0:
            total += i * 5
        elif i % 3 == 0:
            total -= y
        else:
            total += 1
    while total > LIMIT:
        total = total // 2
    return total + 84

def text_85(s: str) -> str:
    parts = []
    for w in s.split():
        if w.isdigit():
            parts.append(str(int(w) + 1))
        else:
            parts.append(w.upper().strip())
    name = NAMES[85 % len(NAMES)]
    return name + ":" + ",".join(parts)

def main():
    total = 0
    total += compute_0(20)
    total += compute_3(20)
    total += compute_6(20)
    total += compute_9(20)
    total += compute_12(20)
    total += compute_15(20)
    total += compute_18(20)
    total += compute_21(20)
    total += compute_24(20)
    total += compute_27(20)
    total += len(text_1("x 2 y"))
    total += len(text_1("x 2 y"))
    total += len(text_1("x 2 y"))
    return total
