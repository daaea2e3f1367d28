"""Benchmarks of publisher: synthetic plans of any size and the timing table (see README)."""
