"""The command line and the wiring: `cli` parses `signage COMMAND …` and runs check, plan,
preview, inspect and report; `run` wires settings, content folder, watcher, display,
heartbeat and play log together for `signage run`. The only part that may import every other.
"""
