"""Torch7 binary serialisation writer, written from the format's description (not from the kit's reader).

Torch7's `torch.save(file, obj)` in binary mode writes, in the machine's byte order (little-endian here):
  object  = int32 type id, then by type:
              nil 0      nothing
              number 1   float64
              string 2   int32 length, raw bytes
              table 3    int32 reference index; on first sight int32 pair count, then key object, value object pairs
              torch 4    int32 reference index; on first sight the version string "V 1" (as a string: int32 length,
                         bytes), the class-name string, then the class's own body
              boolean 5  int32 0 or 1
  tensor body  = int32 nDimension, int64 size[n], int64 stride[n], int64 storageOffset (1-based), storage object
  storage body = int64 size, then the elements (float32 for FloatStorage, float64 for DoubleStorage)
Tables and torch objects share one index counter starting at 1; an object written again is only its type id and
its earlier index (how two tensors share one storage).

Used by test/data-formats-3d.test.ts: `build(value)` turns a JSON description into bytes:
  null | number | string | bool
  {"table": [[key, value], ...], "ref": "name"?}
  {"tensor": "float"|"double", "sizes": [...], "strides": [...], "offset": 1-based, "storage": storage-or-ref}
  {"storage": "float"|"double", "data": [...], "ref": "name"?}   {"use": "name"}  (a reference to an earlier object)
  {"raw_type": int}  (a bare type id, for malformed files)
"""
import struct


class Writer:
    def __init__(self, endian="<"):
        self.e = endian
        self.out = bytearray()
        self.next_index = 1
        self.named = {}  # ref name -> index

    def int(self, v):
        self.out += struct.pack(self.e + "i", v)

    def long(self, v):
        self.out += struct.pack(self.e + "q", v)

    def string_body(self, s):
        b = s.encode("latin1")
        self.int(len(b))
        self.out += b

    def new_index(self, spec):
        index = self.next_index
        self.next_index += 1
        if isinstance(spec, dict) and "ref" in spec:
            self.named[spec["ref"]] = index
        return index

    def write(self, v):
        if v is None:
            self.int(0)
        elif isinstance(v, bool):
            self.int(5)
            self.int(1 if v else 0)
        elif isinstance(v, (int, float)):
            self.int(1)
            self.out += struct.pack(self.e + "d", float(v))
        elif isinstance(v, str):
            self.int(2)
            self.string_body(v)
        elif "raw_type" in v:
            self.int(v["raw_type"])
        elif "use" in v:
            self.int(v.get("use_type", 4))
            self.int(self.named[v["use"]])
        elif "table" in v:
            self.int(3)
            self.int(self.new_index(v))
            self.int(len(v["table"]))
            for key, value in v["table"]:
                self.write(key)
                self.write(value)
        elif "storage" in v and "tensor" not in v:
            self.int(4)
            self.int(self.new_index(v))
            self.string_body("V 1")
            kind = v["storage"]
            self.string_body("torch.FloatStorage" if kind == "float" else "torch.DoubleStorage")
            self.long(len(v["data"]))
            fmt = "f" if kind == "float" else "d"
            for x in v["data"]:
                self.out += struct.pack(self.e + fmt, x)
        elif "tensor" in v:
            self.int(4)
            self.int(self.new_index(v))
            self.string_body("V 1")
            self.string_body("torch.FloatTensor" if v["tensor"] == "float" else "torch.DoubleTensor")
            self.int(len(v["sizes"]))
            for s in v["sizes"]:
                self.long(s)
            for s in v["strides"]:
                self.long(s)
            self.long(v["offset"])
            self.write(v["storage"])
        else:
            raise ValueError("unknown spec %r" % (v,))


def build(value, endian="<"):
    w = Writer(endian)
    w.write(value)
    return bytes(w.out)
