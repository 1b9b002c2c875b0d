"""The shared core: what a slide, a page, a playlist and a plan are (`model`), time
(`clock`), settings (`config`), the rules of the content folder's names and paths (`paths`)
and YAML from untrusted files (`yamlsafe`).

Every other part imports from here; the core imports none of them, and nothing here touches
the display, fonts, the file formats or the schedule.
"""
