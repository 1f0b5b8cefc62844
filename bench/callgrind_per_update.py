#!/usr/bin/env python3
"""Steady-state cost per update from two callgrind runs of openai-bench (bench/results/profile.md).

    python3 bench/callgrind_per_update.py cg2000.out cg4000.out 2000 [REGEX ...]

Prints (cost in the larger run - cost in the smaller) / updates, so that start-up and the TLS
handshakes cancel out: total instructions, self cost by shared object, then for every function
matching a REGEX its inclusive and self instructions and the number of calls to it.

Reads the raw callgrind files rather than callgrind_annotate's output: callgrind_annotate splits
a function by the source file of its inlined code and repeats the whole inclusive cost on more
than one of those lines, so its lines cannot be added up.
"""
import collections
import re
import sys

NAMED = re.compile(r'^(c?(?:fn|ob))=\((\d+)\)(?: (.*))?$')


def load(path):
    """Self and inclusive Ir, calls received and shared object, per function name."""
    names = {'fn': {}, 'ob': {}}
    self_cost, incl, calls, obj = (collections.Counter(), collections.Counter(),
                                   collections.Counter(), {})
    fn = ob = callee = None
    call_line = False
    with open(path, errors='replace') as f:
        for line in f:
            line = line.rstrip('\n')
            m = NAMED.match(line)
            if m:
                kind, ident, name = m.groups()
                table = names[kind.lstrip('c')]
                if name is not None:
                    table[ident] = name
                if kind == 'fn':
                    fn = table[ident]
                    obj.setdefault(fn, ob)
                elif kind == 'ob':
                    ob = table[ident]
                elif kind == 'cfn':
                    callee = table[ident]
                continue
            if line.startswith('calls='):
                calls[callee] += int(line.split('=')[1].split()[0])
                call_line = True
                continue
            if line[:1].isdigit() or line[:1] in '+-*':
                parts = line.split()
                if len(parts) < 2:
                    continue
                cost = int(parts[1])
                if call_line:  # the inclusive cost of the call just announced
                    if callee != fn:
                        incl[fn] += cost
                    call_line = False
                else:
                    self_cost[fn] += cost
                    incl[fn] += cost
    return self_cost, incl, calls, obj


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    small, large, updates = sys.argv[1], sys.argv[2], int(sys.argv[3])
    a, b = load(small), load(large)
    per = [{k: (later[k] - earlier.get(k, 0)) / updates for k in later}
           for earlier, later in zip(a[:3], b[:3])]
    self_cost, incl, calls = per
    obj = b[3]
    print(f'instructions per update: {sum(self_cost.values()):,.0f}')
    by_object = collections.Counter()
    for k, v in self_cost.items():
        by_object[(obj.get(k) or '???').rsplit('/', 1)[-1]] += v
    print('self cost by object:')
    for k, v in by_object.most_common():
        if abs(v) >= 50:
            print(f'  {v:10,.0f}  {k}')
    for pattern in sys.argv[4:]:
        rx = re.compile(pattern)
        for k in sorted((k for k in incl if rx.search(k)), key=lambda k: -incl[k]):
            if abs(incl[k]) >= 1 or abs(calls.get(k, 0)) >= 0.01:
                print(f'{incl[k]:10,.0f} incl {self_cost.get(k, 0):8,.0f} self '
                      f'{calls.get(k, 0):7.3f} calls  {k[:160]}')


if __name__ == '__main__':
    main()
