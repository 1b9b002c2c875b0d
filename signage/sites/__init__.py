"""Several sites: the township office feeds its villages' screens through Syncthing.

The office's content root is a Syncthing folder sent (send-only) to every station, where it
is receive-only; each station's status folder comes back the other way into the office's
`各站状态/<站点>/`. Nothing here runs inside the player: `signage sites` configures Syncthing
(`syncthing`: its home, config.xml before the first start, the REST API after), describes the
two folders (`folders`), writes and reads the small site cards the administrators exchange
(`card`), and a timer-driven `signage sites tick` writes a station's sync report (`report`)
or the office's summary of every screen (`summary`). `main` is the command.

Imports the core and the appliance (the status page's helpers); the player, the screen and
the formats know nothing of it, so a single screen without Syncthing is exactly as before.
"""
