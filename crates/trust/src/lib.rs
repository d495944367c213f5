//! scopecheck-trust: what makes a person's decision hold against an agent that runs as
//! the same OS user.
//!
//! - [`signers`]: git's allowed-signers file (`gpg.ssh.allowedSignersFile` format).
//! - [`verify`]: offline verification of SSH signatures (sshsig, as made by
//!   `ssh-keygen -Y sign` and `git commit -S` with `gpg.format=ssh`) over canonical
//!   statements, in the `scopecheck` namespace.
//! - [`audit`]: the hash-chained JSON-lines audit log and its verification.
//! - [`time`]: the UTC timestamps statements and audit lines carry.
//!
//! Nothing here reads a repository or spawns a process: callers pass bytes in.
#![deny(missing_docs)]

pub mod audit;
pub mod signers;
pub mod time;
pub mod verify;

pub use signers::{AllowedSigners, SignersError};
pub use verify::{verify, Signer, VerifyError, NAMESPACE};

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// SHA-256 of `bytes` as lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex(&Sha256::digest(bytes))
}
