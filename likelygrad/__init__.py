"""likelygrad: deep learning as maximum-likelihood estimation, on NumPy."""

__version__ = "0.1.0"
