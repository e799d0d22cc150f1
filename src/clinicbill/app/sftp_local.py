"""A throwaway SFTP server on 127.0.0.1 (asyncssh's server in a background thread), standing in
for a clearinghouse: `clinicbill demo` submits to it, and the tests use it as a real server.
Public-key login only; it serves one directory. `drop_writes` aborts the connection on the
next write (a connection dropped mid-upload)."""

from __future__ import annotations

import asyncio
import os
import threading
from pathlib import Path


class LocalSftpServer:
    def __init__(self, root: Path, authorized_public_key: str):
        import asyncssh

        self.root = root
        self.host_key = asyncssh.generate_private_key("ssh-ed25519")
        self.fingerprint = self.host_key.get_fingerprint("sha256")
        self.authorized = asyncssh.import_authorized_keys(authorized_public_key)
        self.drop_writes = False
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._server = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def _sftp_factory(self):
        import asyncssh

        owner = self

        class _Sftp(asyncssh.SFTPServer):
            def __init__(self, chan):
                super().__init__(chan, chroot=str(owner.root))

            def write(self, file_obj, offset, data):
                if owner.drop_writes:
                    self.channel.get_connection().abort()
                    raise asyncssh.SFTPConnectionLost("connection dropped")
                return super().write(file_obj, offset, data)

        return _Sftp

    def start(self) -> LocalSftpServer:
        import asyncssh

        async def listen():
            return await asyncssh.create_server(
                asyncssh.SSHServer,
                "127.0.0.1",
                0,
                server_host_keys=[self.host_key],
                authorized_client_keys=self.authorized,
                sftp_factory=self._sftp_factory(),
                allow_scp=False,
            )

        self._thread.start()
        try:
            self._server = asyncio.run_coroutine_threadsafe(listen(), self._loop).result(10)
        except BaseException:
            self._loop.call_soon_threadsafe(self._loop.stop)
            raise
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def stop(self) -> None:
        async def close():
            self._server.close()
            await self._server.wait_closed()

        if self._server is not None:
            asyncio.run_coroutine_threadsafe(close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


def new_client_key(path: Path) -> str:
    """Write a new private key to `path` (0600); return its public key line."""
    import asyncssh

    key = asyncssh.generate_private_key("ssh-ed25519")
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)  # never readable by others
    with os.fdopen(fd, "wb") as fh:
        fh.write(key.export_private_key())
    return key.export_public_key().decode()
