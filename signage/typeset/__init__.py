"""Typesetting: a slide and a canvas become pages of positioned lines, as data.

Line breaking a paragraph at a time (`linebreak`), half-width punctuation in Chinese
context (`punctuation`), table columns (`table`), layout of documents, notices and meetings
and their page breaks (`layout`), fonts and their metrics (`fonts`), how a canvas is divided
into bands (`canvas`), a planned slide to its pages (`paginate`) and the `inspect --json`
view of a layout (`describe`); traditional Mongolian in columns (`mongolian`, `vertical`,
`bilingual`, `meeting_mn`). Pure
functions of (slide, canvas size, fonts, settings, time). Imports only the core: never the
display, the file formats' readers, the schedule or the content folder.
"""
