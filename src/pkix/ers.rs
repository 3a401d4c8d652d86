//! Evidence records (RFC 4998, Evidence Record Syntax): one timestamp proves that many data
//! objects existed, through a hash tree over them; renewals keep the proof alive when a
//! TSA certificate nears its end (a timestamp renewal) or a hash algorithm weakens (a
//! hash-tree renewal). This module builds trees and their reduced forms, and checks a
//! record against its data object. It knows nothing of archives or files.
//!
//! Trees are built so that every node below the root has at least one sibling (a level
//! with an odd count ends in a group of three), so each list of a reduced tree above the
//! first holds only siblings, and a checker adds the hash it computed, as RFC 4998 §4.3
//! describes. A tree of one leaf has no reduced tree: its timestamp stamps the leaf.

use std::collections::BTreeMap;
use std::time::SystemTime;

use cms::content_info::ContentInfo;
use const_oid::ObjectIdentifier;
use const_oid::db::rfc5912;
use der::asn1::OctetString;
use der::{Any, Decode, DecodeValue, Encode, EncodeValue, FixedTag, Header, Length, Reader, Sequence, Tag, Writer};
use spki::AlgorithmIdentifierOwned;

use super::asn1::MessageImprint;
use super::digest::{hash, imprint};
use super::path::TrustStore;
use super::tsp::{check_token, check_token_until};
use super::verdict::{Check, Invalid, TokenInfo, rejected};

/// The largest evidence record read: one with a hundred renewals is still far smaller.
pub const MAX_RECORD_BYTES: usize = 1 << 20;
/// More timestamps than a record needs in centuries of renewals.
const MAX_TIMESTAMPS: usize = 400;
/// More hash-tree renewals than centuries of new hash algorithms call for; each chain's
/// check hashes the chains before it.
const MAX_CHAINS: usize = 50;
/// A list of a reduced tree holds the siblings of one node; ours hold one or two.
const MAX_LIST_LENGTH: usize = 1024;
/// Deeper than a tree over every version an archive will ever hold.
const MAX_DEPTH: usize = 64;

/// EvidenceRecord (RFC 4998 §3).
#[derive(Clone, Debug, Sequence)]
pub struct EvidenceRecord {
    pub version: u8,
    pub digest_algorithms: Vec<AlgorithmIdentifierOwned>,
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    pub crypto_infos: Option<Opaque<false>>,
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    pub encryption_info: Option<EncryptionInfo>,
    pub archive_time_stamp_sequence: Vec<ArchiveTimeStampChain>,
}

/// EncryptionInfo: for encrypted data objects, which seloste does not archive.
#[derive(Clone, Debug, Sequence)]
pub struct EncryptionInfo {
    pub encryption_info_type: ObjectIdentifier,
    pub encryption_info_value: Any,
}

/// A SET (`SET` true) or SEQUENCE that seloste does not interpret (crypto infos,
/// attributes), kept byte for byte: decoding it as what it holds would sort a SET OF
/// (slowly, for a crafted one) and could change the bytes that hashing earlier chains
/// must see as they were.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Opaque<const SET: bool>(pub Vec<u8>);

impl<const SET: bool> FixedTag for Opaque<SET> {
    const TAG: Tag = if SET { Tag::Set } else { Tag::Sequence };
}

impl<'a, const SET: bool> DecodeValue<'a> for Opaque<SET> {
    fn decode_value<R: Reader<'a>>(reader: &mut R, header: Header) -> der::Result<Self> {
        reader.read_vec(header.length).map(Opaque)
    }
}

impl<const SET: bool> EncodeValue for Opaque<SET> {
    fn value_len(&self) -> der::Result<Length> {
        Length::try_from(self.0.len())
    }

    fn encode_value(&self, writer: &mut impl Writer) -> der::Result<()> {
        writer.write(&self.0)
    }
}

/// The timestamps that renew one another, all with one hash algorithm.
pub type ArchiveTimeStampChain = Vec<ArchiveTimeStamp>;
/// One list of a reduced hash tree.
pub type PartialHashtree = Vec<OctetString>;

/// ArchiveTimeStamp (RFC 4998 §4.1).
#[derive(Clone, Debug, Sequence)]
pub struct ArchiveTimeStamp {
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    pub digest_algorithm: Option<AlgorithmIdentifierOwned>,
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    pub attributes: Option<Opaque<true>>,
    #[asn1(context_specific = "2", tag_mode = "IMPLICIT", optional = "true")]
    pub reduced_hashtree: Option<Vec<PartialHashtree>>,
    pub time_stamp: ContentInfo,
}

/// The hash algorithms an evidence record may use, by the names the command line takes.
pub fn digest_algorithm(name: &str) -> Option<ObjectIdentifier> {
    match name.to_ascii_lowercase().replace('-', "").as_str() {
        "sha256" => Some(rfc5912::ID_SHA_256),
        "sha384" => Some(rfc5912::ID_SHA_384),
        "sha512" => Some(rfc5912::ID_SHA_512),
        _ => None,
    }
}

pub fn digest_name(algorithm: &ObjectIdentifier) -> &'static str {
    match *algorithm {
        rfc5912::ID_SHA_256 => "SHA-256",
        rfc5912::ID_SHA_384 => "SHA-384",
        rfc5912::ID_SHA_512 => "SHA-512",
        _ => "an unsupported hash algorithm",
    }
}

fn digest(algorithm: &ObjectIdentifier, bytes: &[u8]) -> Check<Vec<u8>> {
    hash(algorithm, bytes).ok_or_else(|| Invalid::Rejected(format!("{algorithm} is not a hash algorithm we accept")))
}

/// The hash of a node: its members sorted in binary ascending order and concatenated.
fn node_hash(algorithm: &ObjectIdentifier, members: &[&[u8]]) -> Check<Vec<u8>> {
    let mut sorted = members.to_vec();
    sorted.sort();
    digest(algorithm, &sorted.concat())
}

type Hash = Vec<u8>;
/// The lists of a reduced tree, bottom up.
type Lists = Vec<Vec<Hash>>;

/// A hash tree over a set of leaf hashes, with each leaf's reduced tree.
pub struct HashTree {
    pub algorithm: ObjectIdentifier,
    pub root: Hash,
    reduced: BTreeMap<Hash, Lists>,
}

impl HashTree {
    /// Builds the tree over `leaves` (duplicates count once). `leaves` must not be empty.
    pub fn build(algorithm: ObjectIdentifier, leaves: &[Hash]) -> Check<HashTree> {
        let mut level: Vec<Hash> = leaves.to_vec();
        level.sort();
        level.dedup();
        if level.is_empty() {
            return rejected("a hash tree needs at least one leaf");
        }
        // For each leaf: the node of the current level it has reached, and its lists so far.
        let mut paths: BTreeMap<Hash, (Hash, Lists)> =
            level.iter().map(|leaf| (leaf.clone(), (leaf.clone(), Vec::new()))).collect();
        let mut first_level = true;
        while level.len() > 1 {
            let mut parents = Vec::new();
            // Each node's parent, and the list its leaves' reduced trees get for this level.
            let mut parent_of: BTreeMap<Hash, (Hash, Option<Vec<Hash>>)> = BTreeMap::new();
            for group in groups(&level, first_level) {
                if let [alone] = group {
                    parent_of.insert(alone.clone(), (alone.clone(), None));
                    parents.push(alone.clone());
                    continue;
                }
                let members: Vec<&[u8]> = group.iter().map(Vec::as_slice).collect();
                let parent = node_hash(&algorithm, &members)?;
                for node in group {
                    let listed: Vec<Hash> = if first_level {
                        group.to_vec()
                    } else {
                        group.iter().filter(|other| *other != node).cloned().collect()
                    };
                    parent_of.insert(node.clone(), (parent.clone(), Some(listed)));
                }
                parents.push(parent);
            }
            for (node, lists) in paths.values_mut() {
                let (parent, listed) = parent_of[node.as_slice()].clone();
                lists.extend(listed);
                *node = parent;
            }
            parents.sort();
            level = parents;
            first_level = false;
        }
        let root = level.remove(0);
        let reduced = paths.into_iter().map(|(leaf, (_, lists))| (leaf, lists)).collect();
        Ok(HashTree { algorithm, root, reduced })
    }

    /// The reduced tree proving `leaf`, as an ArchiveTimeStamp carries it: `None` for
    /// the leaf of a tree of one, and for a hash that is not a leaf of this tree.
    pub fn reduced(&self, leaf: &[u8]) -> Option<Vec<PartialHashtree>> {
        let lists = self.reduced.get(leaf).filter(|lists| !lists.is_empty())?;
        lists
            .iter()
            .map(|list| list.iter().map(|hash| OctetString::new(hash.clone())).collect::<Result<Vec<_>, _>>())
            .collect::<Result<Vec<_>, _>>()
            .ok()
    }
}

/// Pairs. Among the leaves, an odd one joins the last pair, so that every leaf's first
/// list holds it with its siblings; above them, an odd node is carried up unpaired, so
/// that every later list holds exactly one sibling, which every reading of RFC 4998 (and
/// Bouncy Castle's) combines the same way.
fn groups(level: &[Hash], first_level: bool) -> Vec<&[Hash]> {
    let mut groups: Vec<&[Hash]> = level.chunks(2).collect();
    if first_level && groups.len() > 1 && groups.last().is_some_and(|last| last.len() == 1) {
        groups.pop();
        let start = level.len() - 3;
        groups.pop();
        groups.push(&level[start..]);
    }
    groups
}

/// The root a reduced tree leads to from `leaf` (RFC 4998 §4.3): the first list must hold
/// the leaf; each list's members, with the hash computed so far, hashed in sorted order.
pub fn root_from(algorithm: &ObjectIdentifier, leaf: &[u8], reduced: Option<&[PartialHashtree]>) -> Check<Vec<u8>> {
    let Some(lists) = reduced else { return Ok(leaf.to_vec()) };
    let Some((first, rest)) = lists.split_first() else {
        return rejected("the reduced hash tree is empty");
    };
    if lists.len() > MAX_DEPTH || lists.iter().any(|list| list.is_empty() || list.len() > MAX_LIST_LENGTH) {
        return rejected("the reduced hash tree is malformed (an empty or oversized list)");
    }
    if lists.iter().flatten().any(|hash| hash.as_bytes().len() != leaf.len()) {
        return rejected("the reduced hash tree holds a value that is not a hash of its algorithm");
    }
    if !first.iter().any(|hash| hash.as_bytes() == leaf) {
        return rejected("the reduced hash tree does not contain the data's hash: it proves other data");
    }
    // A first list of the leaf alone stands for the leaf itself (as Bouncy Castle writes a
    // leaf with no sibling at its level).
    let members: Vec<&[u8]> = first.iter().map(OctetString::as_bytes).collect();
    let mut node = if members.len() == 1 { leaf.to_vec() } else { node_hash(algorithm, &members)? };
    for list in rest {
        let mut members: Vec<&[u8]> = list.iter().map(OctetString::as_bytes).collect();
        if !members.contains(&node.as_slice()) {
            members.push(&node);
        }
        node = node_hash(algorithm, &members)?;
    }
    Ok(node)
}

/// The leaf of the first timestamp of a hash-tree renewal (RFC 4998 §5.2): the data's
/// hash followed by the hash of the chains before, hashed again, all with the new algorithm.
pub fn renewal_leaf(
    algorithm: &ObjectIdentifier,
    data: &[u8],
    earlier_chains: &[ArchiveTimeStampChain],
) -> Check<Vec<u8>> {
    let sequence = earlier_chains
        .to_vec()
        .to_der()
        .map_err(|err| Invalid::Rejected(format!("the earlier chains cannot be encoded: {err}")))?;
    let mut both = digest(algorithm, data)?;
    both.extend(digest(algorithm, &sequence)?);
    digest(algorithm, &both)
}

/// The leaf of a timestamp renewal: the hash of the previous timestamp, as DER.
pub fn timestamp_leaf(algorithm: &ObjectIdentifier, previous: &ArchiveTimeStamp) -> Check<Vec<u8>> {
    let token = previous
        .time_stamp
        .to_der()
        .map_err(|err| Invalid::Rejected(format!("the previous timestamp cannot be encoded: {err}")))?;
    digest(algorithm, &token)
}

/// The algorithm a chain uses: its first timestamp's, stated or taken from its token.
pub fn chain_algorithm(chain: &ArchiveTimeStampChain) -> Check<ObjectIdentifier> {
    let first = chain.first().ok_or_else(|| Invalid::Rejected("an archive timestamp chain is empty".into()))?;
    match &first.digest_algorithm {
        Some(algorithm) => Ok(algorithm.oid),
        None => token_imprint_algorithm(&first.time_stamp),
    }
}

fn token_imprint_algorithm(token: &ContentInfo) -> Check<ObjectIdentifier> {
    let der = token.to_der().map_err(|err| Invalid::Rejected(err.to_string()))?;
    let checked = super::signed_data::check(&der, super::signed_data::Content::Embedded(super::ID_CT_TST_INFO), false)?;
    let info = super::asn1::TstInfo::from_der(checked.content.as_deref().unwrap_or_default())
        .map_err(|err| Invalid::Rejected(format!("a timestamp's TSTInfo is malformed: {err}")))?;
    Ok(info.message_imprint.hash_algorithm.oid)
}

/// Whether `later` keeps all of `earlier`: each earlier chain is the start of the same
/// chain in `later`, as a renewal leaves it (a timestamp renewal adds to the newest
/// chain, a hash-tree renewal adds a chain).
pub fn extends(later: &EvidenceRecord, earlier: &EvidenceRecord) -> bool {
    let (before, after) = (&earlier.archive_time_stamp_sequence, &later.archive_time_stamp_sequence);
    after.len() >= before.len()
        && before.iter().zip(after).all(|(old, new)| {
            new.len() >= old.len() && old.iter().zip(new).all(|(a, b)| a.to_der().ok() == b.to_der().ok())
        })
}

/// What a valid evidence record proves of its data object.
#[derive(Debug, Clone)]
pub struct Proven {
    /// The first timestamp's time: the data existed then.
    pub existed_at: SystemTime,
    /// The newest timestamp's time and its TSA certificate's end: the proof holds until then.
    pub latest: TokenInfo,
    pub timestamps: usize,
    pub chains: usize,
}

/// Reads an evidence record.
pub fn decode(record: &[u8]) -> Check<EvidenceRecord> {
    if record.len() > MAX_RECORD_BYTES {
        return rejected("the evidence record is larger than any real one");
    }
    let record =
        EvidenceRecord::from_der(record).map_err(|err| Invalid::Rejected(format!("not an evidence record: {err}")))?;
    if record.version != 1 {
        return rejected(format!("evidence record version {} is not 1", record.version));
    }
    if record.encryption_info.is_some() {
        return rejected("the evidence record is for encrypted data, which seloste does not archive");
    }
    let count: usize = record.archive_time_stamp_sequence.iter().map(Vec::len).sum();
    let chains = record.archive_time_stamp_sequence.len();
    if chains == 0 || chains > MAX_CHAINS || count > MAX_TIMESTAMPS {
        return rejected(format!("the evidence record holds {count} timestamps in {chains} chains"));
    }
    Ok(record)
}

/// Checks an evidence record over `data` (RFC 4998 §5.3): each chain's first timestamp
/// over the data (after the first chain, with the chains before), each later timestamp
/// over the one before, every reduced tree up to its timestamp's imprint, and the order
/// of the timestamps. With `trust`, every TSA must chain to it at its timestamp's own
/// time and still when the next timestamp covered it, the newest one `now`: a timestamp
/// whose TSA certificate had expired, or been revoked, before it was renewed is no proof,
/// since a key no longer guarded could have made it.
pub fn check_record(record: &[u8], data: &[u8], trust: Option<&TrustStore>, now: SystemTime) -> Check<Proven> {
    let record = decode(record)?;
    let stamps = timestamps(&record, data)?;
    let checked: Vec<TokenInfo> = stamps.iter().map(|stamp| stamp.info.clone()).collect();
    if let Some(trust) = trust {
        for (index, Stamp { place, token, imprint, .. }) in stamps.iter().enumerate() {
            let relied_on = checked.get(index + 1).map_or(now, |next| next.gen_time.to_system_time());
            check_token_until(token, imprint, Some(trust), Some(relied_on)).map_err(|invalid| invalid.within(place))?;
        }
    }
    let first = checked.first().expect("a decoded record has a timestamp");
    Ok(Proven {
        existed_at: first.gen_time.to_system_time(),
        latest: checked.last().expect("a decoded record has a timestamp").clone(),
        timestamps: checked.len(),
        chains: record.archive_time_stamp_sequence.len(),
    })
}

/// A timestamp of a record: where it is, the token, the imprint it must carry (computed
/// from the data and the record itself), and what it states.
struct Stamp {
    place: String,
    token: Vec<u8>,
    imprint: MessageImprint,
    info: TokenInfo,
}

/// Each timestamp of the record, in order, its token checked to carry the imprint the
/// data and the record before it call for, each later than the one it renews.
fn timestamps(record: &EvidenceRecord, data: &[u8]) -> Check<Vec<Stamp>> {
    let chains = &record.archive_time_stamp_sequence;
    let declared: Vec<ObjectIdentifier> = record.digest_algorithms.iter().map(|algorithm| algorithm.oid).collect();
    let mut stamps = Vec::new();
    for (index, chain) in chains.iter().enumerate() {
        let within = |invalid: Invalid| invalid.within(&format!("chain {}", index + 1));
        let algorithm = chain_algorithm(chain).map_err(within)?;
        if !declared.contains(&algorithm) {
            return Err(within(Invalid::Rejected(format!(
                "{} is not among the record's digest algorithms",
                digest_name(&algorithm)
            ))));
        }
        for (position, stamp) in chain.iter().enumerate() {
            let place = format!("chain {}, timestamp {}", index + 1, position + 1);
            let within = |invalid: Invalid| invalid.within(&place);
            if stamp.digest_algorithm.as_ref().is_some_and(|stated| stated.oid != algorithm) {
                return Err(within(Invalid::Rejected("a chain's timestamps must share one hash algorithm".into())));
            }
            let leaf = match (index, position) {
                (0, 0) => digest(&algorithm, data),
                (_, 0) => renewal_leaf(&algorithm, data, &chains[..index]),
                _ => timestamp_leaf(&algorithm, &chain[position - 1]),
            }
            .map_err(within)?;
            let root = root_from(&algorithm, &leaf, stamp.reduced_hashtree.as_deref()).map_err(within)?;
            let token = stamp.time_stamp.to_der().map_err(|err| within(Invalid::Rejected(err.to_string())))?;
            let imprint = imprint(&algorithm, &root);
            let info = check_token(&token, &imprint, None).map_err(within)?;
            if let Some(previous) = stamps.last().map(|stamp: &Stamp| &stamp.info)
                && info.gen_time.to_system_time() < previous.gen_time.to_system_time()
            {
                return Err(within(Invalid::Rejected("it is older than the timestamp it renews".into())));
            }
            stamps.push(Stamp { place, token, imprint, info });
        }
    }
    Ok(stamps)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaf(n: u8) -> Vec<u8> {
        digest(&rfc5912::ID_SHA_256, &[n]).unwrap()
    }

    #[test]
    fn every_leaf_of_trees_of_every_size_leads_to_the_root() {
        for size in 1..=23u8 {
            let leaves: Vec<Vec<u8>> = (0..size).map(leaf).collect();
            let tree = HashTree::build(rfc5912::ID_SHA_256, &leaves).unwrap();
            for leaf in &leaves {
                let reduced = tree.reduced(leaf);
                assert_eq!(reduced.is_none(), size == 1);
                let root = root_from(&rfc5912::ID_SHA_256, leaf, reduced.as_deref()).unwrap();
                assert_eq!(root, tree.root, "size {size}");
            }
            let stranger = root_from(&rfc5912::ID_SHA_256, &leaf(200), tree.reduced(&leaves[0]).as_deref());
            assert!(size == 1 || stranger.is_err(), "size {size}");
            // Above the leaves, each list holds one sibling, as Bouncy Castle reads them.
            for leaf in &leaves {
                let reduced = tree.reduced(leaf).unwrap_or_default();
                assert!(reduced.iter().skip(1).all(|list| list.len() == 1), "size {size}");
                assert!(reduced.first().is_none_or(|first| (2..=3).contains(&first.len())), "size {size}");
            }
        }
    }

    #[test]
    fn the_root_of_two_leaves_is_the_hash_of_their_sorted_concatenation() {
        let (a, b) = (leaf(1), leaf(2));
        let tree = HashTree::build(rfc5912::ID_SHA_256, &[b.clone(), a.clone()]).unwrap();
        let (low, high) = if a < b { (a, b) } else { (b, a) };
        assert_eq!(tree.root, digest(&rfc5912::ID_SHA_256, &[low, high].concat()).unwrap());
    }

    #[test]
    fn an_edited_reduced_tree_leads_elsewhere() {
        let leaves: Vec<Vec<u8>> = (0..9).map(leaf).collect();
        let tree = HashTree::build(rfc5912::ID_SHA_256, &leaves).unwrap();
        let mut reduced = tree.reduced(&leaves[4]).unwrap();
        let last = reduced.last_mut().unwrap();
        last[0] = OctetString::new(leaf(99)).unwrap();
        assert_ne!(root_from(&rfc5912::ID_SHA_256, &leaves[4], Some(&reduced)).unwrap(), tree.root);
    }
}
