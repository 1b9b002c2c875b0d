"""The screen: the only part that touches the display.

`player` runs the loop (sleep until the next deadline or event, switch pages, fade, header
clock, status); `rotation` is the pure state of which page of which slide is up and for how
long; `display` chooses the SDL video driver and explains failures; `power` switches the
panel at night with the administrator's commands. May import every part except the commands.
"""
