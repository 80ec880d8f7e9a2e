"""The report: one row per configuration (medians over rounds and the ratios), the table as
text or Markdown, the header, the accuracy and busy-machine warnings, and the issue's targets.
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path
from typing import Any

from workload import Model, flops_per_example

COLUMNS = (
    "framework",
    "model",
    "batch",
    "threads",
    "s/epoch",
    "min–max",
    "cpu/wall",
    "samples/s",
    "GFLOP/s",
    "time/torch",
    "floor/time",
    "time/numpy",
    "peak RSS MiB",
    "Δ MiB",
    "RSS/torch",
    "test acc %",
)


# ---- the table --------------------------------------------------------------------------------


def summarize(measurements: list[dict[str, Any]], data: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per (threads, model, batch, framework): medians over rounds, and the ratios."""
    groups: dict[tuple, list[dict[str, Any]]] = {}
    for m in measurements:
        groups.setdefault((m["threads"], m["model"], m["batch"], m["framework"]), []).append(m)
    rows = []
    for (threads, model, batch, fw), ms in groups.items():
        good = [m for m in ms if "error" not in m]
        m0 = ms[0]
        row: dict[str, Any] = {
            "framework": fw,
            "model": model,
            "batch": batch,
            "threads": threads,
            "rounds": len(good),
            "sizes": m0["sizes"],
            "activation": m0["activation"],
            "channels": m0.get("channels", []),
            "pool_first": m0.get("pool_first", False),
        }
        if not good:
            row["error"] = ms[-1]["error"]
            rows.append(row)
            continue
        per_round = [statistics.fmean(m["seconds"]) for m in good]
        s = statistics.median(per_round)
        busy = [sum(m["cpu_seconds"]) / sum(m["seconds"]) for m in good]
        accs = [m["accuracy"] for m in good if m["accuracy"] is not None]
        sizes = m0["sizes"]
        row.update(
            seconds=s,
            min=min(per_round),
            max=max(per_round),
            samples_per_s=data["train"] / s,
            gflops=flops_per_example(sizes, m0.get("channels", ())) * data["train"] / s / 1e9,
            cpu_per_wall=statistics.median(busy),
            cpu_per_wall_min=min(busy),
            peak_rss_mb=statistics.median(m["peak_rss_mb"] for m in good),
            delta_rss_mb=statistics.median(m["peak_rss_mb"] - m["rss_data_mb"] for m in good),
            accuracy=statistics.median(accs) if accs else None,
            accuracy_spread=(max(accs) - min(accs)) if accs else None,
        )
        rows.append(row)
    by_key = {(r["threads"], r["model"], r["batch"], r["framework"]): r for r in rows}
    for r in rows:
        if "seconds" not in r:
            continue
        key = (r["threads"], r["model"], r["batch"])
        ref = {fw: by_key.get((*key, fw), {}) for fw in ("torch", "matmul", "numpy")}
        if "seconds" in ref["torch"]:
            r["time_vs_torch"] = r["seconds"] / ref["torch"]["seconds"]
            r["rss_vs_torch"] = r["peak_rss_mb"] / ref["torch"]["peak_rss_mb"]
        if "seconds" in ref["matmul"]:
            r["floor_fraction"] = ref["matmul"]["seconds"] / r["seconds"]
        if "seconds" in ref["numpy"]:
            r["time_vs_numpy"] = r["seconds"] / ref["numpy"]["seconds"]
    return rows


def _model(r: dict[str, Any]) -> Model:
    return Model(tuple(r["sizes"]), r["activation"], tuple(r["channels"]), r["pool_first"])


def _cells(r: dict[str, Any]) -> list[str]:
    def f(key: str, fmt: str) -> str:
        return format(r[key], fmt) if r.get(key) is not None else "–"

    head = [
        r["framework"],
        _model(r).label,
        str(r["batch"]),
        str(r["threads"]),
    ]
    if "error" in r:
        return head + ["error: " + r["error"][:60]] + [""] * (len(COLUMNS) - 5)
    spread = f"{r['min']:.3f}–{r['max']:.3f}" if r["rounds"] > 1 else "–"
    acc = f("accuracy", ".2f") if r.get("accuracy") is None else f"{100 * r['accuracy']:.2f}"
    return head + [
        f("seconds", ".3f"),
        spread,
        f("cpu_per_wall", ".2f"),
        f("samples_per_s", ",.0f"),
        f("gflops", ".1f"),
        f("time_vs_torch", ".2f"),
        f("floor_fraction", ".2f"),
        f("time_vs_numpy", ".2f"),
        f("peak_rss_mb", ".0f"),
        f("delta_rss_mb", ".0f"),
        f("rss_vs_torch", ".2f"),
        acc,
    ]


def format_table(rows: list[dict[str, Any]], markdown: bool) -> str:
    body = [_cells(r) for r in rows]
    if markdown:
        lines = ["| " + " | ".join(COLUMNS) + " |"]
        lines.append("|" + "|".join("---" if i < 2 else "---:" for i in range(len(COLUMNS))) + "|")
        lines += ["| " + " | ".join(cells) + " |" for cells in body]
        return "\n".join(lines)
    widths = [max(len(c), *(len(b[i]) for b in body)) for i, c in enumerate(COLUMNS)]
    fmt = [(str.ljust if i < 2 else str.rjust) for i in range(len(COLUMNS))]
    out = ["  ".join(fmt[i](c, widths[i]) for i, c in enumerate(COLUMNS))]
    out.append("  ".join("-" * w for w in widths))
    last = None
    for r, cells in zip(rows, body):
        if last is not None and (r["model"], r["batch"], r["threads"]) != last:
            out.append("")
        last = (r["model"], r["batch"], r["threads"])
        out.append("  ".join(fmt[i](c, widths[i]) for i, c in enumerate(cells)))
    return "\n".join(out)


def format_header(report: dict[str, Any], markdown: bool) -> str:
    env, cfg, data, imp = report["env"], report["config"], report["data"], report.get("imports")
    torch = report.get("torch_info") or {}
    lines = [
        f"likelygrad: {env.get('likelygrad', '?')}",
        f"CPU: {env['cpu']}",
        f"Python {env['python']}; numpy {env['numpy']} with {env['numpy_blas']}",
    ]
    if "torch" in env:
        lines.append(
            f"torch {env['torch']} ({torch.get('blas', '?')}; CPU capability "
            f"{torch.get('cpu_capability', '?')}); scikit-learn "
            f"{env.get('sklearn', 'not installed')}"
        )
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        if var in env:
            lines.append(f"{var}={env[var]} (from the environment)")
    lines.append(
        f"data: {data['name']}, {data['train']:,} train / {data['test']:,} test, "
        f"{data['features']} features, {data['classes']} classes, float32; SGD lr {cfg['lr']}, "
        f"momentum {cfg['momentum']}; {cfg['epochs']} epoch(s) per measurement after "
        f"{cfg['warmup']} warm-up steps; {cfg['rounds']} round(s); median (min–max) over rounds"
    )
    if imp:
        lines.append(
            f"import likelygrad: {imp['likelygrad']:.3f} s (import numpy alone: "
            f"{imp['numpy']:.3f} s; likelygrad + nn + optim: {imp['likelygrad+nn+optim']:.3f} s),"
            f" median of {cfg['import_repeats']} fresh interpreters with bytecode, minus "
            "`python -c pass`"
        )
    lines.append(
        "time/torch: epoch time ÷ PyTorch's; floor/time: the matmul floor's epoch time ÷ this "
        "one (fraction of the GEMM-only throughput); GFLOP/s counts GEMM FLOPs only; cpu/wall: "
        "process CPU time ÷ wall time (below ~0.95 with 1 thread: the process waited for a "
        "core); Δ MiB: peak RSS minus the RSS with numpy and the data loaded"
    )
    return "\n".join(("- " + ln) if markdown else ln for ln in lines)


def check(report: dict[str, Any], tolerance: float) -> list[str]:
    """Warnings: accuracies that disagree with PyTorch's (or NumPy's), and busy-machine rounds."""
    rows, warnings = report["rows"], []
    by_key = {(r["threads"], r["model"], r["batch"], r["framework"]): r for r in rows}
    for r in rows:
        key = (r["threads"], r["model"], r["batch"])
        ref_fw = "torch" if by_key.get((*key, "torch"), {}).get("accuracy") else "numpy"
        ref = by_key.get((*key, ref_fw), {}).get("accuracy")
        if r.get("accuracy") is not None and ref is not None and r["framework"] != ref_fw:
            diff = 100 * (r["accuracy"] - ref)
            if abs(diff) > tolerance:
                warnings.append(
                    f"ACCURACY MISMATCH: {r['framework']} on {r['model']} batch {r['batch']} "
                    f"({r['threads']} thread(s)) reaches {100 * r['accuracy']:.2f}% but "
                    f"{ref_fw} {100 * ref:.2f}% ({diff:+.2f} points, tolerance {tolerance}): "
                    "same weights and order should agree within noise; a fast wrong model "
                    "does not count"
                )
        if r["threads"] == 1 and r.get("cpu_per_wall_min", 1) < 0.9:
            warnings.append(
                f"BUSY MACHINE: {r['framework']} on {r['model']} batch {r['batch']} got only "
                f"{r['cpu_per_wall_min']:.2f} s of CPU per second of wall time in one round: "
                "another process competed for the cores; rerun that configuration"
            )
    return warnings


def targets(report: dict[str, Any]) -> list[str]:
    """The issue's targets, met or not, for likelygrad's rows."""
    out = []
    for r in report["rows"]:
        if r["framework"] != "likelygrad" or "seconds" not in r:
            continue
        where = f"{r['model']} batch {r['batch']} ({r['threads']} thr)"
        if r["channels"]:  # the CNN's goal: no slower than torch (oneDNN convolutions)
            out += _cnn_targets(r, where)
            continue
        if "time_vs_torch" in r:
            ok = r["time_vs_torch"] <= 0.8
            out.append(
                f"{'met ' if ok else 'MISS'} time ≤ 0.8× torch: "
                f"{r['time_vs_torch']:.3f}× on {where}"
            )
            ok = r["rss_vs_torch"] <= 0.5
            out.append(
                f"{'met ' if ok else 'MISS'} peak RSS ≤ 0.5× torch: "
                f"{r['rss_vs_torch']:.3f}× on {where}"
            )
        if r["sizes"] == [784, 256, 10] and "floor_fraction" in r:
            ok = r["floor_fraction"] >= 0.8
            out.append(
                f"{'met ' if ok else 'MISS'} ≥ 0.8 of the matmul floor: "
                f"{r['floor_fraction']:.3f} on {where}"
            )
    imp = report.get("imports")
    if imp:
        ok = imp["likelygrad"] <= 0.15
        out.append(
            f"{'met ' if ok else 'MISS'} import likelygrad ≤ 0.15 s: {imp['likelygrad']:.3f} s"
        )
    return out


def _cnn_targets(r: dict[str, Any], where: str) -> list[str]:
    """The CNN's goal (epoch time ≤ 1.0× torch's) and what is reported beside it."""
    out = []
    if "time_vs_torch" in r:
        ok = r["time_vs_torch"] <= 1.0
        out.append(
            f"{'met ' if ok else 'MISS'} time ≤ 1.0× torch: {r['time_vs_torch']:.3f}× on {where}"
        )
        out.append(f"     peak RSS {r['rss_vs_torch']:.3f}× torch's on {where}")
    if "floor_fraction" in r:
        out.append(f"     {r['floor_fraction']:.3f} of the GEMM floor on {where}")
    return out


def print_report(report: dict[str, Any], markdown: bool, json_path: str | None) -> None:
    """Header, table, import profile, targets and warnings on stdout (warnings on stderr too);
    the whole report as JSON to `json_path` when given."""
    print(format_header(report, markdown))
    print()
    print(format_table(report["rows"], markdown))
    if report["imports"]:
        top = ", ".join(
            f"{name} {us / 1000:.1f} ms" for us, name in report["imports"]["importtime_top_self_us"]
        )
        print(f"\n-X importtime, likelygrad modules by self time: {top}")
    if report["targets"]:
        print("\ntargets:\n  " + "\n  ".join(report["targets"]))
    for w in report["warnings"]:
        print("\n!!! " + w, file=sys.stderr)
        print("\n!!! " + w)
    if json_path:
        Path(json_path).write_text(json.dumps(report, indent=1, default=str))
