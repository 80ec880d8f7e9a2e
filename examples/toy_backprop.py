"""The lecture notes' toy graph, L(a, b, c) = c(a + 2b), backpropagated by hand and by likelygrad.

The notes build it in three steps, d = 2b, e = a + d, and then write "L = e·e"; that is a typo:
for L = c(a + 2b) the last step is L = c·e. Backpropagation starts at dL/dL = 1 and moves right to
left, multiplying each upstream gradient by one local derivative (the chain rule).
"""

from __future__ import annotations

import likelygrad as lg


def build(a: float = 2.0, b: float = -3.0, c: float = 10.0) -> dict[str, lg.Tensor]:
    """The graph's nodes by name, with gradients kept on every one of them."""
    a_, b_, c_ = (lg.tensor(v, requires_grad=True) for v in (a, b, c))
    d = (2 * b_).retain_grad()
    e = (a_ + d).retain_grad()
    L = (c_ * e).retain_grad()  # the notes' "L = e·e" should read L = c·e
    nodes = {"a": a_, "b": b_, "c": c_, "d": d, "e": e, "L": L}
    for name, t in nodes.items():
        t.name = name
    return nodes


def main() -> None:
    n = build()
    n["L"].backward()
    g = {k: float(v.grad) for k, v in n.items()}
    val = {k: float(v.item()) for k, v in n.items()}
    print("L(a, b, c) = c (a + 2b) with a = 2, b = -3, c = 10;  d = 2b, e = a + d, L = c·e\n")
    print("right to left, each gradient = upstream gradient × local derivative:")
    print("  dL/dL = 1")
    print(f"  dL/dc = dL/dL · e          = 1 · {val['e']:g} = {g['c']:g}")
    print(f"  dL/de = dL/dL · c          = 1 · {val['c']:g} = {g['e']:g}")
    print(f"  dL/da = dL/de · de/da      = {g['e']:g} · 1 = {g['a']:g}")
    print(f"  dL/dd = dL/de · de/dd      = {g['e']:g} · 1 = {g['d']:g}")
    print(f"  dL/db = dL/dd · dd/db      = {g['d']:g} · 2 = {g['b']:g}\n")
    print(f"{'node':>4} {'value':>8} {'dL/dnode':>9}")
    for name in ["L", "e", "c", "d", "a", "b"]:
        print(f"{name:>4} {val[name]:8g} {g[name]:9g}")


if __name__ == "__main__":
    main()
