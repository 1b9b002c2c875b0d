"""The content folder as the player knows it: what is there, file by file, and what changed.

`watcher` turns file-system events into batches of changed paths (the only module that
imports watchdog); `catalog` settles files and keeps each one's `Slide` or `Problem`, having
them read by worker processes (`reading`; `quarantine` remembers files that beat a worker);
`folder` puts the catalog, the playlists, the content settings and the calendar together and
answers "what plays now" for every command. Imports the core, the formats (limits and names),
the schedule (to plan) and the workers; never the typesetting, the rendering or the screen.
"""
