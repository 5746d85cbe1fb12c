#!/usr/bin/env python3
"""Independent verifier for the sjdj node's transparency log.

Written from the public specifications only, sharing no code with the Rust node:

  * RFC 6962 / RFC 9162 section 2.1   Merkle tree hashing (MTH)
  * RFC 9162 section 2.1.3.2          inclusion proof verification
  * RFC 9162 section 2.1.4.2          consistency proof verification
  * https://c2sp.org/signed-note      signed notes, Ed25519 signatures, key IDs
  * https://c2sp.org/tlog-checkpoint  checkpoint body
  * the node's own conventions (src/log/entry.rs, src/log/public.rs,
    src/log/commitment.rs): the "sjdj-time <unix seconds>" checkpoint
    extension line, and log entries that are b"sjdj/log-entry/v1\\n" or
    b"sjdj/log-entry/v2\\n" followed by one JSON object whose "index" is the
    entry's position in the log. A v2 entry publishes only what is public by
    design: the person behind the actor is "holder_commitment" (a clear
    "holder" only for the node's own actors "system" and "node:<id>"), a
    token's holder "token_holder_commitment", and a draft's materials,
    contacts, withdrawal reasons, supplement notes and objectors are
    commitments too. A commitment is lower-hex
    SHA-256(b"sjdj/commitment/v1\\n" || salt || UTF-8 value); its opening is
    {field, salt (hex), value}, field being the key without "_commitment".

Every verify_* / check_* / open_* function raises VerifyError (with a reason)
on failure and returns normally on success.

Command line:
    python3 tests/python/log_verifier.py bundle FILE

Needs Python 3.11 and the `cryptography` package (Ed25519 only).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import sys
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

HASH_LEN = 32
ENTRY_LABEL = b"sjdj/log-entry/v1\n"
ENTRY_LABEL_V2 = b"sjdj/log-entry/v2\n"
COMMITMENT_LABEL = b"sjdj/commitment/v1\n"
# The flow steps a v2 entry may not hold in clear, with exactly the fields it holds instead.
V2_PRIVATE_STEPS = {
    "Created": {"application_commitment", "contact_commitment"},
    "Edited": {"application_commitment", "contact_commitment"},
    "Submitted": {"publicity_text", "acceptance_due", "facts"},
    "Supplemented": {
        "application_commitment",
        "contact_commitment",
        "note_commitment",
        "publicity_text",
        "acceptance_due",
        "facts",
    },
    "Withdrawn": {"reason_commitment"},
    "ObjectionFiled": {"objection_id", "objector_commitment", "objector_contact_commitment", "reason"},
}
_COMMITMENT = re.compile(r"[0-9a-f]{64}", re.ASCII)
SIG_LINE_PREFIX = "\u2014 "  # EM DASH (U+2014) then one ASCII space
ED25519_SIG_TYPE = b"\x01"  # C2SP signed-note signature type byte for Ed25519
MAX_NOTE_SIGNATURES = 100  # signed-note: a verifier may reject notes with more
TIME_EXTENSION = "sjdj-time"
UINT64_MAX = (1 << 64) - 1

# Canonical unsigned decimal: "0" or no leading zero. ASCII digits only
# (re.ASCII so that \d cannot match other Unicode digits).
_DECIMAL = re.compile(r"0|[1-9][0-9]*", re.ASCII)
_HEX32 = re.compile(r"[0-9a-fA-F]{64}", re.ASCII)


class VerifyError(Exception):
    """A check failed; the message says which and why."""


# ---------------------------------------------------------------------------
# Small strict decoders
# ---------------------------------------------------------------------------


def b64decode_strict(s: str, what: str) -> bytes:
    """Standard base64 (RFC 4648 section 4) with padding, canonical only.

    Python's decoder ignores non-zero trailing bits, so two different strings
    can decode to the same bytes; re-encoding and comparing rejects that.
    """
    try:
        raw = base64.b64decode(s.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError) as e:
        raise VerifyError(f"{what}: not valid base64 ({e})") from None
    if base64.b64encode(raw).decode("ascii") != s:
        raise VerifyError(f"{what}: base64 is not canonical")
    return raw


def hex32(s: object, what: str) -> bytes:
    if not isinstance(s, str) or not _HEX32.fullmatch(s):
        raise VerifyError(f"{what}: want 64 hex digits, got {s!r}")
    return bytes.fromhex(s)


def parse_decimal(s: str, what: str) -> int:
    if not _DECIMAL.fullmatch(s):
        raise VerifyError(f"{what}: {s!r} is not a canonical decimal number")
    v = int(s)
    if v > UINT64_MAX:
        raise VerifyError(f"{what}: {s} does not fit in 64 bits")
    return v


def _check_hash(h: object, what: str) -> None:
    if not isinstance(h, (bytes, bytearray)) or len(h) != HASH_LEN:
        raise VerifyError(f"{what}: not a {HASH_LEN}-byte hash")


# ---------------------------------------------------------------------------
# RFC 6962 / RFC 9162 Merkle tree hashing
# ---------------------------------------------------------------------------


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def leaf_hash(data: bytes) -> bytes:
    """MTH({d}) = SHA-256(0x00 || d)."""
    return sha256(b"\x00" + bytes(data))


def node_hash(left: bytes, right: bytes) -> bytes:
    """Interior node: SHA-256(0x01 || left || right)."""
    return sha256(b"\x01" + left + right)


EMPTY_ROOT = sha256(b"")  # MTH({}) = SHA-256() of the empty string


def split_point(n: int) -> int:
    """Largest power of two strictly smaller than n (n >= 2).

    Not the midpoint: for n = 6 the split is 4 (not 3), for n = 5 it is 4.
    """
    if n < 2:
        raise ValueError("split_point needs n >= 2")
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def is_power_of_two(n: int) -> bool:
    return n > 0 and n & (n - 1) == 0


def mth_of_leaf_hashes(hashes: list[bytes]) -> bytes:
    """MTH over a list of already-computed leaf hashes (RFC 6962 2.1)."""
    n = len(hashes)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return hashes[0]
    k = split_point(n)
    return node_hash(mth_of_leaf_hashes(hashes[:k]), mth_of_leaf_hashes(hashes[k:]))


def mth(entries: list[bytes]) -> bytes:
    """MTH over raw entries D[0:n]."""
    return mth_of_leaf_hashes([leaf_hash(e) for e in entries])


class PrefixRoots:
    """MTH(D[0:n]) for any n, caching subtree hashes by (start, end).

    A convenience for bundles with many checkpoints and proofs; it computes
    exactly the same recursion as mth_of_leaf_hashes.
    """

    def __init__(self, leaf_hashes: list[bytes]):
        self.leaves = list(leaf_hashes)
        self._memo: dict[tuple[int, int], bytes] = {}

    def _sub(self, lo: int, hi: int) -> bytes:
        n = hi - lo
        if n == 1:
            return self.leaves[lo]
        key = (lo, hi)
        got = self._memo.get(key)
        if got is None:
            k = split_point(n)
            got = node_hash(self._sub(lo, lo + k), self._sub(lo + k, hi))
            self._memo[key] = got
        return got

    def root(self, size: int) -> bytes:
        if not 0 <= size <= len(self.leaves):
            raise VerifyError(f"tree size {size} exceeds the {len(self.leaves)} entries given")
        return EMPTY_ROOT if size == 0 else self._sub(0, size)


# ---------------------------------------------------------------------------
# RFC 9162 section 2.1.3.2: inclusion proof verification
# ---------------------------------------------------------------------------


def verify_inclusion(leaf_h: bytes, index: int, tree_size: int, path: list[bytes], root: bytes) -> None:
    """Verify an audit path (ordered leaf-to-root) for leaf `index` in a tree of `tree_size`."""
    _check_hash(leaf_h, "leaf hash")
    _check_hash(root, "root")
    for i, p in enumerate(path):
        _check_hash(p, f"inclusion path[{i}]")
    if not (isinstance(index, int) and isinstance(tree_size, int)):
        raise VerifyError("index and tree size must be integers")
    if not 0 <= index < tree_size:  # step 1
        raise VerifyError(f"leaf index {index} is not inside a tree of size {tree_size}")

    fn, sn = index, tree_size - 1  # step 2
    r = leaf_h  # step 3
    for p in path:  # step 4
        if sn == 0:  # 4a: the path is longer than the tree is tall
            raise VerifyError("inclusion proof is too long")
        if fn & 1 or fn == sn:  # 4b: p is a left sibling
            r = node_hash(p, r)
            # fn == sn with LSB(fn) clear: we are the last node of a level
            # that has no right sibling, so this node is promoted unchanged
            # through the levels where it is a right-edge orphan.
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:  # p is a right sibling
            r = node_hash(r, p)
        fn >>= 1  # 4c
        sn >>= 1
    if sn != 0:  # step 5: every level up to the root must have been consumed
        raise VerifyError("inclusion proof is too short")
    if r != root:
        raise VerifyError("inclusion proof leads to a different root")


# ---------------------------------------------------------------------------
# RFC 9162 section 2.1.4.2: consistency proof verification
# ---------------------------------------------------------------------------


def verify_consistency(first: int, second: int, first_root: bytes, second_root: bytes, proof: list[bytes]) -> None:
    """Verify that the tree of size `first` is a prefix of the tree of size `second`."""
    _check_hash(first_root, "first root")
    _check_hash(second_root, "second root")
    for i, p in enumerate(proof):
        _check_hash(p, f"consistency proof[{i}]")
    if not (isinstance(first, int) and isinstance(second, int)):
        raise VerifyError("tree sizes must be integers")
    if first < 0 or second < first:
        raise VerifyError(f"no consistency proof from size {first} to size {second}")
    if first == 0:
        # RFC 9162 defines consistency proofs for 0 < first; not needed here.
        raise VerifyError("consistency from an empty tree (first == 0) is not supported")
    if first == second:
        # Same size: the only valid proof is the empty one, and the roots must match.
        if proof:
            raise VerifyError("consistency proof between equal sizes must be empty")
        if first_root != second_root:
            raise VerifyError("equal tree sizes but different roots")
        return

    if not proof:  # step 1
        raise VerifyError("empty consistency proof for first < second")
    path = list(proof)
    # Step 2: when `first` is a power of two, the old tree is a complete
    # subtree of the new one; its root is not sent, the verifier supplies it.
    if is_power_of_two(first):
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1  # step 3
    while fn & 1:  # step 4: skip levels where the old tree's last node is a right child
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]  # step 5
    for c in path[1:]:  # step 6
        if sn == 0:  # 6a
            raise VerifyError("consistency proof is too long")
        if fn & 1 or fn == sn:  # 6b: c is a left sibling; it belongs to both trees
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:  # c is a right sibling, present only in the new tree
            sr = node_hash(sr, c)
        fn >>= 1  # 6c
        sn >>= 1
    # Step 7.
    if sn != 0:
        raise VerifyError("consistency proof is too short")
    if fr != first_root:
        raise VerifyError("consistency proof does not reproduce the first root")
    if sr != second_root:
        raise VerifyError("consistency proof does not reproduce the second root")


# ---------------------------------------------------------------------------
# C2SP signed-note
# ---------------------------------------------------------------------------


def key_id(name: str, public_key: bytes) -> bytes:
    """Ed25519 key ID = SHA-256(name || 0x0A || 0x01 || 32-byte key)[:4]."""
    if len(public_key) != 32:
        raise VerifyError("Ed25519 public key must be 32 bytes")
    return sha256(name.encode("utf-8") + b"\n" + ED25519_SIG_TYPE + bytes(public_key))[:4]


def check_key_name(name: str) -> None:
    # signed-note: a key name is non-empty UTF-8 with no Unicode whitespace and no '+'.
    if not name:
        raise VerifyError("empty key name")
    if "+" in name or any(ch.isspace() for ch in name):
        raise VerifyError(f"invalid key name {name!r}")


@dataclass
class NoteSignature:
    name: str
    key_id: bytes  # 4 bytes
    signature: bytes  # the rest


@dataclass
class Note:
    text: str  # the signed message: everything up to and including the newline before the blank line
    signatures: list[NoteSignature]


def parse_note(note: str | bytes) -> Note:
    """Split a signed note into text and signature lines; checks syntax only."""
    if isinstance(note, (bytes, bytearray)):
        try:
            note = bytes(note).decode("utf-8")
        except UnicodeDecodeError:
            raise VerifyError("note is not valid UTF-8") from None
    # No ASCII control characters other than newline (so no '\r', no tabs).
    for ch in note:
        if ch < " " and ch != "\n":
            raise VerifyError(f"note contains control character {ch!r}")
    # The text may itself contain blank lines, the signature block cannot, so
    # the separator is the LAST "\n\n". Text keeps its final newline.
    cut = note.rfind("\n\n")
    if cut < 0:
        raise VerifyError("note has no blank line before its signatures")
    text = note[: cut + 1]
    block = note[cut + 2 :]
    if not block:
        raise VerifyError("note has no signature lines")
    if not block.endswith("\n"):
        raise VerifyError("last signature line does not end in a newline")
    sigs: list[NoteSignature] = []
    for line in block[:-1].split("\n"):
        if not line.startswith(SIG_LINE_PREFIX):
            raise VerifyError(f"signature line does not start with an em dash and a space: {line!r}")
        parts = line[len(SIG_LINE_PREFIX) :].split(" ")
        if len(parts) != 2:
            raise VerifyError(f"signature line is not '\u2014 <name> <base64>': {line!r}")
        name, b64 = parts
        check_key_name(name)
        raw = b64decode_strict(b64, f"signature of {name!r}")
        if len(raw) < 5:  # 4-byte key ID and at least one byte of signature
            raise VerifyError(f"signature of {name!r} is too short")
        sigs.append(NoteSignature(name, raw[:4], raw[4:]))
    if len(sigs) > MAX_NOTE_SIGNATURES:
        raise VerifyError("note has too many signatures")
    return Note(text, sigs)


def verify_note(note: str | bytes, name: str, public_key: bytes) -> str:
    """Return the note text if it carries a valid Ed25519 signature by (name, key).

    Lines by other names or key IDs are ignored (notes may be cosigned by
    others). A line that claims to be by our key but does not verify rejects
    the whole note, as the signed-note spec asks.
    """
    check_key_name(name)
    kid = key_id(name, public_key)
    parsed = parse_note(note)
    try:
        pk = Ed25519PublicKey.from_public_bytes(bytes(public_key))
    except ValueError as e:
        raise VerifyError(f"bad Ed25519 public key: {e}") from None
    message = parsed.text.encode("utf-8")
    matched = 0
    for s in parsed.signatures:
        if s.name != name or s.key_id != kid:
            continue
        if len(s.signature) != 64:
            raise VerifyError(f"signature by {name!r} is {len(s.signature)} bytes, Ed25519 needs 64")
        try:
            pk.verify(s.signature, message)
        except InvalidSignature:
            raise VerifyError(f"signature by {name!r} (key ID {kid.hex()}) does not verify") from None
        matched += 1
    if not matched:
        raise VerifyError(f"no signature by {name!r} with key ID {kid.hex()}")
    return parsed.text


# ---------------------------------------------------------------------------
# C2SP tlog-checkpoint
# ---------------------------------------------------------------------------


@dataclass
class Checkpoint:
    origin: str
    size: int
    root: bytes
    extensions: list[str] = field(default_factory=list)


def parse_checkpoint_body(text: str) -> Checkpoint:
    """origin \\n size \\n base64(root) \\n [extension lines \\n]..."""
    if not text.endswith("\n"):
        raise VerifyError("checkpoint body does not end in a newline")
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise VerifyError("checkpoint body has fewer than three lines")
    origin, size_s, root_s, *ext = lines
    if not origin:
        raise VerifyError("checkpoint origin line is empty")
    size = parse_decimal(size_s, "checkpoint tree size")
    root = b64decode_strict(root_s, "checkpoint root hash")
    if len(root) != HASH_LEN:
        raise VerifyError(f"checkpoint root hash is {len(root)} bytes, want {HASH_LEN}")
    for e in ext:
        if not e:
            raise VerifyError("empty checkpoint extension line")
    return Checkpoint(origin, size, root, ext)


def open_checkpoint(note: str | bytes, origin: str, public_key: bytes) -> Checkpoint:
    """Verify the note under key name == origin, parse it, check its origin line."""
    text = verify_note(note, origin, public_key)
    cp = parse_checkpoint_body(text)
    if cp.origin != origin:
        raise VerifyError(f"checkpoint origin {cp.origin!r}, expected {origin!r}")
    return cp


def checkpoint_time(cp: Checkpoint) -> int:
    """The node's one extension line, "sjdj-time <unix seconds>"; no other extensions expected."""
    if len(cp.extensions) != 1:
        raise VerifyError(f"expected exactly one extension line ({TIME_EXTENSION} <unix seconds>), got {cp.extensions!r}")
    words = cp.extensions[0].split(" ")
    if len(words) != 2 or words[0] != TIME_EXTENSION:
        raise VerifyError(f"extension line {cp.extensions[0]!r} is not '{TIME_EXTENSION} <unix seconds>'")
    return parse_decimal(words[1], TIME_EXTENSION)


# ---------------------------------------------------------------------------
# Log entries
# ---------------------------------------------------------------------------


def _no_duplicate_keys(pairs):
    obj = {}
    for k, v in pairs:
        if k in obj:
            raise VerifyError(f"duplicate JSON key {k!r}")
        obj[k] = v
    return obj


def _no_nan(name):
    raise VerifyError(f"JSON constant {name} is not allowed")


def check_entry(data: bytes, position: int) -> dict:
    """Entry = ENTRY_LABEL followed by exactly one JSON object with "index" == position.

    Strict: no whitespace or other bytes around the object, no duplicate keys,
    no NaN/Infinity, and "index" must be a JSON integer (not a bool or float).
    """
    if data.startswith(ENTRY_LABEL_V2):
        body, v2 = data[len(ENTRY_LABEL_V2) :], True
    elif data.startswith(ENTRY_LABEL):
        body, v2 = data[len(ENTRY_LABEL) :], False
    else:
        raise VerifyError(f"entry {position} does not start with {ENTRY_LABEL!r} or {ENTRY_LABEL_V2!r}")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise VerifyError(f"entry {position}: JSON is not valid UTF-8") from None
    decoder = json.JSONDecoder(object_pairs_hook=_no_duplicate_keys, parse_constant=_no_nan)
    try:
        obj, end = decoder.raw_decode(text)  # raw_decode: no leading whitespace allowed
    except json.JSONDecodeError as e:
        raise VerifyError(f"entry {position}: not JSON ({e})") from None
    if end != len(text):
        raise VerifyError(f"entry {position}: {len(text) - end} trailing characters after the JSON object")
    if not isinstance(obj, dict):
        raise VerifyError(f"entry {position}: JSON value is not an object")
    if "index" not in obj:
        raise VerifyError(f"entry {position}: no \"index\" field")
    idx = obj["index"]
    if type(idx) is not int:  # bool is a subclass of int; exclude it
        raise VerifyError(f"entry {position}: \"index\" is {idx!r}, not an integer")
    if idx != position:
        raise VerifyError(f"entry at position {position} says index {idx}")
    commitments = list(find_commitments(obj))
    if v2:
        check_v2_publishes_only_public(obj, position)
    elif commitments:
        raise VerifyError(f"entry {position}: a v1 entry with commitments")
    for key, value in commitments:
        if not isinstance(value, str) or not _COMMITMENT.fullmatch(value):
            raise VerifyError(f"entry {position}: {key} is not 64 lower-case hex digits")
    return obj


def find_commitments(obj, top=True):
    """(key, value) of every "..._commitment" field anywhere in the entry."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k.endswith("_commitment"):
                yield k, v
            else:
                yield from find_commitments(v, False)
    elif isinstance(obj, list):
        for v in obj:
            yield from find_commitments(v, False)


def check_v2_publishes_only_public(obj: dict, position: int) -> None:
    what = f"entry {position} (v2)"
    actor = obj.get("actor")
    node_actor = actor == "system" or (isinstance(actor, str) and actor.startswith("node:"))
    if "holder" in obj:
        if not node_actor or "holder_commitment" in obj:
            raise VerifyError(f"{what}: the person behind actor {actor!r} is in clear")
    elif "holder_commitment" not in obj:
        raise VerifyError(f"{what}: neither holder nor holder_commitment")
    body = obj.get("body")
    if not isinstance(body, dict) or len(body) != 1:
        raise VerifyError(f"{what}: body is not one tagged object")
    (tag, inner), = body.items()
    if tag == "TokenCreated":
        if not isinstance(inner, dict) or "holder" in inner or "token_holder_commitment" not in inner:
            raise VerifyError(f"{what}: a token's holder is in clear")
    if tag == "Flow":
        event = inner.get("event") if isinstance(inner, dict) else None
        if not isinstance(event, dict) or len(event) != 1:
            raise VerifyError(f"{what}: flow event is not one tagged object")
        (step, fields), = event.items()
        want = V2_PRIVATE_STEPS.get(step)
        if want is not None and (not isinstance(fields, dict) or set(fields) != want):
            got = sorted(fields) if isinstance(fields, dict) else fields
            raise VerifyError(f"{what}: {step} holds {got}, not only {sorted(want)}")


def commitment(salt: bytes, value: str) -> str:
    return hashlib.sha256(COMMITMENT_LABEL + salt + value.encode("utf-8")).hexdigest()


def check_openings(obj: dict, openings, position: int) -> int:
    """Every commitment of the entry opened by one opening, and every opening opens one."""
    if not isinstance(openings, list):
        raise VerifyError(f"entry {position}: openings is not a list")
    by_field = {}
    for o in openings:
        if not isinstance(o, dict) or set(o) != {"field", "salt", "value"}:
            raise VerifyError(f"entry {position}: an opening is not {{field, salt, value}}")
        if o["field"] in by_field:
            raise VerifyError(f"entry {position}: two openings of {o['field']}")
        by_field[o["field"]] = o
    commitments = dict((k[: -len("_commitment")], v) for k, v in find_commitments(obj))
    if set(commitments) != set(by_field):
        raise VerifyError(f"entry {position}: commitments {sorted(commitments)} but openings {sorted(by_field)}")
    for f, c in commitments.items():
        o = by_field[f]
        try:
            salt = bytes.fromhex(o["salt"])
        except (TypeError, ValueError):
            raise VerifyError(f"entry {position}: the {f} salt is not hex") from None
        if len(salt) != 32 or commitment(salt, o["value"]) != c:
            raise VerifyError(f"entry {position}: the {f} opening does not open its commitment")
    return len(commitments)


# ---------------------------------------------------------------------------
# Bundle
# ---------------------------------------------------------------------------


def _int_field(obj: dict, key: str, what: str) -> int:
    v = obj.get(key)
    if type(v) is not int or v < 0:
        raise VerifyError(f"{what}: {key!r} is {v!r}, want a non-negative integer")
    return v


def verify_bundle(bundle: dict, report=print) -> int:
    """Run every check on a bundle; report(line) per check; return the count.

    Raises VerifyError at the first failure.
    """
    n_checks = 0

    def ok(msg: str) -> None:
        nonlocal n_checks
        n_checks += 1
        report(f"ok   {msg}")

    def step(what: str, fn, *args):
        try:
            return fn(*args)
        except VerifyError as e:
            raise VerifyError(f"{what}: {e}") from None

    if not isinstance(bundle, dict):
        raise VerifyError("bundle is not a JSON object")
    pub = step("public_key_hex", hex32, bundle.get("public_key_hex"), "public_key_hex")
    origin = bundle.get("origin")
    if not isinstance(origin, str) or not origin:
        raise VerifyError("bundle origin is missing or not a string")
    step("origin", check_key_name, origin)  # the origin is also the key name
    ok(f"key: origin {origin!r}, key ID {key_id(origin, pub).hex()}")

    # Entries.
    entries: list[bytes] = []
    for i, e in enumerate(bundle.get("entries_b64") or []):
        if not isinstance(e, str):
            raise VerifyError(f"entries_b64[{i}] is not a string")
        entries.append(step(f"entry {i}", b64decode_strict, e, f"entries_b64[{i}]"))
    openings = bundle.get("openings")
    for i, e in enumerate(entries):
        obj = step(f"entry {i}", check_entry, e, i)
        ok(f"entry {i}: label and index")
        if openings is not None:
            n = step(f"entry {i}", check_openings, obj, openings[i] if i < len(openings) else None, i)
            ok(f"entry {i}: {n} commitments opened")
    tree = PrefixRoots([leaf_hash(e) for e in entries])

    # Checkpoints.
    roots_by_size: dict[int, bytes] = {}
    for ci, c in enumerate(bundle.get("checkpoints") or []):
        what = f"checkpoint {ci}"
        if not isinstance(c, dict) or not isinstance(c.get("note"), str):
            raise VerifyError(f"{what}: no note text")
        text = step(what, verify_note, c["note"], origin, pub)
        ok(f"{what}: Ed25519 signature by {origin!r}")
        cp = step(what, parse_checkpoint_body, text)
        if cp.origin != origin:
            raise VerifyError(f"{what}: origin {cp.origin!r}, expected {origin!r}")
        ok(f"{what}: origin {cp.origin!r}")
        t = step(what, checkpoint_time, cp)
        ok(f"{what}: {TIME_EXTENSION} {t}")
        size = _int_field(c, "size", what)
        if cp.size != size:
            raise VerifyError(f"{what}: note says size {cp.size}, bundle lists {size}")
        ok(f"{what}: size {size}")
        listed_root = step(what, hex32, c.get("root_hex"), "root_hex")
        if cp.root != listed_root:
            raise VerifyError(f"{what}: note root {cp.root.hex()} != listed root_hex {listed_root.hex()}")
        ok(f"{what}: root equals root_hex")
        computed = step(what, tree.root, size)
        if computed != cp.root:
            raise VerifyError(f"{what}: root {cp.root.hex()} != MTH of the first {size} entries {computed.hex()}")
        ok(f"{what}: root equals our MTH over entries[:{size}] ({computed.hex()[:16]}...)")
        roots_by_size.setdefault(size, cp.root)

    # Inclusion proofs.
    for pi, p in enumerate(bundle.get("inclusion") or []):
        what = f"inclusion {pi}"
        if not isinstance(p, dict):
            raise VerifyError(f"{what}: not an object")
        index = _int_field(p, "index", what)
        tsize = _int_field(p, "tree_size", what)
        path = [step(what, hex32, h, f"hashes_hex[{j}]") for j, h in enumerate(p.get("hashes_hex") or [])]
        if index >= len(entries):
            raise VerifyError(f"{what}: entry {index} is not in the bundle")
        if tsize in roots_by_size:
            root, against = roots_by_size[tsize], "checkpoint"
        else:
            root, against = step(what, tree.root, tsize), "our MTH"
        step(what, verify_inclusion, leaf_hash(entries[index]), index, tsize, path, root)
        ok(f"{what}: entry {index} in tree of size {tsize} ({against} root, {len(path)} hashes)")

    # Consistency proofs.
    for pi, p in enumerate(bundle.get("consistency") or []):
        what = f"consistency {pi}"
        if not isinstance(p, dict):
            raise VerifyError(f"{what}: not an object")
        first = _int_field(p, "first", what)
        second = _int_field(p, "second", what)
        proof = [step(what, hex32, h, f"hashes_hex[{j}]") for j, h in enumerate(p.get("hashes_hex") or [])]
        r1 = step(what, tree.root, first)
        r2 = step(what, tree.root, second)
        step(what, verify_consistency, first, second, r1, r2, proof)
        ok(f"{what}: size {first} -> {second} ({len(proof)} hashes)")

    return n_checks


def main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[1] != "bundle":
        print(f"usage: {argv[0]} bundle FILE", file=sys.stderr)
        return 2
    try:
        with open(argv[2], "rb") as f:
            bundle = json.loads(f.read().decode("utf-8"))
    except (OSError, ValueError) as e:
        print(f"FAIL reading bundle {argv[2]}: {e}")
        return 1
    try:
        n = verify_bundle(bundle)
    except VerifyError as e:
        print(f"FAIL {e}")
        return 1
    print(f"log verifier: all {n} checks hold")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
