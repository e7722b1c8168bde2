"""The offline survey app (issue 12): an installable web app a hamlet surveyor opens on a phone with no
connection, and the server side of its safe sync. See ``docs/offline.md``."""
