"""The conformance oracle: reads cases as JSON lines on stdin, answers with what CPython's
struct module does for each (calcsize, pack, unpack), as JSON lines on stdout."""
import json
import struct
import sys


def value(v):
    kind = v["t"]
    if kind == "int":
        return int(v["v"])
    if kind == "bool":
        return v["v"]
    if kind == "float":
        return struct.unpack("<d", bytes.fromhex(v["bits"]))[0]
    if kind == "bytes":
        return bytes.fromhex(v["hex"])
    return v["v"]  # str


def attempt(f):
    try:
        return {"ok": f()}
    except Exception as e:  # struct.error, OverflowError, UnicodeEncodeError, SystemError
        return {"err": str(e)}


for line in sys.stdin:
    case = json.loads(line)
    fmt = case["fmt"]
    out = {"calcsize": attempt(lambda: struct.calcsize(fmt))}
    if "values" in case:
        vals = [value(v) for v in case["values"]]
        out["pack"] = attempt(lambda: struct.pack(fmt, *vals).hex())
    if "buffer" in case:
        buf = bytes.fromhex(case["buffer"])
        out["unpack"] = attempt(lambda: repr(struct.unpack(fmt, buf)))
    print(json.dumps(out))
