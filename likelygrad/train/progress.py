"""Progress reporting for `fit`: a tqdm bar on a terminal, one line per epoch otherwise."""

from __future__ import annotations

import sys
from typing import Any, TextIO


class Progress:
    """mode 'bar' (tqdm, live NLL and accuracy), 'lines' (one line per epoch) or 'quiet'."""

    def __init__(self, mode: str = "auto", file: TextIO | None = None) -> None:
        self.file = file or sys.stderr
        if mode == "auto":
            mode = "bar" if getattr(self.file, "isatty", lambda: False)() else "lines"
        if mode == "bar":
            try:
                import tqdm  # noqa: F401
            except ImportError:
                mode = "lines"  # tqdm is optional (pip install 'likelygrad[progress]')
        if mode not in ("bar", "lines", "quiet"):
            raise ValueError(f"progress must be 'auto', 'bar', 'lines' or 'quiet', got {mode!r}")
        self.mode = mode
        self._bar: Any = None

    def start_epoch(self, epoch: int, epochs: int, batches: int) -> None:
        if self.mode == "bar":
            from tqdm.auto import tqdm

            self._bar = tqdm(
                total=batches, desc=f"epoch {epoch}/{epochs}", file=self.file, leave=True,
                dynamic_ncols=True, unit="batch",
            )  # fmt: skip

    def update(self, nll: float, acc: float) -> None:
        if self._bar is not None:
            self._bar.update(1)
            if self._bar.n % 10 == 0 or self._bar.n == self._bar.total:
                self._bar.set_postfix(nll=f"{nll:.4f}", acc=f"{acc:.4f}", refresh=False)

    def end_epoch(self, row: dict[str, Any]) -> None:
        text = format_row(row)
        if self._bar is not None:
            self._bar.set_postfix_str(text.split(": ", 1)[1], refresh=True)
            self._bar.close()
            self._bar = None
        elif self.mode == "lines":
            print(text, file=self.file, flush=True)

    def message(self, text: str) -> None:
        if self.mode != "quiet":
            print(text, file=self.file, flush=True)


def format_row(row: dict[str, Any]) -> str:
    """'epoch 3: train nll 0.3012 acc 0.9123 | val nll ... (4.1 s)'."""
    parts = [f"train nll {row['train_nll']:.4f} acc {row['train_acc']:.4f}"]
    if row.get("val_nll") is not None:
        parts.append(
            f"val nll {row['val_nll']:.4f} acc {row['val_acc']:.4f} ece {row['val_ece']:.4f}"
        )
    return f"epoch {row['epoch']}: " + " | ".join(parts) + f" ({row['seconds']:.1f} s)"
