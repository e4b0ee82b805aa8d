"""A thin front for the Tansu broker so that every common Kafka client can use it.

librdkafka before 2.1 (Debian 12's `kcat` and `librdkafka1` 2.0.2, and the confluent-kafka,
.NET and Go clients built on it) misreads the length of a response's tagged fields, so it
cannot read Tansu 0.6.0's ApiVersions v3 answer: Tansu writes all four of its tagged fields
(SupportedFeatures, FinalizedFeaturesEpoch, FinalizedFeatures, ZkMigrationReady) even when
they hold their defaults, which Apache Kafka leaves out. The client then fails with
"ApiVersionRequest failed: Local: Read underflow".

This front listens on the broker's public address, passes every request and response
through byte for byte, and in ApiVersions answers (v3+) leaves out the tagged fields that
hold their default values, as Apache Kafka does. It reads frames only until a connection's
ApiVersions exchange is over (the client's first other request), then copies bytes. Tansu
listens on a private loopback port and advertises the front's address, so Metadata and
FindCoordinator need no rewriting.

    python -m deploy.local.kafka_front --listen HOST:PORT --upstream HOST:PORT -- TANSU ...

starts the broker command as its child, serves until SIGTERM/SIGINT, then stops the child;
it exits when the child exits.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import struct
import subprocess
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

API_VERSIONS = 18
FIRST_FLEXIBLE_API_VERSIONS = 3
# Tagged fields of ApiVersionsResponse v3+ and the encoding of their default values.
DEFAULT_TAGS = {
    0: b"\x01",  # SupportedFeatures: empty compact array
    1: b"\xff" * 8,  # FinalizedFeaturesEpoch: -1
    2: b"\x01",  # FinalizedFeatures: empty compact array
    3: b"\x00",  # ZkMigrationReady: false
}


def read_uvarint(data: bytes, pos: int) -> tuple[int, int]:
    """The unsigned varint at ``pos`` of ``data`` and the position after it."""
    value, shift = 0, 0
    while True:
        if pos >= len(data):
            raise ValueError("truncated varint")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
        shift += 7


def _uvarint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def rewrite_api_versions(payload: bytes) -> bytes:
    """An ApiVersions v3+ response (correlation id onwards) without the tagged fields that
    hold their defaults; `payload` unchanged when it does not parse as one."""
    try:
        pos = 4 + 2  # correlation id, error code
        count, pos = read_uvarint(payload, pos)
        pos += max(count - 1, 0) * 7  # api key, min, max (int16 each), empty tag buffer
        pos += 4  # throttle time
        tags_start = pos
        tags, pos = read_uvarint(payload, pos)
        kept: list[bytes] = []
        for _ in range(tags):
            start = pos
            tag, pos = read_uvarint(payload, pos)
            size, pos = read_uvarint(payload, pos)
            value = payload[pos : pos + size]
            if len(value) != size:
                return payload
            pos += size
            if DEFAULT_TAGS.get(tag) != value:
                kept.append(payload[start:pos])
        if pos != len(payload):
            return payload
    except ValueError:
        return payload
    return payload[:tags_start] + _uvarint(len(kept)) + b"".join(kept)


CHUNK = 256 * 1024


@dataclass
class Handshake:
    """One connection's ApiVersions exchange: the correlation ids still to be answered, and
    whether the client has moved on to other requests (then only bytes are copied)."""

    pending: set[int] = field(default_factory=set)
    over: bool = False


async def _read_frame(reader: asyncio.StreamReader) -> bytes | None:
    try:
        size = await reader.readexactly(4)
        return await reader.readexactly(struct.unpack(">i", size)[0])
    except (asyncio.IncompleteReadError, ConnectionError):
        return None


def _write_frame(writer: asyncio.StreamWriter, payload: bytes) -> None:
    writer.write(struct.pack(">i", len(payload)))
    writer.write(payload)


async def _copy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Bytes as they come, until the end of the stream."""
    while data := await reader.read(CHUNK):
        writer.write(data)
        await writer.drain()


async def _requests(
    client: asyncio.StreamReader, upstream: asyncio.StreamWriter, handshake: Handshake
) -> None:
    """Client → broker, unchanged. Frame by frame while the client asks ApiVersions (v3+
    ones are remembered), then a plain copy."""
    while (frame := await _read_frame(client)) is not None:
        if len(frame) >= 8:
            api_key, api_version, correlation = struct.unpack(">hhi", frame[:8])
            if api_key == API_VERSIONS and api_version >= FIRST_FLEXIBLE_API_VERSIONS:
                handshake.pending.add(correlation)
            elif api_key != API_VERSIONS:
                handshake.over = True
        _write_frame(upstream, frame)
        await upstream.drain()
        if handshake.over:
            await _copy(client, upstream)
            return


async def _responses(
    upstream: asyncio.StreamReader, client: asyncio.StreamWriter, handshake: Handshake
) -> None:
    """Broker → client, unchanged except the ApiVersions answers; a plain copy once those
    are answered and the client has moved on (responses come in request order)."""
    while not (handshake.over and not handshake.pending):
        frame = await _read_frame(upstream)
        if frame is None:
            return
        if handshake.pending and len(frame) >= 4:
            correlation = struct.unpack(">i", frame[:4])[0]
            if correlation in handshake.pending:
                handshake.pending.discard(correlation)
                frame = rewrite_api_versions(frame)
        _write_frame(client, frame)
        await client.drain()
    await _copy(upstream, client)


async def _close(writer: asyncio.StreamWriter) -> None:
    writer.close()
    with contextlib.suppress(ConnectionError, OSError):
        await writer.wait_closed()


Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


def connection_handler(upstream_host: str, upstream_port: int) -> Handler:
    """Serve one client connection through its own connection to the broker."""

    async def handle(client_reader: asyncio.StreamReader, client: asyncio.StreamWriter) -> None:
        try:
            broker_reader, broker = await asyncio.open_connection(upstream_host, upstream_port)
        except OSError:
            await _close(client)
            return
        handshake = Handshake()
        directions = [
            asyncio.create_task(_requests(client_reader, broker, handshake)),
            asyncio.create_task(_responses(broker_reader, client, handshake)),
        ]
        try:
            await asyncio.wait(directions, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in directions:
                task.cancel()
            await asyncio.gather(*directions, return_exceptions=True)
            await _close(broker)
            await _close(client)

    return handle


def _address(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    return host or "127.0.0.1", int(port)


async def serve(listen: str, upstream: str, child: subprocess.Popen[bytes]) -> int:
    """Serve until a stop signal or until the child exits; return the exit code."""
    host, port = _address(listen)
    server = await asyncio.start_server(connection_handler(*_address(upstream)), host, port)
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    child_exit = asyncio.ensure_future(asyncio.to_thread(child.wait))
    stop_wait = asyncio.ensure_future(stopping.wait())
    async with server:
        await asyncio.wait([child_exit, stop_wait], return_when=asyncio.FIRST_COMPLETED)
    if child.poll() is None:
        child.terminate()
    code = await child_exit
    stop_wait.cancel()
    return 0 if stopping.is_set() else code


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--listen", required=True, help="public HOST:PORT (what clients use)")
    parser.add_argument("--upstream", required=True, help="the broker's private HOST:PORT")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- broker command")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the broker command after --")
    child = subprocess.Popen(command, stdin=subprocess.DEVNULL)
    return asyncio.run(serve(args.listen, args.upstream, child))


if __name__ == "__main__":
    sys.exit(main())
