"""A local SMTP server that accepts every message and notes when it arrived and its Message-ID.

Written on the standard library's asyncio because aiosmtpd is not among the project's dependencies
(requirements.lock) and the old `smtpd` module is deprecated (removed in Python 3.12). It speaks just
enough SMTP for Django's SMTP backend: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT."""

import asyncio
import threading
import time
from dataclasses import dataclass, field


@dataclass
class Arrival:
    at: float  # time.time() when the final "." of DATA arrived
    message_id: str


@dataclass
class SmtpSink:
    host: str = "127.0.0.1"
    port: int = 0
    arrivals: list[Arrival] = field(default_factory=list)
    _loop: asyncio.AbstractEventLoop | None = None
    _server: asyncio.Server | None = None
    _thread: threading.Thread | None = None

    def start(self) -> "SmtpSink":
        ready = threading.Event()

        def run() -> None:
            self._loop = asyncio.new_event_loop()
            self._server = self._loop.run_until_complete(
                asyncio.start_server(self._session, self.host, self.port, backlog=256)
            )
            self.port = self._server.sockets[0].getsockname()[1]
            ready.set()
            self._loop.run_forever()
            self._server.close()
            self._loop.run_until_complete(self._server.wait_closed())
            self._loop.close()

        self._thread = threading.Thread(target=run, name="smtp-sink", daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        async def reply(line: str) -> None:
            writer.write(line.encode() + b"\r\n")
            await writer.drain()

        await reply("220 bench-sink ESMTP")
        try:
            while True:
                line = await reader.readline()
                if not line:
                    break
                verb = line[:4].upper()
                if verb == b"EHLO":
                    await reply("250-bench-sink")
                    await reply("250 8BITMIME")
                elif verb == b"DATA":
                    await reply("354 end with <CRLF>.<CRLF>")
                    self.arrivals.append(Arrival(at=time.time(), message_id=await self._data(reader)))
                    await reply("250 2.0.0 queued")
                elif verb == b"QUIT":
                    await reply("221 bye")
                    break
                else:  # HELO, MAIL, RCPT, RSET, NOOP
                    await reply("250 ok")
        finally:
            writer.close()

    @staticmethod
    async def _data(reader: asyncio.StreamReader) -> str:
        """Read the message up to the lone dot; return its Message-ID header."""
        message_id = ""
        in_headers = True
        while True:
            line = await reader.readline()
            if not line or line in (b".\r\n", b".\n"):
                # the arrival time is taken by the caller right after this returns
                return message_id
            if in_headers:
                if line in (b"\r\n", b"\n"):
                    in_headers = False
                elif line[:11].lower() == b"message-id:":
                    message_id = line[11:].strip().decode(errors="replace")
