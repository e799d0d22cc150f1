"""The real SFTP server the tests use: clinicbill's throwaway local server (app/sftp_local.py,
asyncssh's server in-process on a free 127.0.0.1 port)."""

from __future__ import annotations

from clinicbill.app.sftp_local import LocalSftpServer as SftpServer
from clinicbill.app.sftp_local import new_client_key as client_key

__all__ = ["SftpServer", "client_key"]
