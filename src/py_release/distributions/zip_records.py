"""PyPI's rules for how a zip (wheel or zip sdist) is laid out, record by record.

PyPI walks the file from its first byte to its last and refuses a zip that two readers could
see differently: one that reads the central directory (pip, uv, Python's zipfile) and one that
streams the local headers. No maintained library checks this, so it is written here from the
zip specification (APPNOTE.TXT) and PyPI's documented rules (https://docs.pypi.org/archives).
Returns warehouse's reason for the first record that breaks a rule, or None.
"""

from __future__ import annotations

import struct
import zipfile
from typing import IO

_LOCAL = b"PK\x03\x04"
_CENTRAL = b"PK\x01\x02"
_END = b"PK\x05\x06"
_END64 = b"PK\x06\x06"
_END64_LOCATOR = b"PK\x06\x07"
_ZIP64_EXTRA = 0x0001
_UNICODE_PATH_EXTRA = 0x7075
_NO_DUPLICATES = {_ZIP64_EXTRA, _UNICODE_PATH_EXTRA}
_UNPRINTABLE = frozenset(range(0x20)) | {0x7F}
_HAS_DATA_DESCRIPTOR = 0x08
_STORED = 0
_UNSET32 = 0xFFFFFFFF


class _Refused(Exception):
    pass


def _read(stream: IO[bytes], size: int) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise _Refused("Malformed zip file")
    return data


def _check_name(name: bytes) -> None:
    if any(byte in _UNPRINTABLE for byte in name):
        raise _Refused("Invalid character in filename")


def _local_sizes(extra: bytes, method: int, compressed: int, size: int) -> tuple[int, int]:
    """The (compressed, uncompressed) sizes a local header declares, after its extras."""
    seen: set[int] = set()
    while extra:
        if len(extra) < 4:
            raise _Refused("Malformed zip file")
        extra_id, length = struct.unpack("<HH", extra[:4])
        if length + 4 > len(extra):
            raise _Refused("Malformed zip file")
        if extra_id in seen and extra_id in _NO_DUPLICATES:
            raise _Refused("Invalid duplicate extra in local file")
        seen.add(extra_id)
        body = extra[4 : 4 + length]
        if extra_id == _ZIP64_EXTRA:
            if length not in (0, 8, 16, 24, 28):
                raise _Refused("Malformed zip file")
            if length == 0 and _UNSET32 in (compressed, size):
                raise _Refused("Malformed zip file")
            if length == 8:
                # Only one size: the member must be stored, so both sizes are that one.
                if method != _STORED:
                    raise _Refused("Malformed zip file")
                (only,) = struct.unpack("<Q", body[:8])
                compressed = only
                size = only if size == _UNSET32 else size
            elif length >= 16:
                if size == _UNSET32:
                    (size,) = struct.unpack("<Q", body[:8])
                (compressed,) = struct.unpack("<Q", body[8:16])
        elif extra_id == _UNICODE_PATH_EXTRA:
            unicode_name = body[5:]
            _check_name(unicode_name)
            try:
                unicode_name.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise _Refused("Filename not valid UTF-8") from exc
        extra = extra[4 + length :]
    return compressed, size


def _local_header(stream: IO[bytes], directory: dict[str, tuple[int, int]]) -> bytes:
    flags, method, compressed, size, name_length, extra_length = struct.unpack(
        "<xxHHxxxxxxxxLLHH", _read(stream, 26)
    )
    name = _read(stream, name_length)
    extra = _read(stream, extra_length)
    _check_name(name)
    compressed, size = _local_sizes(extra, method, compressed, size)
    if flags & _HAS_DATA_DESCRIPTOR:
        raise _Refused("ZIP contains a data descriptor")
    try:
        expected = directory[name.decode("utf-8")]
    except UnicodeDecodeError as exc:
        raise _Refused("Filename not unicode") from exc
    except KeyError as exc:
        raise _Refused("Filename not in central directory") from exc
    if expected[0] != compressed:
        raise _Refused("Mis-matched data size")
    if expected[1] != size:
        raise _Refused("Mis-matched file size")
    stream.seek(compressed, 1)
    return name


def _central_header(stream: IO[bytes]) -> tuple[bytes, int]:
    name_length, extra_length, comment_length = struct.unpack(
        "<xxxxxxxxxxxxxxxxxxxxxxxxHHHxxxxxxxxxxxx", _read(stream, 42)
    )
    if comment_length:
        raise _Refused("Comment in central directory")
    name = _read(stream, name_length)
    _read(stream, extra_length)
    _check_name(name)
    return name, 46 + name_length + extra_length


def zip_layout_refusal(archive: zipfile.ZipFile) -> str | None:
    """Warehouse's reason for refusing the layout of ``archive``, or None when it is fine."""
    directory = {
        info.orig_filename: (info.compress_size, info.file_size) for info in archive.filelist
    }
    stream = archive.fp
    assert stream is not None
    position = stream.tell()
    try:
        stream.seek(0)
        return _walk(stream, directory)
    except _Refused as exc:
        return str(exc)
    finally:
        stream.seek(position)


def _walk(stream: IO[bytes], directory: dict[str, tuple[int, int]]) -> str | None:
    local: set[bytes] = set()
    central: set[bytes] = set()
    central_offset: int | None = None
    central_size = 0
    declared: tuple[int, int, int] | None = None  # records, size, offset (from EOCD64)
    end64_at: int | None = None
    locator_seen = False
    while True:
        signature = _read(stream, 4)
        if signature == _CENTRAL:
            if central_offset is None:
                central_offset = stream.tell() - 4
            name, size = _central_header(stream)
            central_size += size
            if name in central:
                raise _Refused("Duplicate filename in central directory")
            if name not in local:
                raise _Refused("Missing filename in local headers")
            central.add(name)
        elif signature == _LOCAL:
            name = _local_header(stream, directory)
            if name in local:
                raise _Refused("Duplicate filename in local headers")
            local.add(name)
        elif signature == _END64:
            end64_at = stream.tell() - 4
            record_size, on_disk, records, size, offset = struct.unpack(
                "<QxxxxxxxxxxxxQQQQ", _read(stream, 52)
            )
            if on_disk != records:
                raise _Refused("Malformed zip file")
            if record_size != 44:
                raise _Refused("ZIP64 extensible data not allowed")
            declared = (records, size, offset)
        elif signature == _END64_LOCATOR:
            _read(stream, 16)
            locator_seen = True
        elif signature == _END:
            if end64_at is not None and not locator_seen:
                raise _Refused("Malformed zip file")
            if central_offset is None:
                central_offset = stream.tell() - 4
            on_disk, records, size, offset, comment_length = struct.unpack(
                "<xxxxHHLLH", _read(stream, 18)
            )
            if on_disk != records:
                raise _Refused("Malformed zip file")
            stream.seek(comment_length, 1)
            if declared is not None:
                records, size, offset = declared
            if records != len(central):
                raise _Refused("Mismatched central directory records")
            if offset != central_offset:
                raise _Refused("Mismatched central directory offset")
            if size != central_size:
                raise _Refused("Mismatched central directory size")
            break
        else:
            return "Unknown record signature"
    if central != local:
        return "Mis-matched local headers and central directory"
    end = stream.tell()
    stream.seek(0, 2)
    return "Trailing data" if stream.tell() != end else None
