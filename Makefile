# Shorthands for the scripts the README documents.
.PHONY: run test system-test bench bench-display
run:
	scripts/run
test:
	scripts/test
# Boots the installed appliance in QEMU and checks the screen from outside (needs root).
system-test:
	scripts/system-test
bench:
	scripts/setup test && .venv/bin/python bench/run_all.py
# The display path: under Xvfb against feh, and inside the system test's VM against fbi.
bench-display:
	scripts/setup test && .venv/bin/python bench/xvfb_display.py && .venv/bin/python bench/vm_display.py
