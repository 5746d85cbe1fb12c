#!/usr/bin/env python3
"""Self-test of log_verifier.py with no Rust involved.

  * known answers: the RFC 6962 / Certificate Transparency reference tree
    (roots of sizes 0..8, two audit paths, two consistency proofs) and the
    golang.org/x/mod/sumdb/note "PeterNeumann" signed note;
  * random trees of sizes 1..70: every inclusion proof and every consistency
    proof from a reference generator written here straight from RFC 6962
    PATH (2.1.1) and SUBPROOF (2.1.2) verifies, and each mutation
    (a byte of a proof hash, a root, a leaf; wrong index or size; a hash
    dropped or added) is rejected;
  * signed notes and checkpoints made here with a fresh Ed25519 key;
  * entries, and an end-to-end bundle through the command line.

Prints "log verifier selftest: ok" and exits 0 when everything holds.
"""

from __future__ import annotations

import base64
import json
import os
import random
import subprocess
import sys
import tempfile

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import log_verifier as lv  # noqa: E402

VerifyError = lv.VerifyError
rng = random.Random(6962)
counts = {"accepted": 0, "rejected": 0}


def accepts(fn, *args):
    try:
        out = fn(*args)
    except VerifyError as e:
        raise AssertionError(f"{fn.__name__} rejected a valid input: {e}") from None
    counts["accepted"] += 1
    return out


def rejects(fn, *args, why=""):
    try:
        fn(*args)
    except VerifyError:
        counts["rejected"] += 1
        return
    raise AssertionError(f"{fn.__name__} accepted a bad input ({why})")


def rejects_because(fn, reason, *args):
    """Like rejects(), and the failure message must contain `reason`."""
    try:
        fn(*args)
    except VerifyError as e:
        assert reason in str(e), f"{fn.__name__} rejected for {e!r}, expected {reason!r}"
        counts["rejected"] += 1
        return
    raise AssertionError(f"{fn.__name__} accepted a bad input ({reason})")


def flip(b: bytes, pos: int | None = None) -> bytes:
    """Return b with one byte changed."""
    b = bytearray(b)
    pos = rng.randrange(len(b)) if pos is None else pos
    b[pos] ^= 1 << rng.randrange(8)
    return bytes(b)


# ---------------------------------------------------------------------------
# Reference generators, straight from RFC 6962 section 2.1 (recursive, slow,
# obviously-correct). They take raw entries D[0:n], not hashes.
# ---------------------------------------------------------------------------


def ref_mth(d: list[bytes]) -> bytes:
    n = len(d)
    if n == 0:
        return lv.sha256(b"")
    if n == 1:
        return lv.sha256(b"\x00" + d[0])
    k = 1
    while k * 2 < n:  # largest power of two < n
        k *= 2
    return lv.sha256(b"\x01" + ref_mth(d[:k]) + ref_mth(d[k:]))


def ref_path(m: int, d: list[bytes]) -> list[bytes]:
    """RFC 6962 2.1.1 PATH(m, D[n])."""
    n = len(d)
    if n == 1:
        assert m == 0
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return ref_path(m, d[:k]) + [ref_mth(d[k:])]
    return ref_path(m - k, d[k:]) + [ref_mth(d[:k])]


def ref_subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    """RFC 6962 2.1.2 SUBPROOF(m, D[n], b)."""
    n = len(d)
    if m == n:
        return [] if b else [ref_mth(d)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return ref_subproof(m, d[:k], b) + [ref_mth(d[k:])]
    return ref_subproof(m - k, d[k:], False) + [ref_mth(d[:k])]


def ref_proof(m: int, d: list[bytes]) -> list[bytes]:
    """RFC 6962 2.1.2 PROOF(m, D[n]) = SUBPROOF(m, D[n], true)."""
    return ref_subproof(m, d, True)


def stack_root(d: list[bytes]) -> bytes:
    """A second, iterative way to get MTH: merge equal-height subtrees as
    leaves arrive, then fold the leftover stack from the right."""
    stack: list[tuple[int, bytes]] = []  # (height, hash)
    for e in d:
        h, x = 0, lv.leaf_hash(e)
        while stack and stack[-1][0] == h:
            _, left = stack.pop()
            x, h = lv.node_hash(left, x), h + 1
        stack.append((h, x))
    if not stack:
        return lv.sha256(b"")
    acc = stack.pop()[1]
    while stack:
        acc = lv.node_hash(stack.pop()[1], acc)
    return acc


# ---------------------------------------------------------------------------
# Known answers
# ---------------------------------------------------------------------------

CT_LEAVES = [bytes.fromhex(x) for x in [
    "", "00", "10", "2021", "3031", "40414243",
    "5051525354555657", "606162636465666768696a6b6c6d6e6f"]]
CT_ROOTS = [bytes.fromhex(x) for x in [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",  # size 0
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"]]  # size 8
H = bytes.fromhex
CT_INCLUSION = [
    (0, 8, [H("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
            H("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            H("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")]),
    (5, 8, [H("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
            H("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
            H("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")]),
]
CT_CONSISTENCY = [
    (1, 8, CT_INCLUSION[0][2]),  # first = 1: same hashes as leaf 0's audit path
    (2, 5, [H("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            H("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b")]),
]

# golang.org/x/mod/sumdb/note example (note_test.go / package doc).
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_TEXT = ("If you think cryptography is the answer to your problem,\n"
           "then you don't know what your problem is.\n")
GO_NOTE = GO_TEXT + "\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"


def test_known_answers():
    assert lv.EMPTY_ROOT == CT_ROOTS[0]
    for n in range(9):
        assert lv.mth(CT_LEAVES[:n]) == CT_ROOTS[n], f"CT root of size {n}"
        assert ref_mth(CT_LEAVES[:n]) == CT_ROOTS[n]
        assert stack_root(CT_LEAVES[:n]) == CT_ROOTS[n]
    for i, n, path in CT_INCLUSION:
        assert ref_path(i, CT_LEAVES[:n]) == path, f"reference PATH({i}, {n})"
        accepts(lv.verify_inclusion, lv.leaf_hash(CT_LEAVES[i]), i, n, path, CT_ROOTS[n])
    for m, n, proof in CT_CONSISTENCY:
        assert ref_proof(m, CT_LEAVES[:n]) == proof, f"reference PROOF({m}, {n})"
        accepts(lv.verify_consistency, m, n, CT_ROOTS[m], CT_ROOTS[n], proof)
    # The split is the largest power of two below n, not the midpoint.
    assert [lv.split_point(n) for n in (2, 3, 4, 5, 6, 7, 8, 9, 17)] == [1, 2, 2, 4, 4, 4, 4, 8, 16]

    # Go sumdb/note: key ID, verification, and byte-for-byte signing (Ed25519 is deterministic).
    name, kid_hex, key_b64 = GO_VKEY.split("+", 2)
    typed = base64.b64decode(key_b64)
    assert typed[0] == 1 and len(typed) == 33
    pub = typed[1:]
    assert lv.key_id(name, pub).hex() == kid_hex
    assert accepts(lv.verify_note, GO_NOTE, name, pub) == GO_TEXT
    seed = base64.b64decode(GO_SKEY.split("+", 4)[4])[1:]
    sk = Ed25519PrivateKey.from_private_bytes(seed)
    assert raw_pub(sk) == pub
    assert sign_note(GO_TEXT, name, sk) == GO_NOTE
    rejects(lv.verify_note, GO_NOTE.replace("cryptography", "cryptographY"), name, pub, why="changed Go text")


# ---------------------------------------------------------------------------
# Random trees 1..70
# ---------------------------------------------------------------------------


def test_random_trees(max_n=70):
    data = [rng.randbytes(rng.randrange(0, 40)) for _ in range(max_n)]
    roots = [ref_mth(data[:n]) for n in range(max_n + 1)]
    for n in range(max_n + 1):
        assert lv.mth(data[:n]) == roots[n], f"mth size {n}"
        assert stack_root(data[:n]) == roots[n], f"stack root size {n}"
    pr = lv.PrefixRoots([lv.leaf_hash(d) for d in data])
    for n in range(max_n + 1):
        assert pr.root(n) == roots[n]

    for n in range(1, max_n + 1):
        d = data[:n]
        root = roots[n]
        for i in range(n):
            path = ref_path(i, d)
            lh = lv.leaf_hash(d[i])
            accepts(lv.verify_inclusion, lh, i, n, path, root)
            # One byte of each proof hash.
            for j in range(len(path)):
                bad = list(path)
                bad[j] = flip(bad[j])
                rejects(lv.verify_inclusion, lh, i, n, bad, root, why=f"proof byte, leaf {i} of {n}")
            # One byte of the root, of the leaf data, of the leaf hash.
            rejects(lv.verify_inclusion, lh, i, n, path, flip(root), why="root byte")
            if d[i]:
                rejects(lv.verify_inclusion, lv.leaf_hash(flip(d[i])), i, n, path, root, why="leaf byte")
            rejects(lv.verify_inclusion, lv.leaf_hash(d[i] + b"x"), i, n, path, root, why="leaf longer")
            rejects(lv.verify_inclusion, flip(lh), i, n, path, root, why="leaf hash byte")
            # The node hash of a leaf must not pass as a leaf (domain separation).
            rejects(lv.verify_inclusion, lv.sha256(d[i]), i, n, path, root, why="unprefixed leaf")
            # Wrong position or size.
            if i + 1 < n:
                rejects(lv.verify_inclusion, lh, i + 1, n, path, root, why="index + 1")
            if i > 0:
                rejects(lv.verify_inclusion, lh, i - 1, n, path, root, why="index - 1")
            # A wrong size, checked against that size's root. (Against the SAME
            # root a wrong size can pass: e.g. leaf 0 of size 3 and of size 4
            # have audit paths of the same shape. RFC 9162 binds the size only
            # through the root, which is why a checkpoint signs both.)
            if n + 1 <= max_n:
                rejects(lv.verify_inclusion, lh, i, n + 1, path, roots[n + 1], why="size + 1")
            if n - 1 > i:
                rejects(lv.verify_inclusion, lh, i, n - 1, path, roots[n - 1], why="size - 1")
            rejects(lv.verify_inclusion, lh, n, n, path, root, why="index == size")
            # Shape.
            if path:
                rejects(lv.verify_inclusion, lh, i, n, path[:-1], root, why="dropped last hash")
                rejects(lv.verify_inclusion, lh, i, n, path[1:], root, why="dropped first hash")
            rejects(lv.verify_inclusion, lh, i, n, path + [rng.randbytes(32)], root, why="extra hash")
            rejects(lv.verify_inclusion, lh, i, n, path + [root], root, why="extra hash = root")
            # An over-long path must be refused by the height bound (step 4a),
            # not only by luck of the final root comparison.
            rejects_because(lv.verify_inclusion, "too long", lh, i, n, path + [rng.randbytes(32)], root)
            if len(path) >= 2 and path[0] != path[1]:
                rejects(lv.verify_inclusion, lh, i, n, [path[1], path[0]] + path[2:], root, why="swapped")

        for m in range(1, n + 1):
            proof = ref_proof(m, d)
            r1 = roots[m]
            accepts(lv.verify_consistency, m, n, r1, root, proof)
            if m == n:
                assert proof == []
                rejects(lv.verify_consistency, m, n, r1, flip(root), [], why="equal sizes, different roots")
                rejects(lv.verify_consistency, m, n, r1, root, [rng.randbytes(32)], why="equal sizes, non-empty proof")
                continue
            for j in range(len(proof)):
                bad = list(proof)
                bad[j] = flip(bad[j])
                rejects(lv.verify_consistency, m, n, r1, root, bad, why=f"proof byte {m}->{n}")
            rejects(lv.verify_consistency, m, n, flip(r1), root, proof, why="first root byte")
            rejects(lv.verify_consistency, m, n, r1, flip(root), proof, why="second root byte")
            # A rewritten history: one leaf byte changed inside the old tree...
            j = rng.randrange(m)
            d2 = list(d)
            d2[j] = flip(d2[j]) if d2[j] else b"\x00"
            rejects(lv.verify_consistency, m, n, r1, ref_mth(d2), proof, why="old leaf changed in new tree")
            # (Rewriting the leaf in BOTH trees is not a test: D2[:m] really is a
            # prefix of D2, and for m a power of two the proof holds no old hashes.)
            rejects(lv.verify_consistency, m, n, ref_mth(d2[:m]), root, proof, why="old leaf changed in old tree")
            # ...or a leaf in the new part changed without a matching proof.
            j = rng.randrange(m, n)
            d3 = list(d)
            d3[j] = flip(d3[j]) if d3[j] else b"\x00"
            rejects(lv.verify_consistency, m, n, r1, ref_mth(d3), proof, why="new leaf changed")
            # Wrong sizes and shapes.
            # Wrong sizes, each with that size's own root (sizes are bound
            # through roots, as for inclusion above).
            if n + 1 <= max_n:
                rejects(lv.verify_consistency, m, n + 1, r1, roots[n + 1], proof, why="second + 1")
            if m > 1:
                rejects(lv.verify_consistency, m - 1, n, roots[m - 1], root, proof, why="first - 1")
            if m + 1 < n:
                rejects(lv.verify_consistency, m + 1, n, roots[m + 1], root, proof, why="first + 1")
            rejects(lv.verify_consistency, n, m, root, r1, proof, why="sizes swapped")
            rejects(lv.verify_consistency, m, n, r1, root, [], why="empty proof")
            rejects(lv.verify_consistency, m, n, r1, root, proof[:-1], why="dropped last hash")
            rejects(lv.verify_consistency, m, n, r1, root, proof + [rng.randbytes(32)], why="extra hash")
            rejects_because(lv.verify_consistency, "too long", m, n, r1, root, proof + [rng.randbytes(32)])
            if len(proof) >= 2 and proof[0] != proof[1]:
                rejects(lv.verify_consistency, m, n, r1, root, [proof[1], proof[0]] + proof[2:], why="swapped")
            if lv.is_power_of_two(m):
                # The verifier supplies the old root itself; sending it too is wrong.
                rejects(lv.verify_consistency, m, n, r1, root, [r1] + proof, why="old root sent for power of two")

    # Degenerate arguments.
    rejects(lv.verify_consistency, 0, 5, roots[0], roots[5], [], why="first == 0 (unsupported)")
    rejects(lv.verify_inclusion, lv.leaf_hash(data[0]), 0, 0, [], roots[0], why="empty tree")
    rejects(lv.verify_inclusion, lv.leaf_hash(data[0]), -1, 5, [], roots[5], why="negative index")
    rejects(lv.verify_inclusion, lv.leaf_hash(data[0])[:31], 0, 1, [], roots[1], why="short leaf hash")
    rejects(lv.verify_inclusion, lv.leaf_hash(data[0]), 0, 2, [roots[0][:31]], roots[2], why="short path hash")


# ---------------------------------------------------------------------------
# Signed notes and checkpoints with a fresh key
# ---------------------------------------------------------------------------


def raw_pub(sk: Ed25519PrivateKey) -> bytes:
    return sk.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def sig_line(text: str, name: str, sk: Ed25519PrivateKey, kid: bytes | None = None) -> str:
    kid = lv.key_id(name, raw_pub(sk)) if kid is None else kid
    blob = kid + sk.sign(text.encode("utf-8"))
    return f"\u2014 {name} {base64.b64encode(blob).decode()}\n"


def sign_note(text: str, name: str, sk: Ed25519PrivateKey) -> str:
    return text + "\n" + sig_line(text, name, sk)


def checkpoint_text(origin: str, size: int, root: bytes, t: int = 1700000000, ext=None) -> str:
    ext = [f"sjdj-time {t}"] if ext is None else ext
    return "".join(f"{x}\n" for x in [origin, str(size), base64.b64encode(root).decode(), *ext])


def test_notes():
    origin = "sjdj.example/test-log"
    sk = Ed25519PrivateKey.generate()
    pub = raw_pub(sk)
    other = Ed25519PrivateKey.generate()
    root = lv.sha256(b"some root")
    text = checkpoint_text(origin, 5, root)
    note = sign_note(text, origin, sk)

    assert accepts(lv.verify_note, note, origin, pub) == text
    assert accepts(lv.verify_note, note.encode("utf-8"), origin, pub) == text
    cp = accepts(lv.open_checkpoint, note, origin, pub)
    assert (cp.origin, cp.size, cp.root, cp.extensions) == (origin, 5, root, ["sjdj-time 1700000000"])
    assert lv.checkpoint_time(cp) == 1700000000

    # Changed body, signature kept.
    rejects(lv.verify_note, note.replace("\n5\n", "\n6\n", 1), origin, pub, why="changed size")
    rejects(lv.verify_note, note.replace("1700000000", "1700000001"), origin, pub, why="changed time")
    rejects(lv.verify_note, "x" + note, origin, pub, why="changed origin")
    body_b64 = base64.b64encode(root).decode()
    rejects(lv.verify_note, note.replace(body_b64, base64.b64encode(flip(root)).decode()), origin, pub, why="changed root")
    # Wrong key, wrong name.
    rejects(lv.verify_note, note, origin, raw_pub(other), why="wrong key")
    rejects(lv.verify_note, note, origin + "x", pub, why="wrong name")
    rejects(lv.verify_note, sign_note(text, origin + "x", sk), origin, pub, why="signed under another name")
    rejects(lv.verify_note, sign_note(text, origin, other), origin, pub, why="signed by another key")
    # Right name, right key ID, bad signature: rejects the whole note.
    rejects(lv.verify_note, text + "\n" + sig_line(text + "x", origin, sk), origin, pub, why="bad signature")
    # Another name with OUR key ID and a valid signature by our key: the name
    # must match too, so this line does not count.
    rejects(lv.verify_note, text + "\n" + sig_line(text, "impostor.example", sk, kid=lv.key_id(origin, pub)),
            origin, pub, why="right key ID under another name")
    # Right name and key, wrong key ID in the line: does not count.
    rejects(lv.verify_note, text + "\n" + sig_line(text, origin, sk, kid=b"\0\0\0\0"), origin, pub, why="wrong key ID")
    # Other signers' lines are ignored (cosignatures), in either order.
    cosig = sig_line(text, "witness.example", other)
    accepts(lv.verify_note, note + cosig, origin, pub)
    accepts(lv.verify_note, text + "\n" + cosig + sig_line(text, origin, sk), origin, pub)
    rejects(lv.verify_note, text + "\n" + cosig, origin, pub, why="only a cosignature")
    # A good line plus a bad line by the same key: rejected.
    rejects(lv.verify_note, note + sig_line("other\n", origin, sk), origin, pub, why="second bad sig by same key")
    # Syntax.
    rejects(lv.verify_note, note.replace("\n\n", "\n", 1), origin, pub, why="no blank line")
    rejects(lv.verify_note, text + "\n", origin, pub, why="no signature lines")
    rejects(lv.verify_note, note[:-1], origin, pub, why="no final newline")
    rejects(lv.verify_note, note.replace("\u2014 ", "-- "), origin, pub, why="ASCII dashes")
    rejects(lv.verify_note, note.replace("\u2014 ", "\u2013 "), origin, pub, why="en dash")
    rejects(lv.verify_note, note.replace("\u2014 ", "\u2014  "), origin, pub, why="two spaces")
    rejects(lv.verify_note, note + "\n", origin, pub, why="trailing blank line")
    rejects(lv.verify_note, note.replace("\n", "\r\n"), origin, pub, why="CRLF")
    rejects(lv.verify_note, note.replace("=\n", "\n"), origin, pub, why="unpadded base64")
    rejects(lv.verify_note, b"\xff" + note.encode(), origin, pub, why="not UTF-8")
    # Key name rules: no '+', no spaces.
    rejects(lv.verify_note, note, "a+b", pub, why="'+' in name")

    # Checkpoint body rules.
    def signed(t):
        return sign_note(t, origin, sk)

    rejects(lv.open_checkpoint, signed(checkpoint_text("other.example/log", 5, root)), origin, pub, why="origin mismatch")
    rejects(lv.open_checkpoint, signed(text.replace("\n5\n", "\n05\n")), origin, pub, why="leading zero size")
    rejects(lv.open_checkpoint, signed(text.replace("\n5\n", "\n+5\n")), origin, pub, why="signed size")
    rejects(lv.open_checkpoint, signed(text.replace("\n5\n", "\n\u0665\n")), origin, pub, why="non-ASCII digit")
    rejects(lv.open_checkpoint, signed(checkpoint_text(origin, 5, root[:31])), origin, pub, why="31-byte root")
    rejects(lv.open_checkpoint, signed(checkpoint_text(origin, 5, root, ext=[""])), origin, pub, why="empty extension line")
    rejects(lv.open_checkpoint, signed(f"{origin}\n5\n"), origin, pub, why="two lines")
    cp0 = accepts(lv.open_checkpoint, signed(checkpoint_text(origin, 0, lv.EMPTY_ROOT)), origin, pub)
    assert cp0.size == 0
    cp_noext = accepts(lv.open_checkpoint, signed(checkpoint_text(origin, 5, root, ext=[])), origin, pub)
    rejects(lv.checkpoint_time, cp_noext, why="no sjdj-time")
    cp_two = accepts(lv.open_checkpoint, signed(checkpoint_text(origin, 5, root, ext=["sjdj-time 1", "other x"])), origin, pub)
    rejects(lv.checkpoint_time, cp_two, why="extra extension")
    cp_bad = accepts(lv.open_checkpoint, signed(checkpoint_text(origin, 5, root, ext=["sjdj-time 01"])), origin, pub)
    rejects(lv.checkpoint_time, cp_bad, why="non-canonical time")


# ---------------------------------------------------------------------------
# Entries
# ---------------------------------------------------------------------------


def entry(i, **extra) -> bytes:
    return lv.ENTRY_LABEL + json.dumps({"index": i, **extra}, separators=(",", ":")).encode()


def test_entries():
    accepts(lv.check_entry, entry(0, kind="register", code="ABC"), 0)
    accepts(lv.check_entry, entry(41), 41)
    rejects(lv.check_entry, entry(3), 4, why="wrong index")
    rejects(lv.check_entry, entry(3)[len(lv.ENTRY_LABEL):], 3, why="no label")
    rejects(lv.check_entry, b"sjdj/log-entry/v3\n" + entry(3)[len(lv.ENTRY_LABEL):], 3, why="other label")
    # v2: only what is public by design, private parts as commitments.
    c = lv.commitment(b"\x01" * 32, "受理员王五")
    v2 = lambda **extra: lv.ENTRY_LABEL_V2 + json.dumps(
        {"index": 5, "at": 1, "actor": "T1", **extra}, separators=(",", ":"), ensure_ascii=False
    ).encode()
    flow = lambda step, fields: {"Flow": {"application_id": "A1", "event": {step: fields}}}
    accepts(lv.check_entry, v2(holder_commitment=c, body={"ClockAdvanced": {"seconds": 1, "offset": 1}}), 5)
    accepts(lv.check_entry, v2(holder="system", actor="system", body=flow("Registered", {"code": "X"})), 5)
    rejects(lv.check_entry, v2(holder="王五", body={"ClockAdvanced": {}}), 5, why="v2 holder in clear")
    rejects(lv.check_entry, v2(holder_commitment="ab", body={"ClockAdvanced": {}}), 5, why="short commitment")
    rejects(
        lv.check_entry,
        v2(holder_commitment=c, body={"TokenCreated": {"token_id": "T1", "holder": "王五"}}),
        5,
        why="v2 token holder in clear",
    )
    rejects(
        lv.check_entry,
        v2(holder_commitment=c, body=flow("Withdrawn", {"reason": "撤回"})),
        5,
        why="v2 withdrawal reason in clear",
    )
    rejects(
        lv.check_entry,
        v2(holder_commitment=c, body=flow("Created", {"application_commitment": c, "contact_commitment": c, "materials": {}})),
        5,
        why="v2 draft materials in clear",
    )
    rejects(lv.check_entry, entry(5, holder_commitment=c), 5, why="v1 entry with a commitment")
    obj = lv.check_entry(v2(holder_commitment=c, body={"ClockAdvanced": {}}), 5)
    accepts(lv.check_openings, obj, [{"field": "holder", "salt": "01" * 32, "value": "受理员王五"}], 5)
    rejects(lv.check_openings, obj, [{"field": "holder", "salt": "01" * 32, "value": "受理员王六"}], 5, why="wrong opening")
    rejects(lv.check_openings, obj, [], 5, why="missing opening")
    rejects(lv.check_entry, lv.ENTRY_LABEL + b'{"index":true}', 1, why="bool index")
    rejects(lv.check_entry, lv.ENTRY_LABEL + b'{"index":1.0}', 1, why="float index")
    rejects(lv.check_entry, lv.ENTRY_LABEL + b'{"index":"1"}', 1, why="string index")
    rejects(lv.check_entry, lv.ENTRY_LABEL + b'{"x":1}', 1, why="no index")
    rejects(lv.check_entry, lv.ENTRY_LABEL + b'{"index":1,"index":2}', 1, why="duplicate key")
    rejects(lv.check_entry, lv.ENTRY_LABEL + b'{"index":1}{"index":2}', 1, why="two objects")
    rejects(lv.check_entry, lv.ENTRY_LABEL + b'[1]', 1, why="array")
    rejects(lv.check_entry, lv.ENTRY_LABEL + b'{"index":1,"v":NaN}', 1, why="NaN")


# ---------------------------------------------------------------------------
# End-to-end bundle through the command line
# ---------------------------------------------------------------------------


def make_bundle(n=23):
    origin = "sjdj.example/selftest"
    sk = Ed25519PrivateKey.generate()
    entries = [entry(i, payload=rng.randbytes(8).hex()) for i in range(n)]
    sizes = [1, 2, 7, 8, 16, n]
    cps = []
    for t, s in enumerate(sizes):
        r = ref_mth(entries[:s])
        cps.append({"note": sign_note(checkpoint_text(origin, s, r, t=1700000000 + t), origin, sk),
                    "size": s, "root_hex": r.hex()})
    incl = [{"index": i, "tree_size": t, "hashes_hex": [h.hex() for h in ref_path(i, entries[:t])]}
            for (i, t) in [(0, 1), (0, n), (5, 7), (6, 7), (n - 1, n), (3, 11)]]  # size 11 has no checkpoint
    cons = [{"first": a, "second": b, "hashes_hex": [h.hex() for h in ref_proof(a, entries[:b])]}
            for (a, b) in [(1, 2), (2, 7), (7, 8), (8, 16), (16, n), (1, n), (n, n), (3, 5)]]
    return {
        "public_key_hex": raw_pub(sk).hex(),
        "origin": origin,
        "entries_b64": [base64.b64encode(e).decode() for e in entries],
        "checkpoints": cps,
        "inclusion": incl,
        "consistency": cons,
    }


def run_cli(bundle) -> tuple[int, str]:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(bundle, f)
        path = f.name
    try:
        here = os.path.dirname(os.path.abspath(__file__))
        p = subprocess.run([sys.executable, os.path.join(here, "log_verifier.py"), "bundle", path],
                           capture_output=True, text=True)
        return p.returncode, p.stdout
    finally:
        os.unlink(path)


def test_bundle():
    good = make_bundle()
    n = accepts(lv.verify_bundle, good, lambda line: None)
    code, out = run_cli(good)
    assert code == 0, out
    assert out.strip().splitlines()[-1] == f"log verifier: all {n} checks hold", out

    def mutated(fn):
        b = json.loads(json.dumps(good))
        fn(b)
        return b

    bad_cases = {
        "entry changed": lambda b: b["entries_b64"].__setitem__(
            4, base64.b64encode(entry(4, payload="forged")).decode()),
        "entry dropped": lambda b: b["entries_b64"].pop(),
        "entries swapped": lambda b: b["entries_b64"].__setitem__(
            slice(2, 4), [b["entries_b64"][3], b["entries_b64"][2]]),
        "listed root changed": lambda b: b["checkpoints"][2].__setitem__(
            "root_hex", flip(bytes.fromhex(b["checkpoints"][2]["root_hex"])).hex()),
        "listed size changed": lambda b: b["checkpoints"][1].__setitem__("size", 3),
        "other key": lambda b: b.__setitem__("public_key_hex", raw_pub(Ed25519PrivateKey.generate()).hex()),
        "other origin": lambda b: b.__setitem__("origin", "sjdj.example/other"),
        "note body changed": lambda b: b["checkpoints"][0].__setitem__(
            "note", b["checkpoints"][0]["note"].replace("1700000000", "1700000009")),
        "inclusion hash flipped": lambda b: b["inclusion"][1]["hashes_hex"].__setitem__(
            0, flip(bytes.fromhex(b["inclusion"][1]["hashes_hex"][0])).hex()),
        "inclusion index moved": lambda b: b["inclusion"][2].__setitem__("index", 4),
        "consistency hash flipped": lambda b: b["consistency"][1]["hashes_hex"].__setitem__(
            -1, flip(bytes.fromhex(b["consistency"][1]["hashes_hex"][-1])).hex()),
        "consistency past the end": lambda b: b["consistency"][4].__setitem__("second", 24),
    }
    for why, fn in bad_cases.items():
        b = mutated(fn)
        rejects(lv.verify_bundle, b, lambda line: None, why=why)
    code, out = run_cli(mutated(bad_cases["entry changed"]))
    assert code == 1 and out.strip().splitlines()[-1].startswith("FAIL"), out


def main() -> int:
    test_known_answers()
    test_random_trees()
    test_notes()
    test_entries()
    test_bundle()
    print(f"  {counts['accepted']} valid inputs accepted, {counts['rejected']} bad inputs rejected")
    print("log verifier selftest: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
