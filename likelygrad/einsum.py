"""Einstein summation: `lg.einsum("ij,jk->ik", a, b)`, with PyTorch's rules and its gradient.

An equation names each axis of each operand with a letter; letters missing from the output are
summed over, a letter repeated within an operand takes a diagonal, and `...` stands for the
axes not named (broadcast across operands, right-aligned). The operands may also be given in
NumPy's sublist form, `einsum(a, [0, 1], b, [1, 2], [0, 2])`.

The VJP of an einsum is an einsum: for z = einsum(s_1, ..., s_n -> o), the gradient for operand i
contracts g (labelled o) with every other operand into s_i. Two cases need care: a letter
repeated in s_i (the forward took a diagonal: the gradient lives on that diagonal, so an identity
matrix is contracted in) and a letter that occurs only in s_i (the forward summed it: the
gradient is constant along it, so a vector of ones is contracted in).
"""

from __future__ import annotations

import math
from typing import Any

from . import dispatch as D
from .ops import Op

LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


class Einsum(Op):  # z = einsum(s_a, s_b -> o)(a, b): two operands (more are contracted pairwise)
    saved_inputs: tuple[int, ...] = (0, 1)  # the VJP of each operand reads the other one

    @staticmethod
    def forward(ctx, *xs, equation=""):
        ctx.saved = (xs, equation)
        return contract(ctx.xp, equation, *xs)

    @staticmethod
    def backward(ctx, g):
        xp = ctx.xp
        xs, equation = ctx.saved
        inputs, output = equation.split("->")
        subs = inputs.split(",")
        used = set(equation) - {",", "-", ">"}
        fresh = iter(c for c in LETTERS if c not in used)
        grads = []
        for i, target in enumerate(subs):
            if not ctx.needs[i]:
                grads.append(None)
                continue
            terms = [output] + [s for j, s in enumerate(subs) if j != i]
            arrays = [g] + [x for j, x in enumerate(xs) if j != i]
            kwargs = {"dtype": g.dtype, "device": getattr(g, "device", None)}
            seen = set()
            renamed = ""
            for axis, c in enumerate(target):
                n = xs[i].shape[axis]
                if c in seen:  # a diagonal: the gradient is g on it and 0 off it
                    new = next(fresh)
                    terms.append(c + new)
                    arrays.append(xp.eye(n, **kwargs))
                    c = new
                elif not any(c in t for t in terms):  # summed in the forward: g along it
                    terms.append(c)
                    arrays.append(xp.ones((n,), **kwargs))
                seen.add(c)
                renamed += c
            grads.append(contract(xp, ",".join(terms) + "->" + renamed, *arrays))
        return tuple(grads)


class EinsumUnary(Einsum):  # one operand: a sum, a permutation or a diagonal (reads no values)
    saved_inputs = ()


def contract(xp: Any, equation: str, *xs: Any) -> Any:
    """einsum on any Array API library: diagonals by strided slices, then the operands
    contracted pairwise, each pair as one batched matmul. `equation` is explicit, in letters."""
    inputs, output = equation.split("->")
    terms = list(zip(inputs.split(","), xs))
    terms = [_diagonals(xp, s, x) for s, x in terms]
    moved = False
    for k, (s, x) in enumerate(terms):  # letters used by this operand alone: sum them now
        others = output + "".join(t for j, (t, _) in enumerate(terms) if j != k)
        lone = tuple(a for a, c in enumerate(s) if c not in others)
        if lone:
            terms[k] = ("".join(c for c in s if c in others), xp.sum(x, axis=lone))
            moved = True
    s, x = terms[0]
    for k in range(1, len(terms)):
        later = output + "".join(t for t, _ in terms[k + 1 :])
        s, x = _pair(xp, (s, x), terms[k], later)
        moved = True
    order = tuple(s.index(c) for c in output)
    if order != tuple(range(len(s))):
        x = xp.permute_dims(x, order)
    return x if moved else xp.asarray(x, copy=True)  # a result never aliases an operand


def _diagonals(xp: Any, s: str, x: Any) -> tuple[str, Any]:
    """Take the diagonal of every letter repeated in `s` (the axes move to the end)."""
    while len(set(s)) < len(s):
        c = next(c for c in s if s.count(c) > 1)
        a, b = s.index(c), s.index(c, s.index(c) + 1)
        rest = [i for i in range(len(s)) if i not in (a, b)]
        n = x.shape[a]
        x = xp.permute_dims(x, (*rest, a, b))
        x = xp.reshape(x, (*x.shape[:-2], n * n))[..., :: n + 1]  # x[..., i, i]
        s = "".join(s[i] for i in rest) + c
    return s, x


def _pair(xp: Any, left: tuple[str, Any], right: tuple[str, Any], later: str) -> tuple[str, Any]:
    """Contract two operands as (batch, rows, inner) @ (batch, inner, cols)."""
    (sa, a), (sb, b) = left, right
    batch = [c for c in sa if c in sb and c in later]
    inner = [c for c in sa if c in sb and c not in later]
    rows = [c for c in sa if c not in sb]
    cols = [c for c in sb if c not in sa]
    size = {**dict(zip(sb, b.shape)), **dict(zip(sa, a.shape))}

    def arranged(s: str, x: Any, groups: list[list[str]]) -> Any:
        x = xp.permute_dims(x, tuple(s.index(c) for grp in groups for c in grp))
        return xp.reshape(x, tuple(math.prod(size[c] for c in grp) for grp in groups))

    out = xp.matmul(arranged(sa, a, [batch, rows, inner]), arranged(sb, b, [batch, inner, cols]))
    s = "".join(batch + rows + cols)
    return s, xp.reshape(out, tuple(size[c] for c in s))


# ---- the tensor-level function: PyTorch's equation rules ------------------------------------


def einsum(*args: Any) -> Any:
    """Sum of products over the letters of an equation, as torch.einsum (and NumPy's).

    `einsum("bij,bjk->bik", a, b)`, `einsum("ii", a)` (trace), `einsum("i,j", u, v)` (outer:
    without `->` the output holds the letters used once, in alphabetical order), `...` for
    unnamed axes, operands as a list, or NumPy's sublist form. Axes of size 1 broadcast.
    """
    equation, operands = _equation(args)
    if not operands:
        raise RuntimeError("einsum(): must provide at least one operand")
    ts, _ = D.promote("einsum", *operands)
    subs, output = _parse(equation, [t.shape for t in ts])
    sizes: dict[str, int] = {}
    for k, (s, t) in enumerate(zip(subs, ts)):
        mine: dict[str, int] = {}
        for c, n in zip(s, t.shape):
            if mine.setdefault(c, n) != n:
                raise RuntimeError(
                    f"einsum(): subscript {c} is repeated for operand {k} but the sizes don't "
                    f"match, {n} != {mine[c]}"
                )
            seen = sizes.get(c)
            if seen is None or seen == 1:
                sizes[c] = n
            elif n not in (1, seen):
                raise RuntimeError(
                    f"einsum(): subscript {c} has size {n} for operand {k} which does not "
                    f"broadcast with previously seen size {seen}"
                )
    for k, (s, t) in enumerate(zip(subs, ts)):
        kept = [a for a, c in enumerate(s) if not (t.shape[a] == 1 and sizes[c] != 1)]
        if len(kept) < len(s):  # a broadcast axis of size 1: drop it, the others set the size
            ts[k] = t.reshape(*(t.shape[a] for a in kept))
            subs[k] = "".join(s[a] for a in kept)
    if len(ts) == 1:
        return D.apply(EinsumUnary, ts[0], equation=f"{subs[0]}->{output}")
    s, out = subs[0], ts[0]
    for k in range(1, len(ts)):  # left to right, as torch: each step keeps what is used later
        later = output + "".join(subs[k + 1 :])
        keep = (
            output
            if k == len(ts) - 1
            else "".join(dict.fromkeys(c for c in s + subs[k] if c in later))
        )
        out = D.apply(Einsum, out, ts[k], equation=f"{s},{subs[k]}->{keep}")
        s = keep
    return out


def _equation(args: tuple[Any, ...]) -> tuple[str, list[Any]]:
    """(equation, operands) from einsum's three calling forms."""
    if args and isinstance(args[0], str):
        two = len(args) == 2 and isinstance(args[1], list | tuple)
        ops = list(args[1]) if two else list(args[1:])
        return args[0].replace(" ", ""), ops
    # sublist form: op, [axes], op, [axes], ..., [output axes]
    ops, labels = list(args[0::2]), list(args[1::2])
    out = None
    if len(args) % 2 == 1:
        out = ops.pop()

    def letters(sub: Any) -> str:
        parts = []
        for a in sub:
            if a is Ellipsis:
                parts.append("...")
            elif isinstance(a, int) and 0 <= a < len(LETTERS):
                parts.append(LETTERS[a])
            else:
                raise RuntimeError(f"einsum(): sublist labels must be ints in [0, 52), got {a!r}")
        return "".join(parts)

    eq = ",".join(letters(s) for s in labels)
    return (eq + ("->" + letters(out) if out is not None else "")), ops


def _parse(equation: str, shapes: list[tuple[int, ...]]) -> tuple[list[str], str]:
    """Each operand's letters (with `...` spelled out in unused letters) and the output's."""
    lhs, arrow, rhs = equation.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        raise RuntimeError(
            f"einsum(): the equation {equation!r} names {len(terms)} operands but "
            f"{len(shapes)} were given"
        )
    for c in equation:
        if c not in LETTERS and c not in ",.->":
            raise RuntimeError(f"einsum(): invalid subscript {c!r}: use letters a-z and A-Z")
    fresh = [c for c in LETTERS if c not in equation]
    ell = max((len(s) - len(t.replace("...", "")) if "..." in t else 0 for t, s in
               zip(terms, shapes)), default=0)  # fmt: skip
    if ell > len(fresh):
        raise RuntimeError("einsum(): too many dimensions: einsum names at most 52 axes")
    ellipsis = "".join(fresh[:ell])
    subs = []
    for k, (t, shape) in enumerate(zip(terms, shapes)):
        named = t.replace("...", "")
        if "..." in t:
            n = len(shape) - len(named)
            if n < 0 or t.count("...") > 1:
                raise RuntimeError(
                    f"einsum(): operand {k} has {len(shape)} dimensions, fewer than the "
                    f"{len(named)} subscripts in {t!r}"
                )
            t = t.replace("...", ellipsis[ell - n :])
        elif len(named) != len(shape):
            raise RuntimeError(
                f"einsum(): the number of subscripts in the equation ({len(named)}) does not "
                f"match the number of dimensions ({len(shape)}) for operand {k} and no ellipsis "
                "was given"
            )
        if "." in t:
            raise RuntimeError(f"einsum(): an ellipsis is three dots, got {terms[k]!r}")
        subs.append(t)
    if arrow:
        output = rhs.replace("...", ellipsis)
    else:  # implicit: the letters used exactly once, sorted, after the ellipsis axes
        counts = "".join(t.replace("...", "") for t in terms)
        output = ellipsis + "".join(sorted(c for c in set(counts) if counts.count(c) == 1))
    for c in output:
        if output.count(c) > 1:
            raise RuntimeError(
                f"einsum(): output subscript {c} appears more than once in the output"
            )
        if not any(c in s for s in subs):
            raise RuntimeError(
                f"einsum(): output subscript {c} does not appear in the equation for any input "
                "operand"
            )
    return subs, output
