"""Rendering: pages (as the typesetting laid them out) become pixels on a pygame Surface,
together with the header band, the page number and the idle screen; columns of traditional
Mongolian (`vertical`).

Imports the core, the typesetting (fonts, canvas bands) and the formats' decoders (pictures,
PDF pages); never opens a window: only the screen part touches the display.
"""
