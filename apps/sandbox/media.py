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


def _full(kind: bytes, payload: bytes, version: int = 0, flags: int = 0) -> bytes:
    return _box(kind, struct.pack(">I", (version << 24) | flags) + payload)


class _Bits:
    """An H.264 RBSP bit writer (fixed-width fields and Exp-Golomb codes)."""

    def __init__(self) -> None:
        self.bits: list[int] = []

    def u(self, width: int, value: int) -> None:
        self.bits.extend((value >> (width - 1 - i)) & 1 for i in range(width))

    def ue(self, value: int) -> None:
        code = value + 1
        self.u(2 * code.bit_length() - 1, code)

    def se(self, value: int) -> None:
        self.ue(2 * value - 1 if value > 0 else -2 * value)

    def align(self) -> None:
        while len(self.bits) % 8:
            self.bits.append(0)

    def raw(self, data: bytes) -> None:
        for byte in data:
            self.u(8, byte)

    def trailing(self) -> bytes:
        self.bits.append(1)
        self.align()
        return bytes(
            int("".join(map(str, self.bits[i : i + 8])), 2) for i in range(0, len(self.bits), 8)
        )


def _nal(kind: int, rbsp: bytes) -> bytes:
    """One NAL unit (header byte + payload with emulation-prevention bytes)."""
    out, zeros = bytearray([0x60 | kind]), 0
    for byte in rbsp:
        if zeros >= 2 and byte <= 3:
            out.append(3)
            zeros = 0
        out.append(byte)
        zeros = zeros + 1 if byte == 0 else 0
    return bytes(out)


_MB = 16  # a macroblock is 16 x 16 luma samples
_W_MBS, _H_MBS = 4, 4  # 64 x 64 pixels


def _sps() -> bytes:
    b = _Bits()
    b.u(8, 66)  # Baseline profile
    b.u(8, 0xC0)  # constraint_set0 and 1
    b.u(8, 30)  # level 3.0
    b.ue(0)  # seq_parameter_set_id
    b.ue(0)  # log2_max_frame_num_minus4
    b.ue(2)  # pic_order_cnt_type
    b.ue(1)  # max_num_ref_frames
    b.u(1, 0)  # gaps_in_frame_num_value_allowed_flag
    b.ue(_W_MBS - 1)
    b.ue(_H_MBS - 1)
    b.u(1, 1)  # frame_mbs_only_flag
    b.u(1, 1)  # direct_8x8_inference_flag
    b.u(1, 0)  # frame_cropping_flag
    b.u(1, 0)  # vui_parameters_present_flag
    return _nal(7, b.trailing())


def _pps() -> bytes:
    b = _Bits()
    b.ue(0)  # pic_parameter_set_id
    b.ue(0)  # seq_parameter_set_id
    b.u(1, 0)  # entropy_coding_mode_flag (CAVLC)
    b.u(1, 0)  # bottom_field_pic_order_in_frame_present_flag
    b.ue(0)  # num_slice_groups_minus1
    b.ue(0)  # num_ref_idx_l0_default_active_minus1
    b.ue(0)  # num_ref_idx_l1_default_active_minus1
    b.u(1, 0)  # weighted_pred_flag
    b.u(2, 0)  # weighted_bipred_idc
    b.se(0)  # pic_init_qp_minus26
    b.se(0)  # pic_init_qs_minus26
    b.se(0)  # chroma_qp_index_offset
    b.u(1, 0)  # deblocking_filter_control_present_flag
    b.u(1, 0)  # constrained_intra_pred_flag
    b.u(1, 0)  # redundant_pic_cnt_present_flag
    return _nal(8, b.trailing())


def _idr_frame(index: int, shade: int) -> bytes:
    """One IDR picture whose macroblocks are all I_PCM (raw samples, no entropy coding)."""
    b = _Bits()
    b.ue(0)  # first_mb_in_slice
    b.ue(7)  # slice_type: I (all slices)
    b.ue(0)  # pic_parameter_set_id
    b.u(4, 0)  # frame_num
    b.ue(index % 2)  # idr_pic_id (differs between consecutive IDR pictures)
    b.u(1, 0)  # no_output_of_prior_pics_flag
    b.u(1, 0)  # long_term_reference_flag
    b.se(0)  # slice_qp_delta
    for mb in range(_W_MBS * _H_MBS):
        b.ue(25)  # mb_type I_PCM
        b.align()  # pcm_alignment_zero_bit
        luma = (16 + (shade + mb * 9) % 200) & 0xFF
        b.raw(bytes([luma]) * (_MB * _MB))
        b.raw(bytes([96 + (mb * 5) % 64]) * 64)  # Cb
        b.raw(bytes([160 - (mb * 3) % 64]) * 64)  # Cr
    return _nal(5, b.trailing())


def mp4(seconds: int = 1) -> bytes:
    """A real, playable MP4: 64 x 64 H.264 (Baseline, I_PCM), one frame per second."""
    frames = max(1, int(seconds))
    sps, pps = _sps(), _pps()
    samples = [
        struct.pack(">I", len(nal)) + nal for nal in (_idr_frame(i, i * 37) for i in range(frames))
    ]
    timescale, duration = 1000, frames * 1000
    matrix = struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)
    width, height = _W_MBS * _MB, _H_MBS * _MB
    avcc = _box(
        b"avcC",
        bytes([1, 66, 0xC0, 30, 0xFF, 0xE1])
        + struct.pack(">H", len(sps))
        + sps
        + bytes([1])
        + struct.pack(">H", len(pps))
        + pps,
    )
    avc1 = _box(
        b"avc1",
        bytes(6)
        + struct.pack(">H", 1)
        + bytes(16)
        + struct.pack(">HHIIIH", width, height, 0x00480000, 0x00480000, 0, 1)
        + bytes(32)
        + struct.pack(">Hh", 0x18, -1)
        + avcc,
    )

    def moov(chunk_offset: int) -> bytes:
        stbl = _box(
            b"stbl",
            _full(b"stsd", struct.pack(">I", 1) + avc1)
            + _full(b"stts", struct.pack(">III", 1, frames, timescale))
            + _full(b"stsc", struct.pack(">IIII", 1, 1, frames, 1))
            + _full(
                b"stsz",
                struct.pack(">II", 0, frames)
                + b"".join(struct.pack(">I", len(x)) for x in samples),
            )
            + _full(b"stco", struct.pack(">II", 1, chunk_offset)),
        )
        dinf = _box(b"dinf", _full(b"dref", struct.pack(">I", 1) + _full(b"url ", b"", flags=1)))
        minf = _box(b"minf", _full(b"vmhd", bytes(8), flags=1) + dinf + stbl)
        mdia = _box(
            b"mdia",
            _full(b"mdhd", struct.pack(">IIIIHH", 0, 0, timescale, duration, 0x55C4, 0))
            + _full(b"hdlr", struct.pack(">I", 0) + b"vide" + bytes(12) + b"VideoHandler\x00")
            + minf,
        )
        tkhd = _full(
            b"tkhd",
            struct.pack(">IIIII", 0, 0, 1, 0, duration)
            + bytes(8)
            + struct.pack(">hhhH", 0, 0, 0, 0)
            + matrix
            + struct.pack(">II", width << 16, height << 16),
            flags=3,
        )
        mvhd = _box(
            b"mvhd",
            struct.pack(">B3xIIII", 0, 0, 0, timescale, duration)
            + struct.pack(">IH10x", 0x10000, 0x0100)
            + matrix
            + bytes(24)
            + struct.pack(">I", 2),
        )
        return _box(b"moov", mvhd + _box(b"trak", tkhd + mdia))

    ftyp = _box(b"ftyp", b"isom" + struct.pack(">I", 512) + b"isomiso2avc1mp41")
    offset = len(ftyp) + len(moov(0)) + 8
    return ftyp + moov(offset) + _box(b"mdat", b"".join(samples))
