"""Synthetic demo data (placeholder until the generator lands)."""
from __future__ import annotations


def generate_demo_data(count: int, seed: int) -> dict[str, int]:
    raise ValueError("demo data generator not available yet")
