"""File formats: each module turns one kind of file's bytes into a `Slide` or raises
`ContentError` (text, Markdown, meetings, Word, PDF, images, office files through LibreOffice);
`mongolian` refuses Mongolian in legacy private codes and splits a file's two versions.

`registry` is the only dispatcher: it maps an extension to its reader, with the size limit
and time limit that format gets. A new format is one module here plus one `Format(...)` line
in `registry.FORMATS`. Readers import the core and each other's helpers (`structure`, `text`,
`records`: list items of one shape read as a table),
never the registry, the typesetting, the screen, the schedule or the content folder's catalog.
"""
