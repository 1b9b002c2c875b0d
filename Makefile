# Shorthands for the scripts the README documents.
.PHONY: run test bench
run:
	scripts/run
test:
	scripts/test
bench:
	scripts/setup test && .venv/bin/python bench/run_all.py
