#!/usr/bin/env python3
"""Check a running sjdj node's transparency log with the independent verifier.

    python3 tests/python/log_live_check.py ADDR [ADMIN_TOKEN]

Knows nothing but the address: message types come from gRPC server reflection.
Steps:

  1. wait for the first checkpoint (GetCheckpoint is FAILED_PRECONDITION
     "NO_CHECKPOINT..." until the node has signed one) and keep its note;
  2. with an admin token, call AdminService/AdvanceClock a few times (each call
     is logged) and wait for a checkpoint of a bigger size;
  3. fetch the node's public key (RegistryService/GetNodeInfo), the latest
     checkpoint, every entry it covers, an inclusion proof of every entry
     against the latest size, and consistency proofs from the first
     checkpoint's size and a few other sizes to the latest;
  4. build the bundle that `log_verifier.py bundle FILE` takes and run
     log_verifier.verify_bundle on it, in this process;
  5. flip one byte of an entry, of a proof hash and of a checkpoint note: the
     verifier must refuse each, for the expected reason.

Besides the bundle, the RPC answers themselves are checked: the convenience
fields of Checkpoint (origin, size, root_hash, time, verifier_key) must say
what the signed note says, and every answer must be about what was asked.

Prints one summary line starting "python log verifier:" and exits 0, or prints
"FAIL ..." and exits 1.
"""

from __future__ import annotations

import base64
import copy
import json
import os
import sys
import time

import grpc
from google.protobuf import json_format
from google.protobuf.descriptor_pool import DescriptorPool
from google.protobuf.message_factory import GetMessageClass
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import log_verifier as lv  # noqa: E402

TRANSPARENCY = "sjdj.v1.TransparencyService"
MAX_PAGE = 1000  # ListEntries returns at most this many per call
ADVANCES = 3  # AdvanceClock calls, one log entry each
WAIT_SECONDS = 20.0  # for a checkpoint (the node signs one about every second)


class LiveError(Exception):
    """The node answered something that is not what was asked or promised."""


class Node:
    def __init__(self, addr: str):
        self.channel = grpc.insecure_channel(addr)
        self.pool = DescriptorPool(ProtoReflectionDescriptorDatabase(self.channel))

    def call(self, service: str, method: str, body: dict, token: str | None = None) -> dict:
        m = self.pool.FindServiceByName(service).FindMethodByName(method)
        req_cls, res_cls = GetMessageClass(m.input_type), GetMessageClass(m.output_type)
        stub = self.channel.unary_unary(
            f"/{service}/{method}",
            request_serializer=req_cls.SerializeToString,
            response_deserializer=res_cls.FromString,
        )
        md = [("authorization", f"Bearer {token}")] if token else None
        req = json_format.ParseDict(body, req_cls())
        for attempt in range(20):
            try:
                return json_format.MessageToDict(stub(req, metadata=md, timeout=10))
            except grpc.RpcError as e:
                # The public API is rate-limited per client address; back off.
                if e.code() != grpc.StatusCode.RESOURCE_EXHAUSTED or attempt == 19:
                    raise
                time.sleep(0.1 * (attempt + 1))
        raise AssertionError("unreachable")


# MessageToDict leaves out fields at their default (0, empty) and writes 64-bit
# integers as strings and bytes as standard padded base64.


def u64(d: dict, key: str) -> int:
    v = d.get(key, 0)
    try:
        n = int(v)
    except (TypeError, ValueError):
        raise LiveError(f"field {key!r} is {v!r}, not an integer") from None
    if n < 0:
        raise LiveError(f"field {key!r} is negative ({n})")
    return n


def raw(d: dict, key: str, what: str) -> bytes:
    return lv.b64decode_strict(d.get(key, ""), what)


def flip(b: bytes, i: int, mask: int = 0x01) -> bytes:
    return b[:i] + bytes([b[i] ^ mask]) + b[i + 1 :]


# ---------------------------------------------------------------------------
# Fetching
# ---------------------------------------------------------------------------


def get_checkpoint(node: Node) -> dict | None:
    """The latest checkpoint, or None while the node has not signed one yet."""
    try:
        return node.call(TRANSPARENCY, "GetCheckpoint", {})
    except grpc.RpcError as e:
        if e.code() == grpc.StatusCode.FAILED_PRECONDITION and (e.details() or "").startswith("NO_CHECKPOINT"):
            return None
        raise


def wait_checkpoint(node: Node, bigger_than: int = -1, at_least: int = 0) -> dict:
    """Poll until a checkpoint of size > bigger_than and >= at_least is published."""
    deadline = time.monotonic() + WAIT_SECONDS
    seen = None
    while True:
        cp = get_checkpoint(node)
        if cp is not None:
            seen = u64(cp, "size")
            if seen > bigger_than and seen >= at_least:
                return cp
        if time.monotonic() > deadline:
            raise LiveError(
                f"no checkpoint of size > {bigger_than} and >= {at_least} within {WAIT_SECONDS:.0f} s"
                f" (latest seen: {'none' if seen is None else seen})"
            )
        time.sleep(0.1)


def check_checkpoint_fields(cp: dict, pub: bytes, what: str) -> tuple[str, int, bytes, str]:
    """Verify the note, then require the convenience fields to say the same as the note.

    Returns (origin, size, root, note text). The bundle check repeats the note
    verification independently; this is about the RPC answer.
    """
    note = raw(cp, "note", f"{what} note")
    try:
        note_s = note.decode("utf-8")
    except UnicodeDecodeError:
        raise LiveError(f"{what}: note is not UTF-8") from None
    origin = cp.get("origin", "")
    body = lv.open_checkpoint(note_s, origin, pub)  # signature by key name == origin field
    size, root = u64(cp, "size"), raw(cp, "rootHash", f"{what} root_hash")
    if body.size != size:
        raise LiveError(f"{what}: field size {size} but the note says {body.size}")
    if body.root != root:
        raise LiveError(f"{what}: field root_hash {root.hex()} but the note says {body.root.hex()}")
    t = lv.checkpoint_time(body)
    if int(cp.get("time", 0)) != t:
        raise LiveError(f"{what}: field time {cp.get('time', 0)} but the note says {lv.TIME_EXTENSION} {t}")
    vkey = f"{origin}+{lv.key_id(origin, pub).hex()}+{base64.b64encode(lv.ED25519_SIG_TYPE + pub).decode()}"
    if cp.get("verifierKey") != vkey:
        raise LiveError(f"{what}: verifier_key {cp.get('verifierKey')!r}, want {vkey!r}")
    return origin, size, root, note_s


def list_entries(node: Node, size: int) -> list[bytes]:
    # The node may answer a range in part (its answers are bounded by bytes too): the next
    # call starts where the last one ended, and an empty answer to a non-empty range is wrong.
    out: list[bytes] = []
    start = 0
    while start < size:
        end = min(start + MAX_PAGE, size)
        got = node.call(TRANSPARENCY, "ListEntries", {"start": start, "end": end}).get("entries", [])
        if not 0 < len(got) <= end - start:
            raise LiveError(f"ListEntries [{start}, {end}) returned {len(got)} entries")
        for k, e in enumerate(got):
            if u64(e, "index") != start + k:
                raise LiveError(f"ListEntries [{start}, {end}): entry {k} says index {u64(e, 'index')}")
            out.append(raw(e, "data", f"entry {start + k} data"))
        start += len(got)
    return out


def inclusion(node: Node, index: int, tree_size: int) -> dict:
    p = node.call(TRANSPARENCY, "GetInclusionProof", {"index": index, "treeSize": tree_size})
    if (u64(p, "index"), u64(p, "treeSize")) != (index, tree_size):
        raise LiveError(f"asked inclusion of {index} in {tree_size}, got {u64(p, 'index')} in {u64(p, 'treeSize')}")
    hashes = [lv.b64decode_strict(h, f"inclusion {index}/{tree_size} hash {j}") for j, h in enumerate(p.get("hashes", []))]
    return {"index": index, "tree_size": tree_size, "hashes_hex": [h.hex() for h in hashes]}


def consistency(node: Node, first: int, second: int) -> dict:
    p = node.call(TRANSPARENCY, "GetConsistencyProof", {"first": first, "second": second})
    if (u64(p, "first"), u64(p, "second")) != (first, second):
        raise LiveError(f"asked consistency {first} -> {second}, got {u64(p, 'first')} -> {u64(p, 'second')}")
    hashes = [lv.b64decode_strict(h, f"consistency {first}->{second} hash {j}") for j, h in enumerate(p.get("hashes", []))]
    return {"first": first, "second": second, "hashes_hex": [h.hex() for h in hashes]}


# ---------------------------------------------------------------------------
# Tampering
# ---------------------------------------------------------------------------


def tamper_entry(bundle: dict, index: int) -> None:
    """Flip the low bit of one letter or digit inside a JSON string of an entry.

    The entry stays well-formed JSON with the right index, so the refusal has
    to come from the Merkle root, not from the entry parser.
    """
    data = base64.b64decode(bundle["entries_b64"][index])
    at = data.find(b'"actor":"')
    at = at + len(b'"actor":"') if at >= 0 else -1
    if at < 0 or not chr(data[at]).isalnum():
        raise LiveError(f"entry {index} has no \"actor\" string to tamper with: {data!r}")
    bundle["entries_b64"][index] = base64.b64encode(flip(data, at)).decode()


def tamper_proof(bundle: dict) -> int:
    """Flip one byte of the first hash of the first inclusion proof that has any."""
    for p in bundle["inclusion"]:
        if p["hashes_hex"]:
            p["hashes_hex"][0] = flip(bytes.fromhex(p["hashes_hex"][0]), 0).hex()
            return p["index"]
    raise LiveError("no inclusion proof has a hash to tamper with (tree of one entry?)")


def tamper_note(bundle: dict) -> None:
    """Flip one character of the root hash line of the first checkpoint's note."""
    note = bundle["checkpoints"][0]["note"].encode("utf-8")
    root_line = note.index(b"\n", note.index(b"\n") + 1) + 1
    bundle["checkpoints"][0]["note"] = flip(note, root_line).decode("utf-8")


def refused(bundle: dict, expect: str, what: str) -> str:
    try:
        lv.verify_bundle(bundle, report=lambda _line: None)
    except lv.VerifyError as e:
        if expect not in str(e):
            raise LiveError(f"tampered {what}: refused, but not for the expected reason ({expect!r}): {e}") from None
        return str(e)
    raise LiveError(f"tampered {what}: the verifier accepted it")


# ---------------------------------------------------------------------------


def run(addr: str, admin: str | None, verbose: bool) -> str:
    node = Node(addr)

    info = node.call("sjdj.v1.RegistryService", "GetNodeInfo", {})
    pub = raw(info, "publicKey", "node public_key")
    if len(pub) != 32:
        raise LiveError(f"node public_key is {len(pub)} bytes, want 32")

    # (1) The first checkpoint; its note is kept as it came.
    cp1 = wait_checkpoint(node)
    origin, size1, _, note1 = check_checkpoint_fields(cp1, pub, "first checkpoint")
    if size1 < 1:
        raise LiveError("first checkpoint has size 0")
    checkpoints = [cp1]

    # (2) Grow the log and wait for a bigger checkpoint.
    if admin:
        for _ in range(ADVANCES):
            node.call("sjdj.v1.AdminService", "AdvanceClock", {"seconds": 60}, admin)
        cp2 = wait_checkpoint(node, bigger_than=size1, at_least=size1 + ADVANCES)
        checkpoints.append(cp2)

    # (3) Everything up to the latest checkpoint fetched; proofs are asked
    # against its size explicitly (not 0), in case the node publishes another.
    fields = [check_checkpoint_fields(c, pub, f"checkpoint {i}") for i, c in enumerate(checkpoints)]
    for i, (o, _, _, _) in enumerate(fields):
        if o != origin:
            raise LiveError(f"checkpoint {i} has origin {o!r}, the first had {origin!r}")
    size = fields[-1][1]
    if fields[-1][3] == note1 and len(checkpoints) > 1:
        raise LiveError("the second checkpoint is the first one again")
    times = [int(c.get("time", 0)) for c in checkpoints]
    if times != sorted(times):
        raise LiveError(f"checkpoint times go backwards: {times}")

    entries = list_entries(node, size)
    if admin:
        advanced = sum(1 for e in entries[size1:] if b'"ClockAdvanced"' in e)
        if advanced < ADVANCES:
            raise LiveError(f"{ADVANCES} AdvanceClock calls but {advanced} ClockAdvanced entries after index {size1}")

    incl = [inclusion(node, i, size) for i in range(size)]
    # Also against the first checkpoint's size: its last and its first entry.
    incl += [inclusion(node, i, size1) for i in sorted({size1 - 1, 0})]

    firsts = sorted({size1, 1, 2, size // 2, size - 1, size} & set(range(1, size + 1)))
    cons = [consistency(node, f, size) for f in firsts]

    # (4) The bundle, as `log_verifier.py bundle FILE` takes it.
    bundle = {
        "public_key_hex": pub.hex(),
        "origin": origin,
        "entries_b64": [base64.b64encode(e).decode() for e in entries],
        "checkpoints": [{"note": n, "size": s, "root_hex": r.hex()} for (_, s, r, n) in fields],
        "inclusion": incl,
        "consistency": cons,
    }
    lines: list[str] = []
    try:
        n_checks = lv.verify_bundle(copy.deepcopy(bundle), report=lines.append)
    except lv.VerifyError as e:
        if verbose:
            print("\n".join(lines))
        dump = os.environ.get("LOG_LIVE_BUNDLE")
        if dump:
            with open(dump, "w") as f:
                json.dump(bundle, f, indent=1)
        raise
    if verbose:
        print("\n".join(lines))

    # (5) One flipped byte each: an entry, a proof hash, a checkpoint note.
    tampered = []
    b = copy.deepcopy(bundle)
    tamper_entry(b, size1 - 1)
    tampered.append(("entry", refused(b, "MTH of the first", f"entry {size1 - 1}")))
    b = copy.deepcopy(bundle)
    i = tamper_proof(b)
    tampered.append(("proof hash", refused(b, "leads to a different root", f"inclusion proof hash of entry {i}")))
    b = copy.deepcopy(bundle)
    tamper_note(b)
    tampered.append(("note", refused(b, "does not verify", "checkpoint note")))
    if verbose:
        for what, why in tampered:
            print(f"refused tampered {what}: {why}")

    def plural(n: int, one: str, many: str) -> str:
        return f"{n} {one if n == 1 else many}"

    return (
        f"python log verifier: {plural(len(entries), 'entry', 'entries')}, "
        f"{plural(len(incl), 'inclusion proof', 'inclusion proofs')}, {plural(len(cons), 'consistency proof', 'consistency proofs')}, "
        f"{plural(len(checkpoints), 'checkpoint', 'checkpoints')} verified ({n_checks} checks); "
        f"{len(tampered)} tampered inputs refused"
    )


def main(argv: list[str]) -> int:
    args = [a for a in argv[1:] if a != "-v"]
    verbose = len(args) != len(argv) - 1
    if not 1 <= len(args) <= 2:
        print(f"usage: {argv[0]} [-v] ADDR [ADMIN_TOKEN]", file=sys.stderr)
        return 2
    try:
        print(run(args[0], args[1] if len(args) > 1 else None, verbose))
    except lv.VerifyError as e:
        print(f"FAIL verifier: {e}")
        return 1
    except LiveError as e:
        print(f"FAIL node: {e}")
        return 1
    except grpc.RpcError as e:
        print(f"FAIL rpc: {e.code()} {e.details()}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
