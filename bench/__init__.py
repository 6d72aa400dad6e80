"""Benchmarks and the soak test, run by hand (figures in bench/RESULTS.md)."""
