#!/usr/bin/env python3
"""An independent reading of a bag's evidence record (RFC 4998), for the tests.

    python3 tests/ers_check.py BAG TSA_CA_PEM

Reads the bag's newest evidence file with asn1crypto, recomputes every leaf (the tag
manifest's hash; after the first chain, the hash of that hash and of the chains before;
after a chain's first timestamp, the hash of the timestamp before), walks each reduced
hash tree up to its root as RFC 4998 section 4.3 says, compares the root with the
token's message imprint, and has `openssl ts -verify` check each token over its root.
Prints one line per timestamp; exits 1 at the first thing that does not hold.
"""

import hashlib
import os
import subprocess
import sys
import tempfile

from asn1crypto import algos, cms, core, tsp  # tsp: TSTInfo inside the tokens


class PartialHashtree(core.SequenceOf):
    _child_spec = core.OctetString


class ReducedHashtree(core.SequenceOf):
    _child_spec = PartialHashtree


class ArchiveTimeStamp(core.Sequence):
    _fields = [
        ("digest_algorithm", algos.DigestAlgorithm, {"implicit": 0, "optional": True}),
        ("attributes", cms.CMSAttributes, {"implicit": 1, "optional": True}),
        ("reduced_hashtree", ReducedHashtree, {"implicit": 2, "optional": True}),
        ("time_stamp", cms.ContentInfo),
    ]


class ArchiveTimeStampChain(core.SequenceOf):
    _child_spec = ArchiveTimeStamp


class ArchiveTimeStampSequence(core.SequenceOf):
    _child_spec = ArchiveTimeStampChain


class DigestAlgorithms(core.SequenceOf):
    _child_spec = algos.DigestAlgorithm


class EvidenceRecord(core.Sequence):
    _fields = [
        ("version", core.Integer),
        ("digest_algorithms", DigestAlgorithms),
        ("archive_time_stamp_sequence", ArchiveTimeStampSequence),
    ]


def fail(message):
    print(f"FAIL {message}")
    sys.exit(1)


def newest_record(bag):
    names = [name for name in os.listdir(bag) if name == "evidence.ers" or
             (name.startswith("evidence-") and name.endswith(".ers"))]
    if not names:
        fail(f"{bag}: no evidence record")
    number = lambda name: 1 if name == "evidence.ers" else int(name[len("evidence-"):-len(".ers")])
    return os.path.join(bag, max(names, key=number))


def der_sequence(content):
    """A DER SEQUENCE around already encoded members, their bytes kept as they are."""
    length = len(content)
    if length < 0x80:
        header = bytes([length])
    else:
        octets = length.to_bytes((length.bit_length() + 7) // 8, "big")
        header = bytes([0x80 | len(octets)]) + octets
    return b"\x30" + header + content


def root_of(algorithm, leaf, reduced):
    """RFC 4998 4.3: the first list holds the leaf; each list, with the hash so far, sorted and hashed."""
    if reduced is None:
        return leaf
    lists = [[node.native for node in partial] for partial in reduced]
    if leaf not in lists[0]:
        fail("the first list of the reduced hash tree does not hold the leaf")
    # A first list of the leaf alone stands for the leaf itself.
    node = leaf if len(lists[0]) == 1 else hashlib.new(algorithm, b"".join(sorted(lists[0]))).digest()
    for members in lists[1:]:
        if node not in members:
            members = members + [node]
        node = hashlib.new(algorithm, b"".join(sorted(members))).digest()
    return node


def check_token(token, root, algorithm, ca):
    tst_info = token["content"]["encap_content_info"]["content"].parsed
    imprint = tst_info["message_imprint"]
    if imprint["hash_algorithm"]["algorithm"].native != algorithm:
        fail(f"the token's imprint uses {imprint['hash_algorithm']['algorithm'].native}, the chain {algorithm}")
    if imprint["hashed_message"].native != root:
        fail("the token's imprint is not the root of the reduced hash tree")
    with tempfile.TemporaryDirectory() as work:
        token_path = os.path.join(work, "token.der")
        with open(token_path, "wb") as out:
            out.write(token.dump())
        verified = subprocess.run(
            ["openssl", "ts", "-verify", "-token_in", "-in", token_path, "-digest", root.hex(), "-CAfile", ca],
            capture_output=True, text=True)
        if verified.returncode != 0 or "Verification: OK" not in verified.stdout:
            fail(f"openssl ts -verify: {verified.stdout}{verified.stderr}")
    return tst_info["gen_time"].native


def main():
    bag, ca = sys.argv[1], sys.argv[2]
    path = newest_record(bag)
    with open(os.path.join(bag, "tagmanifest-sha512.txt"), "rb") as manifest_file:
        manifest = manifest_file.read()
    record = EvidenceRecord.load(open(path, "rb").read(), strict=True)
    if record["version"].native != 1:
        fail("version is not 1")
    chains = record["archive_time_stamp_sequence"]
    for index, chain in enumerate(chains):
        algorithm = None
        for position, stamp in enumerate(chain):
            if stamp["digest_algorithm"].native is not None:
                algorithm = stamp["digest_algorithm"]["algorithm"].native
            token = stamp["time_stamp"]
            if algorithm is None:
                algorithm = token["content"]["encap_content_info"]["content"].parsed["message_imprint"][
                    "hash_algorithm"]["algorithm"].native
            if position > 0:
                leaf = hashlib.new(algorithm, chain[position - 1]["time_stamp"].dump()).digest()
            elif index == 0:
                leaf = hashlib.new(algorithm, manifest).digest()
            else:
                before = der_sequence(b"".join(chains[i].dump() for i in range(index)))
                both = hashlib.new(algorithm, manifest).digest() + hashlib.new(algorithm, before).digest()
                leaf = hashlib.new(algorithm, both).digest()
            reduced = stamp["reduced_hashtree"] if stamp["reduced_hashtree"].native is not None else None
            root = root_of(algorithm, leaf, reduced)
            time = check_token(token, root, algorithm, ca)
            print(f"ok chain {index + 1} timestamp {position + 1} {algorithm} {time.isoformat()}")


if __name__ == "__main__":
    main()
