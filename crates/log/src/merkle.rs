//! The Merkle tree of RFC 6962 (section 2.1): leaf and node hashes with
//! domain-separation prefixes, the tree hash of any number of leaves, audit
//! paths (inclusion proofs) and consistency proofs, and their verification
//! as RFC 9162 (sections 2.1.3.2 and 2.1.4.2) specifies it.

use sha2::{Digest, Sha256};

/// A SHA-256 hash.
pub type Hash = [u8; 32];

/// `SHA-256(0x00 || data)`: the hash of a leaf.
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(data);
    h.finalize().into()
}

/// `SHA-256(0x01 || left || right)`: the hash of an inner node.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The largest power of two strictly below `n` (n ≥ 2).
fn split(n: usize) -> usize {
    debug_assert!(n >= 2);
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

/// The tree hash of the leaves whose hashes are `leaves` (MTH of RFC 6962).
pub fn root(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => Sha256::digest([]).into(),
        1 => leaves[0],
        n => {
            let k = split(n);
            node_hash(&root(&leaves[..k]), &root(&leaves[k..]))
        }
    }
}

/// The audit path of leaf `m` in the tree of `leaves` (PATH of RFC 6962).
pub fn inclusion_proof(m: usize, leaves: &[Hash]) -> Vec<Hash> {
    let n = leaves.len();
    if n <= 1 || m >= n {
        return Vec::new();
    }
    let k = split(n);
    if m < k {
        let mut p = inclusion_proof(m, &leaves[..k]);
        p.push(root(&leaves[k..]));
        p
    } else {
        let mut p = inclusion_proof(m - k, &leaves[k..]);
        p.push(root(&leaves[..k]));
        p
    }
}

/// The proof that the tree of the first `m` leaves is a prefix of the tree
/// of all `leaves` (PROOF of RFC 6962).
pub fn consistency_proof(m: usize, leaves: &[Hash]) -> Vec<Hash> {
    if m == 0 || m > leaves.len() {
        return Vec::new();
    }
    subproof(m, leaves, true)
}

fn subproof(m: usize, leaves: &[Hash], complete: bool) -> Vec<Hash> {
    let n = leaves.len();
    if m == n {
        return if complete {
            Vec::new()
        } else {
            vec![root(leaves)]
        };
    }
    let k = split(n);
    if m <= k {
        let mut p = subproof(m, &leaves[..k], complete);
        p.push(root(&leaves[k..]));
        p
    } else {
        let mut p = subproof(m - k, &leaves[k..], false);
        p.push(root(&leaves[..k]));
        p
    }
}

/// Checks that `leaf` is leaf number `index` of the tree of `size` leaves
/// whose hash is `root` (RFC 9162, 2.1.3.2).
pub fn verify_inclusion(index: u64, size: u64, leaf: &Hash, proof: &[Hash], root: &Hash) -> bool {
    if index >= size {
        return false;
    }
    let (mut fnode, mut snode) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if snode == 0 {
            return false;
        }
        if fnode & 1 == 1 || fnode == snode {
            r = node_hash(p, &r);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    snode == 0 && r == *root
}

/// Checks that the tree of `first` leaves with hash `first_root` is a prefix
/// of the tree of `second` leaves with hash `second_root` (RFC 9162,
/// 2.1.4.2).
pub fn verify_consistency(
    first: u64,
    second: u64,
    first_root: &Hash,
    second_root: &Hash,
    proof: &[Hash],
) -> bool {
    if first == 0 || first > second {
        return false;
    }
    if first == second {
        return proof.is_empty() && first_root == second_root;
    }
    let mut path: Vec<Hash> = Vec::with_capacity(proof.len() + 1);
    if first.is_power_of_two() {
        path.push(*first_root);
    }
    path.extend_from_slice(proof);
    let Some((&start, rest)) = path.split_first() else {
        return false;
    };
    let (mut fnode, mut snode) = (first - 1, second - 1);
    while fnode & 1 == 1 {
        fnode >>= 1;
        snode >>= 1;
    }
    let (mut fr, mut sr) = (start, start);
    for c in rest {
        if snode == 0 {
            return false;
        }
        if fnode & 1 == 1 || fnode == snode {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while fnode & 1 == 0 && fnode != 0 {
                fnode >>= 1;
                snode >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    fr == *first_root && sr == *second_root && snode == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn leaves(n: usize) -> Vec<Hash> {
        (0..n)
            .map(|i| leaf_hash(format!("entry {i}").as_bytes()))
            .collect()
    }

    #[test]
    fn empty_and_single_trees_follow_the_rfc() {
        // MTH({}) is the hash of the empty string.
        assert_eq!(
            root(&[]),
            <[u8; 32]>::from(Sha256::digest([])),
            "empty tree"
        );
        let l = leaves(1);
        assert_eq!(root(&l), leaf_hash(b"entry 0"));
        // Two leaves: node(0x01 || l0 || l1).
        let l = leaves(2);
        assert_eq!(root(&l), node_hash(&l[0], &l[1]));
        // Three: the split is at 2.
        let l = leaves(3);
        assert_eq!(root(&l), node_hash(&node_hash(&l[0], &l[1]), &l[2]));
    }

    proptest! {
        #[test]
        fn proofs_verify_and_tampering_fails(n in 1usize..70, m in 0usize..70, flip in 0usize..64) {
            let l = leaves(n);
            let r = root(&l);
            let i = m % n;
            let p = inclusion_proof(i, &l);
            prop_assert!(verify_inclusion(i as u64, n as u64, &l[i], &p, &r));
            // A wrong leaf, index or root fails.
            let other = leaf_hash(b"forged");
            prop_assert!(!verify_inclusion(i as u64, n as u64, &other, &p, &r));
            if n > 1 {
                prop_assert!(!verify_inclusion(((i + 1) % n) as u64, n as u64, &l[i], &p, &r));
            }
            let size = m % n + 1;
            let old = root(&l[..size]);
            let c = consistency_proof(size, &l);
            prop_assert!(verify_consistency(size as u64, n as u64, &old, &r, &c));
            // Any bit of any proof hash flipped: refused.
            if !c.is_empty() {
                let mut bad = c.clone();
                let k = flip % bad.len();
                bad[k][flip % 32] ^= 1;
                prop_assert!(!verify_consistency(size as u64, n as u64, &old, &r, &bad));
            }
            // History rewritten: one of the first `size` leaves changed.
            let mut rewritten = l.clone();
            rewritten[flip % size] = leaf_hash(b"rewritten");
            let new_root = root(&rewritten);
            let c2 = consistency_proof(size, &rewritten);
            prop_assert!(!verify_consistency(size as u64, n as u64, &old, &new_root, &c2));
        }
    }
}
