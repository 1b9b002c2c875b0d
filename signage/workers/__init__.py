"""Worker processes: where every byte of the content folder is turned into slides, pages and
pixels, so that no file can crash, freeze or exhaust the player.

`jobs` says what a worker does (read a slide, a playlist, the content settings; lay out a
planned slide; render a page), `child` is the worker process itself, `limits` the bounds it
puts on itself (address space, CPU, open files, no network, dies with the player), `wire`
the framed pipe between them (results are unpickled from an allow-list: data only), `lane`
supervises the processes (time limits, kill and replace, idle exit). Imports the core, the
formats, the typesetting, the rendering and the schedule's playlist checker; never the
content folder's catalog, the screen or the commands.
"""
