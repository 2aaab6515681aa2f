#!/usr/bin/env python3
"""promcheck.py - a strict checker of the Prometheus text exposition format
0.0.4, the fallback when promtool is not installed (test_rollout.sh runs
both when it is).

Usage: promcheck.py [FILE]   (standard input without FILE)
Exit status 0 when the text conforms, 1 with one message per problem
(line number first) on standard error, 2 on usage errors.

What it checks, after the format's documentation
(prometheus.io/docs/instrumenting/exposition_formats):
  - UTF-8, lines end with "\\n" (so does the last one), no "\\r";
  - "# HELP name text" and "# TYPE name type" at most once per metric
    family, TYPE before the family's first sample, type one of counter,
    gauge, histogram, summary, untyped; other "#" lines are comments;
  - sample lines: metric name [a-zA-Z_:][a-zA-Z0-9_:]*, labels
    {name="value",...} with label names [a-zA-Z_][a-zA-Z0-9_]* (not
    starting with "__"), no label twice, values escaped only with \\\\ \\"
    \\n, a value Go's ParseFloat accepts (Nan, +Inf, -Inf too), an
    optional integer timestamp, single spaces or tabs between fields;
  - a family's lines are contiguous and no sample (name and label set)
    appears twice;
  - counters (and _sum/_count/_bucket samples) are not negative or NaN;
  - histograms: only _bucket, _sum and _count samples; each series of
    buckets has an "le" label, strictly increasing bounds, cumulative
    counts, a +Inf bucket equal to its _count; summaries: quantile in
    [0, 1], _sum and _count.
"""
import math
import re
import sys

NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
LABEL = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
FLOAT = re.compile(
    r"[+-]?(?:(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
    r"|[iI][nN][fF](?:[iI][nN][iI][tT][yY])?|[nN][aA][nN])")
TIMESTAMP = re.compile(r"-?[0-9]+")
TYPES = ("counter", "gauge", "histogram", "summary", "untyped")


class Problem(Exception):
    pass


def parse_float(s):
    if not FLOAT.fullmatch(s):
        raise Problem("value %r is not a float" % s)
    return float(s)


def parse_labels(s, i):
    """Parse {a="x",...} from s[i] == '{'; return (labels, index after)."""
    labels = {}
    i += 1
    while True:
        if i < len(s) and s[i] == "}":
            return labels, i + 1
        m = LABEL.match(s, i)
        if not m:
            raise Problem("bad label name at column %d" % (i + 1))
        name = m.group()
        if name.startswith("__"):
            raise Problem("label name %r is reserved" % name)
        if name in labels:
            raise Problem("label %r twice" % name)
        i = m.end()
        if s[i:i + 2] != '="':
            raise Problem("expected =\" after label %r" % name)
        i += 2
        val = []
        while True:
            if i >= len(s):
                raise Problem("unterminated label value")
            c = s[i]
            if c == "\\":
                nxt = s[i + 1:i + 2]
                if nxt not in ("\\", '"', "n"):
                    raise Problem("bad escape \\%s in label value" % nxt)
                val.append("\n" if nxt == "n" else nxt)
                i += 2
            elif c == '"':
                i += 1
                break
            elif c == "\n":
                raise Problem("newline in label value")
            else:
                val.append(c)
                i += 1
        labels[name] = "".join(val)
        if i < len(s) and s[i] == ",":
            i += 1
            continue
        if i < len(s) and s[i] == "}":
            return labels, i + 1
        raise Problem("expected , or } at column %d" % (i + 1))


def family_of(name, types):
    """The family a sample name belongs to (histogram/summary suffixes)."""
    for suf in ("_bucket", "_sum", "_count"):
        if name.endswith(suf):
            base = name[: -len(suf)]
            if types.get(base) in ("histogram", "summary"):
                if suf == "_bucket" and types[base] != "histogram":
                    continue
                return base, suf
    return name, ""


def check_help(text):
    i = 0
    while i < len(text):
        if text[i] == "\\":
            if text[i + 1:i + 2] not in ("\\", "n"):
                raise Problem("bad escape in HELP text")
            i += 2
        else:
            i += 1


def check(text):
    problems = []
    types, helps = {}, {}
    seen = set()
    done = set()          # families whose lines ended
    current = None
    series = {}           # (family, labels without le/quantile) -> data

    def switch(fam):
        nonlocal current
        if fam != current:
            if fam in done:
                raise Problem("lines of %r are not together" % fam)
            if current is not None:
                done.add(current)
            current = fam

    if text and not text.endswith("\n"):
        problems.append("last line: no final newline")
    for lineno, line in enumerate(text.split("\n")[:-1] if text else [], 1):
        try:
            if "\r" in line:
                raise Problem("carriage return")
            if not line.strip():
                continue
            if line.startswith("#"):
                parts = line.split(None, 3)
                if len(parts) >= 2 and parts[1] in ("HELP", "TYPE"):
                    if len(parts) < 3 or not NAME.fullmatch(parts[2]):
                        raise Problem("%s without a valid metric name"
                                      % parts[1])
                    name = parts[2]
                    if parts[1] == "HELP":
                        if name in helps:
                            raise Problem("second HELP for %r" % name)
                        helps[name] = True
                        check_help(parts[3] if len(parts) > 3 else "")
                    else:
                        if name in types:
                            raise Problem("second TYPE for %r" % name)
                        if len(parts) != 4 or parts[3] not in TYPES:
                            raise Problem("bad TYPE line")
                        if any(k[0] == name for k in seen):
                            raise Problem("TYPE of %r after its samples"
                                          % name)
                        types[name] = parts[3]
                    switch(name)
                continue
            m = NAME.match(line)
            if not m:
                raise Problem("bad metric name")
            name = m.group()
            i = m.end()
            labels = {}
            if i < len(line) and line[i] == "{":
                labels, i = parse_labels(line, i)
            rest = line[i:]
            if not rest or rest[0] not in " \t":
                raise Problem("expected blank before the value")
            fields = rest.split()
            if len(fields) not in (1, 2):
                raise Problem("expected a value and an optional timestamp")
            value = parse_float(fields[0])
            if len(fields) == 2 and not TIMESTAMP.fullmatch(fields[1]):
                raise Problem("bad timestamp %r" % fields[1])
            fam, suf = family_of(name, types)
            ftype = types.get(fam, "untyped")
            switch(fam)
            key = (name, tuple(sorted(labels.items())))
            if key in seen:
                raise Problem("duplicate sample %s%s" % (name, labels))
            seen.add(key)
            if ftype == "counter" or suf:
                if math.isnan(value) or value < 0:
                    raise Problem("%s must not be negative or NaN" % name)
            if ftype == "histogram":
                if not suf:
                    raise Problem("histogram sample %r without _bucket, "
                                  "_sum or _count" % name)
                if "le" in labels and suf != "_bucket":
                    raise Problem("le label outside a bucket")
            if ftype == "summary" and not suf:
                if "quantile" not in labels:
                    raise Problem("summary sample without quantile")
                q = parse_float(labels["quantile"])
                if not 0 <= q <= 1:
                    raise Problem("quantile %r out of [0, 1]" % q)
            if ftype in ("histogram", "summary") and suf:
                base = tuple(sorted((k, v) for k, v in labels.items()
                                    if k != "le"))
                s = series.setdefault((fam, base), {"buckets": [],
                                                    "line": lineno})
                if suf == "_bucket":
                    if "le" not in labels:
                        raise Problem("bucket without le label")
                    s["buckets"].append((parse_float(labels["le"]), value,
                                         lineno))
                else:
                    s[suf] = value
        except Problem as p:
            problems.append("line %d: %s" % (lineno, p))
    for (fam, base), s in series.items():
        if types[fam] != "histogram":
            if "_count" not in s or "_sum" not in s:
                problems.append("line %d: summary %s%s lacks _sum or _count"
                                % (s["line"], fam, dict(base)))
            continue
        b = s["buckets"]
        where = "line %d: histogram %s%s" % (s["line"], fam, dict(base))
        if not b or b[-1][0] != math.inf:
            problems.append(where + ": no +Inf bucket last")
        for (le0, c0, _), (le1, c1, ln) in zip(b, b[1:]):
            if not le1 > le0:
                problems.append("line %d: bucket bounds not increasing" % ln)
            if c1 < c0:
                problems.append("line %d: bucket counts not cumulative" % ln)
        if "_count" not in s or "_sum" not in s:
            problems.append(where + ": lacks _sum or _count")
        elif b and b[-1][0] == math.inf and b[-1][1] != s["_count"]:
            problems.append(where + ": +Inf bucket differs from _count")
    return problems


def main(argv):
    if len(argv) > 2:
        print("usage: promcheck.py [FILE]", file=sys.stderr)
        return 2
    try:
        if len(argv) == 2:
            with open(argv[1], "rb") as f:
                data = f.read()
        else:
            data = sys.stdin.buffer.read()
    except OSError as e:
        print("promcheck: %s" % e, file=sys.stderr)
        return 2
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        print("not UTF-8: %s" % e, file=sys.stderr)
        return 1
    problems = check(text)
    for p in problems:
        print(p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
