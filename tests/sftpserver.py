"""A real SFTP server for tests: asyncssh's server, in-process on a free 127.0.0.1 port, in a
thread with its own event loop, serving a temporary directory. Public-key login only (the
authorized key is given); `drop_writes` aborts the connection on the first write (a connection
dropped mid-upload)."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path


class SftpServer:
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
                    raise asyncssh.SFTPConnectionLost("dropped by the test server")
                return super().write(file_obj, offset, data)

        return _Sftp

    def start(self) -> SftpServer:
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
        self._server = asyncio.run_coroutine_threadsafe(listen(), self._loop).result(10)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def stop(self) -> None:
        async def close():
            self._server.close()
            await self._server.wait_closed()

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


def client_key(path: Path) -> str:
    """Write a new private key to `path` (0600); return its public key line."""
    import asyncssh

    key = asyncssh.generate_private_key("ssh-ed25519")
    key.write_private_key(str(path))
    path.chmod(0o600)
    return key.export_public_key().decode()
