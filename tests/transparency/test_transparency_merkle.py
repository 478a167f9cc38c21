"""RFC 9162 Merkle tree: roots, inclusion and consistency proofs, checked by an independent verifier.

The verifier below is written from the RFC's structure in a different way from the library
(the "inner/border" decomposition of the proof, as in transparency-dev/merkle), so agreement
between the two is evidence, not an echo.
"""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ethicompass.transparency import (
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root_hash,
    verify_consistency,
    verify_inclusion,
)


# --------------------------------------------------------------- independent reference
def _h(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def ref_leaf(entry: bytes) -> bytes:
    return _h(b"\x00" + entry)


def ref_node(left: bytes, right: bytes) -> bytes:
    return _h(b"\x01" + left + right)


def ref_mth(entries: list[bytes]) -> bytes:
    """MTH straight from RFC 9162 §2.1.1, recursive on slices of the entries themselves."""
    n = len(entries)
    if n == 0:
        return _h(b"")
    if n == 1:
        return ref_leaf(entries[0])
    k = 1
    while k * 2 < n:
        k *= 2
    return ref_node(ref_mth(entries[:k]), ref_mth(entries[k:]))


def _decomp(index: int, size: int) -> tuple[int, int]:
    inner = (index ^ (size - 1)).bit_length()
    border = bin(index >> inner).count("1")
    return inner, border


def ref_verify_inclusion(index: int, size: int, leaf: bytes, proof: list[bytes], root: bytes) -> bool:
    if index >= size:
        return False
    inner, border = _decomp(index, size)
    if len(proof) != inner + border:
        return False
    h = leaf
    for i, p in enumerate(proof[:inner]):
        h = ref_node(h, p) if (index >> i) & 1 == 0 else ref_node(p, h)
    for p in proof[inner:]:
        h = ref_node(p, h)
    return h == root


def ref_verify_consistency(size1: int, size2: int, root1: bytes, root2: bytes, proof: list[bytes]) -> bool:
    if size1 == size2:
        return not proof and root1 == root2
    if size1 == 0:
        return not proof
    if not proof or size1 > size2:
        return False
    inner, border = _decomp(size1 - 1, size2)
    shift = (size1 & -size1).bit_length() - 1
    inner -= shift
    if size1 == 1 << shift:
        seed, rest = root1, proof
    else:
        seed, rest = proof[0], proof[1:]
    if len(rest) != inner + border:
        return False
    mask = (size1 - 1) >> shift
    h1 = seed
    for i, p in enumerate(rest[:inner]):
        if (mask >> i) & 1:
            h1 = ref_node(p, h1)
    h2 = seed
    for i, p in enumerate(rest[:inner]):
        h2 = ref_node(h2, p) if (mask >> i) & 1 == 0 else ref_node(p, h2)
    for p in rest[inner:]:
        h1 = ref_node(p, h1)
        h2 = ref_node(p, h2)
    return h1 == root1 and h2 == root2


# --------------------------------------------------------------- tests
ENTRIES = [f"entry-{i}".encode() for i in range(41)]
LEAVES = [leaf_hash(e) for e in ENTRIES]

# RFC 6962 / Certificate Transparency test vector (the 8 leaves used by every CT implementation)
CT_LEAVES = [
    bytes.fromhex(x)
    for x in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
CT_ROOT_8 = "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"


def test_known_vectors() -> None:
    assert root_hash([]).hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert root_hash([leaf_hash(e) for e in CT_LEAVES]).hex() == CT_ROOT_8
    assert ref_mth(CT_LEAVES).hex() == CT_ROOT_8


@pytest.mark.parametrize("n", range(41))
def test_root_matches_recursive_definition(n: int) -> None:
    assert root_hash(LEAVES[:n]) == ref_mth(ENTRIES[:n])


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 31, 40])
def test_every_inclusion_proof_verifies_independently(n: int) -> None:
    root = ref_mth(ENTRIES[:n])
    for i in range(n):
        path = inclusion_proof(i, LEAVES[:n])
        assert ref_verify_inclusion(i, n, LEAVES[i], path, root), (i, n)
        assert verify_inclusion(LEAVES[i], i, n, path, root)
        # the wrong leaf, index or root never verifies
        assert not verify_inclusion(LEAVES[(i + 1) % 40], i, n, path, root)
        if n > 1:
            assert not verify_inclusion(LEAVES[i], (i + 1) % n, n, path, root)
        assert not verify_inclusion(LEAVES[i], i, n, path, ref_mth(ENTRIES[: n + 1]))


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 16, 17, 32, 40])
def test_every_consistency_proof_verifies_independently(n: int) -> None:
    new_root = ref_mth(ENTRIES[:n])
    for m in range(0, n + 1):
        old_root = ref_mth(ENTRIES[:m])
        proof = consistency_proof(m, LEAVES[:n])
        assert ref_verify_consistency(m, n, old_root, new_root, proof), (m, n)
        assert verify_consistency(m, n, old_root, new_root, proof), (m, n)
        if 0 < m < n:
            forged = ref_mth([*ENTRIES[: m - 1], b"forged"])
            assert not verify_consistency(m, n, forged, new_root, proof)
            assert not ref_verify_consistency(m, n, forged, new_root, proof)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 300), st.data())
def test_proofs_property(n: int, data: st.DataObject) -> None:
    leaves = [leaf_hash(str(i).encode()) for i in range(n)]
    root = root_hash(leaves)
    i = data.draw(st.integers(0, n - 1))
    path = inclusion_proof(i, leaves)
    assert ref_verify_inclusion(i, n, leaves[i], path, root)
    assert verify_inclusion(leaves[i], i, n, path, root)
    m = data.draw(st.integers(1, n))
    proof = consistency_proof(m, leaves)
    assert ref_verify_consistency(m, n, root_hash(leaves[:m]), root, proof)
    assert verify_consistency(m, n, root_hash(leaves[:m]), root, proof)
    if path:
        j = data.draw(st.integers(0, len(path) - 1))
        bad = list(path)
        bad[j] = bytes(32)
        assert not verify_inclusion(leaves[i], i, n, bad, root)
    if proof and m < n:
        j = data.draw(st.integers(0, len(proof) - 1))
        bad = list(proof)
        bad[j] = bytes(32)
        assert not verify_consistency(m, n, root_hash(leaves[:m]), root, bad)
