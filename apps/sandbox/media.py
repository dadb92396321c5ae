"""Small but real media bytes for the sandbox: PNG images, MP3/PCM audio, an MP4 video."""

from __future__ import annotations

import base64
import hashlib
import math
import struct
import zlib


def png(seed: str, size: int = 16) -> bytes:
    """A ``size`` x ``size`` RGB PNG whose colour gradient is derived from ``seed``."""
    digest = hashlib.sha256(seed.encode()).digest()
    r0, g0, b0 = digest[0], digest[1], digest[2]
    rows = b"".join(
        b"\x00"
        + b"".join(
            bytes(((r0 + x * 8) % 256, (g0 + y * 8) % 256, (b0 + (x + y) * 4) % 256))
            for x in range(size)
        )
        for y in range(size)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def png_b64(seed: str) -> str:
    return base64.b64encode(png(seed)).decode()


# MPEG-1 Layer III, 128 kbit/s, 44.1 kHz, no CRC: 417-byte frames of 1152 samples each.
_MP3_HEADER = bytes.fromhex("FFFB9064")
_MP3_FRAME = _MP3_HEADER + bytes(417 - len(_MP3_HEADER))
MP3_FRAME_SECONDS = 1152 / 44100


def mp3_silence(seconds: float) -> bytes:
    """Valid silent MP3 frames (zeroed side info decodes to silence)."""
    return _MP3_FRAME * max(1, round(seconds / MP3_FRAME_SECONDS))


def pcm_tone(seconds: float, rate: int = 24000, hz: float = 440.0) -> bytes:
    """Signed 16-bit little-endian mono PCM: a quiet sine tone."""
    frames = max(1, int(seconds * rate))
    return b"".join(
        struct.pack("<h", int(3000 * math.sin(2 * math.pi * hz * i / rate))) for i in range(frames)
    )


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def mp4(seconds: int = 1) -> bytes:
    """A minimal ISO-BMFF file (ftyp + moov/mvhd + empty mdat) that players recognise."""
    ftyp = _box(b"ftyp", b"isom" + struct.pack(">I", 512) + b"isomiso2mp41")
    matrix = struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)
    mvhd = _box(
        b"mvhd",
        struct.pack(">B3xIIII", 0, 0, 0, 1000, seconds * 1000)
        + struct.pack(">IH10x", 0x10000, 0x0100)
        + matrix
        + bytes(24)
        + struct.pack(">I", 2),
    )
    return ftyp + _box(b"moov", mvhd) + _box(b"mdat", b"")
