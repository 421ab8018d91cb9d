"""On-demand benchmarks (not tests): `make bench` runs them all through bench.run_all."""
