"""Writes the 3D-landmark fixtures of test/data-formats-3d.test.ts with independent tools.

Reads a JSON list of files on stdin, each {"path": ..., "kind": ...}:
  kind "mat":  scipy.io.savemat(path, vars, do_compression=compress, format=format ('5' or '4'));
               vars maps a name to {"rows": r, "cols": c, "data": row-major list, "dtype": "float64"|"float32"|"int16"}
  kind "t7":   test/oracles/t7_writer_3d.py's build(value) (Torch7 binary serialisation from its description)
  kind "image": a small real JPEG/PNG (by extension) written by PIL (the readers only need the image beside the annotation)
  kind "mat-compact": a v5 MAT-file written by hand as MATLAB itself writes whole-number doubles: class double,
               real part stored as miUINT8 (type 2), name as a small data element; checked by scipy.io.loadmat
               before it is kept. Fields: "name", "rows", "cols", "data" (row-major whole numbers 0-255)
  kind "mat73": the first 520 bytes of a MATLAB v7.3 MAT-file (no h5py here): the 128-byte MAT header (text
               'MATLAB 7.3 MAT-file, …', version 0x0200, endian indicator 'IM') padded to the 512-byte HDF5 user
               block, then the HDF5 signature
Prints nothing; exits non-zero on any failure.
"""
import json
import os
import struct
import sys

import numpy as np
import scipy.io
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from t7_writer_3d import build  # noqa: E402


def element(mi_type, payload):
    """A data element: small format for 1-4 bytes, else an 8-byte tag and data padded to 8 bytes."""
    if 0 < len(payload) <= 4:
        return struct.pack("<HH", mi_type, len(payload)) + payload.ljust(4, b"\0")
    return struct.pack("<II", mi_type, len(payload)) + payload + b"\0" * (-len(payload) % 8)


def write_compact(path, name, rows, cols, data):
    column_major = np.array(data, dtype=np.float64).reshape(rows, cols).T.reshape(-1)
    body = (element(6, struct.pack("<II", 6, 0))  # array flags: class 6 (double), nzmax 0
            + element(5, struct.pack("<ii", rows, cols))
            + element(1, name.encode("ascii"))
            + element(2, bytes(int(v) for v in column_major)))  # real part as miUINT8
    header = b"MATLAB 5.0 MAT-file, written by test/oracles/fixtures_3d.py".ljust(116, b" ") + bytes(8) + struct.pack("<H", 0x0100) + b"IM"
    with open(path, "wb") as f:
        f.write(header + struct.pack("<II", 14, len(body)) + body)
    back = scipy.io.loadmat(path, mat_dtype=True)[name]  # mat_dtype: the MATLAB class, not the storage type
    assert back.dtype == np.float64 and back.shape == (rows, cols), (back.dtype, back.shape)
    assert (back == np.array(data, dtype=np.float64).reshape(rows, cols)).all()


def main():
    for item in json.load(sys.stdin):
        path = item["path"]
        os.makedirs(os.path.dirname(path), exist_ok=True)
        kind = item["kind"]
        if kind == "mat":
            mdict = {}
            for name, v in item["vars"].items():
                mdict[name] = np.array(v["data"], dtype=v.get("dtype", "float64")).reshape(v["rows"], v["cols"])
            scipy.io.savemat(path, mdict, do_compression=item.get("compress", False), format=item.get("format", "5"))
        elif kind == "t7":
            with open(path, "wb") as f:
                f.write(build(item["value"], item.get("endian", "<")))
        elif kind == "image":
            rng = np.random.default_rng(item.get("seed", 0))
            Image.fromarray(rng.integers(0, 256, (24, 24, 3), dtype=np.uint8)).save(path, quality=90)
        elif kind == "mat-compact":
            write_compact(path, item["name"], item["rows"], item["cols"], item["data"])
        elif kind == "mat73":
            text = b"MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: Mon Jan  1 00:00:00 2024 HDF5 schema 1.00 ."
            header = text.ljust(116, b" ") + bytes(8) + (0x0200).to_bytes(2, "little") + b"IM"
            with open(path, "wb") as f:
                f.write(header.ljust(512, b"\0") + b"\x89HDF\r\n\x1a\n")
        else:
            raise ValueError("unknown kind %r" % kind)


if __name__ == "__main__":
    main()
