//! Who vouches for a package: ed25519 signatures over the manifest's digest
//! (`sha256:…` as text), and the public keys a host trusts.
//!
//! Keys are stored in the standard PEM forms (PKCS#8 private keys, SPKI
//! public keys), so `openssl pkey -in NAME.key -pubout` agrees with
//! `NAME.pub`. A key's fingerprint is the sha256 digest of its 32 raw bytes.

use crate::PackageError;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use ed25519_dalek::{Signer as _, SigningKey, Verifier as _, VerifyingKey};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The signature algorithm, as the signature record names it.
pub const ALGORITHM: &str = "ed25519";

/// A signing key with the name it signs as.
pub struct KeyPair {
    /// The signer's name, shown when a package is verified.
    pub name: String,
    key: SigningKey,
}

impl KeyPair {
    /// A new key from the operating system's secure generator.
    pub fn generate(name: &str) -> Result<KeyPair, PackageError> {
        check_name(name)?;
        let mut seed = [0u8; 32];
        rand::fill(&mut seed);
        Ok(KeyPair {
            name: name.to_owned(),
            key: SigningKey::from_bytes(&seed),
        })
    }

    /// Writes `DIR/NAME.key` (private, mode 0600) and `DIR/NAME.pub`;
    /// refuses to overwrite an existing key. Returns both paths.
    pub fn save(&self, dir: &Path) -> Result<(PathBuf, PathBuf), PackageError> {
        let private = dir.join(format!("{}.key", self.name));
        let public = dir.join(format!("{}.pub", self.name));
        for p in [&private, &public] {
            if p.exists() {
                return Err(PackageError::Key(format!(
                    "{} exists already: a key is never overwritten",
                    p.display()
                )));
            }
        }
        let pem = self
            .key
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(|e| PackageError::Key(format!("encoding the private key: {e}")))?;
        write_private(&private, pem.as_bytes())?;
        let pub_pem = self
            .key
            .verifying_key()
            .to_public_key_pem(LineEnding::LF)
            .map_err(|e| PackageError::Key(format!("encoding the public key: {e}")))?;
        std::fs::write(&public, pub_pem).map_err(|e| PackageError::io(&public, e))?;
        Ok((private, public))
    }

    /// Reads a private key file; the signer's name is the file's stem unless
    /// `name` is given.
    pub fn load(path: &Path, name: Option<&str>) -> Result<KeyPair, PackageError> {
        let text = std::fs::read_to_string(path).map_err(|e| PackageError::io(path, e))?;
        let key = SigningKey::from_pkcs8_pem(&text).map_err(|e| {
            PackageError::Key(format!(
                "{} is not an ed25519 private key (PKCS#8 PEM): {e}",
                path.display()
            ))
        })?;
        let name = match name {
            Some(n) => n.to_owned(),
            None => stem(path)?,
        };
        check_name(&name)?;
        Ok(KeyPair { name, key })
    }

    /// The public half's fingerprint.
    pub fn fingerprint(&self) -> String {
        fingerprint(&self.key.verifying_key())
    }

    /// The signature record over `manifest_digest`.
    pub fn sign(&self, manifest_digest: &str) -> SignatureRecord {
        let signature = self.key.sign(manifest_digest.as_bytes());
        SignatureRecord {
            algorithm: ALGORITHM.into(),
            signer: self.name.clone(),
            public_key: BASE64.encode(self.key.verifying_key().as_bytes()),
            signed: manifest_digest.to_owned(),
            signature: BASE64.encode(signature.to_bytes()),
        }
    }
}

/// One signature, as stored in the package (a blob of its own, referenced by
/// a manifest whose `subject` is the signed package manifest).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct SignatureRecord {
    /// Always `ed25519`.
    pub algorithm: String,
    /// The name the signer gave (informational: trust goes by key).
    pub signer: String,
    /// The signer's public key, 32 bytes in base64.
    pub public_key: String,
    /// The manifest digest signed, `sha256:…`.
    pub signed: String,
    /// The signature, 64 bytes in base64.
    pub signature: String,
}

impl SignatureRecord {
    fn key(&self) -> Result<VerifyingKey, String> {
        let bytes: [u8; 32] = BASE64
            .decode(&self.public_key)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or("its public key is not 32 bytes of base64")?;
        VerifyingKey::from_bytes(&bytes).map_err(|e| format!("its public key: {e}"))
    }

    /// Whether this is a valid ed25519 signature of `digest` by its own key.
    fn valid_for(&self, digest: &str) -> Result<VerifyingKey, String> {
        if self.algorithm != ALGORITHM {
            return Err(format!("unknown algorithm `{}`", self.algorithm));
        }
        if self.signed != digest {
            return Err(format!("it signs {}, not this manifest", self.signed));
        }
        let key = self.key()?;
        let bytes: [u8; 64] = BASE64
            .decode(&self.signature)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or("the signature is not 64 bytes of base64")?;
        key.verify(
            digest.as_bytes(),
            &ed25519_dalek::Signature::from_bytes(&bytes),
        )
        .map_err(|_| "the signature does not match".to_owned())?;
        Ok(key)
    }
}

/// A public key the host trusts, under the name it knows it by.
#[derive(Clone, Debug)]
pub struct TrustedKey {
    pub name: String,
    key: VerifyingKey,
}

/// Who signed a verified package.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Signer {
    /// The name the host trusts the key under.
    pub name: String,
    /// The key's fingerprint.
    pub fingerprint: String,
}

/// The keys a host trusts. Empty trusts nothing: every package is refused.
#[derive(Clone, Debug, Default)]
pub struct TrustStore {
    keys: Vec<TrustedKey>,
}

/// A trust file: `[[key]]` tables with a `name` and the `path` of a public
/// key file (relative to the trust file).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TrustFile {
    key: Vec<TrustFileKey>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TrustFileKey {
    name: String,
    path: PathBuf,
}

impl TrustStore {
    /// Trusts the public key in `path` (SPKI PEM) under the file's stem.
    pub fn add_key_file(&mut self, path: &Path) -> Result<(), PackageError> {
        let name = stem(path)?;
        self.add_named_key_file(&name, path)
    }

    fn add_named_key_file(&mut self, name: &str, path: &Path) -> Result<(), PackageError> {
        let text = std::fs::read_to_string(path).map_err(|e| PackageError::io(path, e))?;
        let key = VerifyingKey::from_public_key_pem(&text).map_err(|e| {
            PackageError::Key(format!(
                "{} is not an ed25519 public key (SPKI PEM): {e}",
                path.display()
            ))
        })?;
        self.keys.push(TrustedKey {
            name: name.to_owned(),
            key,
        });
        Ok(())
    }

    /// Trusts every key a trust file lists.
    pub fn add_trust_file(&mut self, path: &Path) -> Result<(), PackageError> {
        let text = std::fs::read_to_string(path).map_err(|e| PackageError::io(path, e))?;
        let file: TrustFile = toml::from_str(&text)
            .map_err(|e| PackageError::Key(format!("the trust file {}: {e}", path.display())))?;
        let base = path.parent().unwrap_or(Path::new("."));
        for k in file.key {
            self.add_named_key_file(&k.name, &base.join(&k.path))?;
        }
        Ok(())
    }

    /// How many keys are trusted.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether no key is trusted.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The trusted signer of `digest` among `signatures`. Refused when there
    /// is no signature, when a signature is broken (tampering), or when no
    /// valid signature is by a trusted key.
    pub fn verify(
        &self,
        digest: &str,
        signatures: &[SignatureRecord],
    ) -> Result<Signer, PackageError> {
        if signatures.is_empty() {
            return Err(PackageError::Unsigned);
        }
        let mut untrusted = None;
        for record in signatures {
            let key = record.valid_for(digest).map_err(|why| {
                PackageError::Tampered(format!("the signature by {}: {why}", record.signer))
            })?;
            match self.keys.iter().find(|t| t.key == key) {
                Some(t) => {
                    return Ok(Signer {
                        name: t.name.clone(),
                        fingerprint: fingerprint(&key),
                    });
                }
                None => untrusted.get_or_insert((record.signer.clone(), fingerprint(&key))),
            };
        }
        let (signer, fingerprint) = untrusted.expect("at least one signature");
        Err(PackageError::UntrustedSigner {
            signer,
            fingerprint,
        })
    }
}

/// `sha256:…` of the key's raw bytes.
pub fn fingerprint(key: &VerifyingKey) -> String {
    crate::sha256_digest(key.as_bytes())
}

fn stem(path: &Path) -> Result<String, PackageError> {
    path.file_stem()
        .and_then(|s| s.to_str())
        .map(str::to_owned)
        .ok_or_else(|| PackageError::Key(format!("{}: no file name", path.display())))
}

/// A signer name is a file name too: letters, digits, `-`, `_`, `.`.
fn check_name(name: &str) -> Result<(), PackageError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if ok {
        Ok(())
    } else {
        Err(PackageError::Key(format!(
            "`{name}` is not a key name: 1 to 64 letters, digits, `-`, `_` or `.`"
        )))
    }
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<(), PackageError> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(|e| PackageError::io(path, e))?;
    file.write_all(bytes).map_err(|e| PackageError::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIGEST: &str = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";

    #[test]
    fn keys_round_trip_through_pem_files_and_verify() {
        let dir = tempfile::tempdir().unwrap();
        let pair = KeyPair::generate("acme").unwrap();
        let (private, public) = pair.save(dir.path()).unwrap();
        assert!(pair.save(dir.path()).is_err(), "never overwritten");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&private).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let loaded = KeyPair::load(&private, None).unwrap();
        assert_eq!(loaded.fingerprint(), pair.fingerprint());
        let record = loaded.sign(DIGEST);
        let mut trust = TrustStore::default();
        trust.add_key_file(&public).unwrap();
        let signer = trust.verify(DIGEST, std::slice::from_ref(&record)).unwrap();
        assert_eq!(signer.name, "acme");
        assert_eq!(signer.fingerprint, pair.fingerprint());
    }

    #[test]
    fn unsigned_untrusted_and_broken_signatures_are_refused() {
        let trusted = KeyPair::generate("shop").unwrap();
        let stranger = KeyPair::generate("stranger").unwrap();
        let dir = tempfile::tempdir().unwrap();
        let (_, public) = trusted.save(dir.path()).unwrap();
        let mut trust = TrustStore::default();
        trust.add_key_file(&public).unwrap();

        assert!(matches!(
            trust.verify(DIGEST, &[]),
            Err(PackageError::Unsigned)
        ));
        match trust.verify(DIGEST, &[stranger.sign(DIGEST)]) {
            Err(PackageError::UntrustedSigner {
                signer,
                fingerprint,
            }) => {
                assert_eq!(signer, "stranger");
                assert_eq!(fingerprint, stranger.fingerprint());
            }
            other => panic!("{other:?}"),
        }
        // A signature of another digest, or with a flipped byte.
        let other = trusted.sign("sha256:00");
        assert!(matches!(
            trust.verify(DIGEST, &[other]),
            Err(PackageError::Tampered(_))
        ));
        let mut flipped = trusted.sign(DIGEST);
        let mut sig = BASE64.decode(&flipped.signature).unwrap();
        sig[10] ^= 1;
        flipped.signature = BASE64.encode(sig);
        assert!(matches!(
            trust.verify(DIGEST, &[flipped]),
            Err(PackageError::Tampered(_))
        ));
        // A stranger's signature beside the trusted one does not matter.
        trust
            .verify(DIGEST, &[stranger.sign(DIGEST), trusted.sign(DIGEST)])
            .unwrap();
        // Nothing trusted: refused even when signed.
        assert!(
            TrustStore::default()
                .verify(DIGEST, &[trusted.sign(DIGEST)])
                .is_err()
        );
    }

    #[test]
    fn a_trust_file_names_its_keys() {
        let dir = tempfile::tempdir().unwrap();
        let pair = KeyPair::generate("k1").unwrap();
        pair.save(dir.path()).unwrap();
        let file = dir.path().join("trusted.toml");
        std::fs::write(
            &file,
            "[[key]]\nname = \"ACME Gift Cards\"\npath = \"k1.pub\"\n",
        )
        .unwrap();
        let mut trust = TrustStore::default();
        trust.add_trust_file(&file).unwrap();
        assert_eq!(
            trust.verify(DIGEST, &[pair.sign(DIGEST)]).unwrap().name,
            "ACME Gift Cards"
        );
        std::fs::write(&file, "[[key]]\nname = \"x\"\npath = \"missing.pub\"\n").unwrap();
        assert!(TrustStore::default().add_trust_file(&file).is_err());
        let private = dir.path().join("k1.key");
        assert!(
            TrustStore::default().add_key_file(&private).is_err(),
            "a private key is not a public one"
        );
    }

    #[test]
    fn key_names_are_file_names() {
        for bad in ["", "../x", ".hidden", "a b", "x/y"] {
            assert!(KeyPair::generate(bad).is_err(), "{bad:?}");
        }
        KeyPair::generate("acme-2026_v1.0").unwrap();
    }
}
