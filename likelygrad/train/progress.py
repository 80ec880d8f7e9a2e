"""Progress reporting for `fit`: a tqdm bar on a terminal, one line per epoch otherwise."""

from __future__ import annotations

import sys
from typing import Any, TextIO


class Progress:
    """mode 'bar' (tqdm, live NLL and accuracy), 'lines' (one line per epoch) or 'quiet'.

    In 'bar' mode each epoch's summary is printed as a line of its own above the bar (the bar
    of a finished epoch is removed), so no terminal width cuts it; messages go above it too.
    Used as a context manager, the bar is closed however the block ends.
    """

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
        """Open the bar of one epoch (bar mode)."""
        self.close()
        if self.mode == "bar":
            from tqdm.auto import tqdm

            self._bar = tqdm(
                total=batches, desc=f"epoch {epoch}/{epochs}", file=self.file, leave=False,
                dynamic_ncols=True, unit="batch",
            )  # fmt: skip

    def update(self, nll: float, acc: float) -> None:
        """One batch done: advance the bar, showing the running mean NLL and accuracy."""
        if self._bar is not None:
            self._bar.update(1)
            if self._bar.n % 10 == 0 or self._bar.n == self._bar.total:
                self._bar.set_postfix(nll=f"{nll:.4f}", acc=f"{acc:.4f}", refresh=False)

    def end_epoch(self, row: dict[str, Any]) -> None:
        """Close the epoch's bar and print its summary line (nothing in quiet mode)."""
        self.close()
        self.message(format_row(row))

    def message(self, text: str) -> None:
        """Print a line (above the bar while one is shown); nothing in quiet mode."""
        if self.mode == "quiet":
            return
        if self.mode == "bar":
            from tqdm.auto import tqdm

            tqdm.write(text, file=self.file)  # clears the bar, prints, redraws it
            self.file.flush()
        else:
            print(text, file=self.file, flush=True)

    def close(self) -> None:
        """Remove the bar, if one is shown."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def format_row(row: dict[str, Any]) -> str:
    """'epoch 3: train nll 0.3012 acc 0.9123 | val nll ... (4.1 s)'."""
    parts = [f"train nll {row['train_nll']:.4f} acc {row['train_acc']:.4f}"]
    if row.get("val_nll") is not None:
        parts.append(
            f"val nll {row['val_nll']:.4f} acc {row['val_acc']:.4f} ece {row['val_ece']:.4f}"
        )
    return f"epoch {row['epoch']}: " + " | ".join(parts) + f" ({row['seconds']:.1f} s)"
