"""The lecture notes' toy graph, L(a, b, c) = c(a + 2b), backpropagated by hand and by likelygrad.

The notes build it in three steps, d = 2b, e = a + d, and then write "L = e·e"; that is a typo:
for L = c(a + 2b) the last step is L = c·e. Backpropagation starts at dL/dL = 1 and moves right to
left, multiplying each upstream gradient by one local derivative (the chain rule).

    python examples/toy_backprop.py                       # the products by hand, then lg.explain
    python examples/toy_backprop.py --dot toy.dot         # also the graph as Graphviz DOT text
    python examples/toy_backprop.py --render toy.svg      # and drawn (needs Graphviz's `dot`)
"""

from __future__ import annotations

import argparse
from pathlib import Path

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


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--a", type=float, default=2.0)
    p.add_argument("--b", type=float, default=-3.0)
    p.add_argument("--c", type=float, default=10.0)
    p.add_argument("--dot", metavar="PATH", help="write the graph as Graphviz DOT text to PATH")
    p.add_argument("--render", metavar="PATH", help="draw the graph to PATH (.svg, .png or .pdf)")
    p.add_argument("--quick", action="store_true", help="accepted for uniformity; always quick")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> dict[str, float]:
    """Print the backward pass three ways; return every node's gradient dL/dnode."""
    args = parse_args(argv)
    n = build(args.a, args.b, args.c)
    L = n["L"]
    val = {k: float(v.item()) for k, v in n.items()}
    print(f"L(a, b, c) = c (a + 2b) with a = {val['a']:g}, b = {val['b']:g}, c = {val['c']:g};")
    print(f"d = 2b = {val['d']:g},  e = a + d = {val['e']:g},  L = c·e = {val['L']:g}\n")

    # explain() runs its own backward sweep and leaves the graph intact; backward() then keeps
    # it too (retain_graph=True) so that the picture below can still show every edge.
    print("lg.explain(L) narrates what backward() is about to do:")
    lg.explain(L)
    L.backward(retain_graph=True)
    g = {k: float(v.grad) for k, v in n.items()}

    print("\nthe same products written out, each gradient = upstream gradient × local derivative:")
    print("  dL/dL = 1")
    rows = [
        ("dL/dc", "dL/dL · ∂L/∂c", f"1 · e = 1 · {val['e']:g}", g["c"]),
        ("dL/de", "dL/dL · ∂L/∂e", f"1 · c = 1 · {val['c']:g}", g["e"]),
        ("dL/da", "dL/de · ∂e/∂a", f"{g['e']:g} · 1", g["a"]),
        ("dL/dd", "dL/de · ∂e/∂d", f"{g['e']:g} · 1", g["d"]),
        ("dL/db", "dL/dd · ∂d/∂b", f"{g['d']:g} · 2", g["b"]),
    ]
    for lhs, chain, numbers, value in rows:
        print(f"  {lhs} = {chain} = {numbers:14} = {value:g}")
    print()
    print(f"{'node':>4} {'value':>8} {'dL/dnode':>9}")
    for name in ["L", "e", "c", "d", "a", "b"]:
        print(f"{name:>4} {val[name]:8g} {g[name]:9g}")

    if args.dot:
        Path(args.dot).write_text(lg.viz.to_dot(L))
        print(f"\nwrote the graph as DOT text to {args.dot} (draw it: dot -Tsvg {args.dot})")
    if args.render:
        try:
            out = lg.viz.render(L, args.render)
        except RuntimeError as e:  # no Graphviz: say how to get it instead of a traceback
            print(f"\ncould not draw {args.render}: {e}")
        else:
            print(f"\ndrew the graph to {out}")
    return g


if __name__ == "__main__":
    main()
