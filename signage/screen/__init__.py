"""The screen: the only part that touches the display.

`player` runs the loop (sleep until the next deadline or event, switch pages, fade, header
clock, status); `rotation` is the pure state of which page of which slide is up and for how
long; `prepare` asks the screen's workers for the pages and pixels that come next; `output`
is the window and the chosen, proven SDL renderer; `display` chooses the video driver and the
renderer and explains failures; `power` switches the panel at night with the administrator's
commands. Never opens a content file, so it may not import the formats; nor the commands.
"""
