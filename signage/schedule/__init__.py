"""Scheduling: what plays when. Playlists (`playlist`), China's working-day calendar
(`calendar`), time windows and validity periods (`windows`), the plan for a moment
(`planner`) and the timeline between two moments (`timeline`).

Pure functions of slides, playlists, settings and an injected moment. Imports only the core:
knows no fonts, no pixels, no display and no files on disk.
"""
