"""Utilities with torch.utils' names: ``likelygrad.utils.data`` (datasets, samplers, loaders)."""

from . import data

__all__ = ["data"]
