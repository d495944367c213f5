//! Verifying a person's signature over a statement, offline.
//!
//! A statement is trusted when its SSH signature (sshsig, namespace `scopecheck`)
//! verifies over its exact bytes and the signing key is listed in the allowed-signers
//! file of the policy that judges the change. The key is what an agent lacks: a
//! passphrase-protected, hardware-backed or confirm-on-use key cannot be used by a
//! process that merely runs as the same user.

use ssh_key::{HashAlg, SshSig};

use crate::signers::AllowedSigners;

/// The sshsig namespace of every scopecheck statement (`ssh-keygen -Y sign -n scopecheck`).
/// A signature made for git commits (namespace `git`) or files (`file`) does not count.
pub const NAMESPACE: &str = "scopecheck";

/// Who signed, as the allowed-signers file names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signer {
    /// The principals of the matching allowed-signers line.
    pub principals: Vec<String>,
    /// The key's fingerprint, `SHA256:…` as `ssh-keygen -l` prints it.
    pub fingerprint: String,
}

impl Signer {
    /// The principals joined for display.
    pub fn name(&self) -> String {
        self.principals.join(",")
    }
}

/// Why a signature does not make a statement trusted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// The signature block is not an SSH signature.
    #[error("the signature is not a readable SSH signature: {0}")]
    Malformed(String),
    /// Made for another purpose.
    #[error("the signature was made in the namespace `{0}`, not `scopecheck`")]
    WrongNamespace(String),
    /// The key is not in the allowed-signers file.
    #[error("signed by {0}, which is not in the allowed-signers file {1}")]
    UnknownKey(String, String),
    /// The key is listed but not for this use or time.
    #[error("signed by {0}, but {1}")]
    NotAllowed(String, String),
    /// The bytes signed are not these bytes: the statement was changed after signing.
    #[error("the signature by {0} does not match the content: it was changed after it was signed")]
    Mismatch(String),
}

/// Verifies `armored` (an `-----BEGIN SSH SIGNATURE-----` block) over `message`, made at
/// `at` (epoch seconds, for `valid-after`/`valid-before`), against `signers`.
pub fn verify(
    signers: &AllowedSigners,
    message: &[u8],
    armored: &str,
    at: i64,
) -> Result<Signer, VerifyError> {
    let sig = SshSig::from_pem(armored.trim().as_bytes())
        .map_err(|e| VerifyError::Malformed(e.to_string()))?;
    let fingerprint = sig.public_key().fingerprint(HashAlg::Sha256).to_string();
    if sig.namespace() != NAMESPACE {
        return Err(VerifyError::WrongNamespace(sig.namespace().to_owned()));
    }
    let mut refusal = None;
    for entry in signers.for_key(sig.public_key()) {
        match entry.allows(NAMESPACE, at) {
            Ok(()) => {
                // The crypto check comes last so a bad key gives the clearer message.
                return match entry.key.verify(NAMESPACE, message, &sig) {
                    Ok(()) => Ok(Signer {
                        principals: entry.principals.clone(),
                        fingerprint,
                    }),
                    Err(_) => Err(VerifyError::Mismatch(fingerprint)),
                };
            }
            Err(why) => refusal = Some(why),
        }
    }
    Err(match refusal {
        Some(why) => VerifyError::NotAllowed(fingerprint, why),
        None => VerifyError::UnknownKey(fingerprint, signers.source.clone()),
    })
}
