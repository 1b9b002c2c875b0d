"""Running as an appliance: the systemd notify protocol (`notify`), logging for the journal
(`logsetup`), the status file (`status`) and the staff's plain-Chinese status page
(`statuspage`), proof of play (`playlog`) and the Samba share's configuration (`samba`).

Imports only the core; nothing here knows about fonts, formats, the schedule or the display.
"""
