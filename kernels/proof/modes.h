// The proof kernels' numbers that the host passes in (host/proof/batch_hash.cc uses them too).
#ifndef STRATA_KERNELS_PROOF_MODES_H
#define STRATA_KERNELS_PROOF_MODES_H

#define PROOF_SHA256 1u
#define PROOF_KECCAK256 2u
#define PROOF_BLAKE2B256 3u
// proof_hash's mode: the algorithm in the low byte, and this bit for RFC 6962 leaves.
#define PROOF_LEAF_PREFIX 0x100u

#endif
