//! Signing keys and certificates: loading what an organisation brings (a PKCS#8 PEM key,
//! encrypted or not, a PKCS#12 file, or a key on a PKCS#11 token, with its certificate
//! and chain), and making test material with `seloste keygen`.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use der::{Decode, Encode};
use ring::rand::SystemRandom;
use ring::signature::{self as ring_sig, EcdsaKeyPair, KeyPair, RsaKeyPair};
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;

use super::secret::{Secret, SecretSource};
use super::token::{self, TokenAlgorithm, TokenKey, TokenUri};
use crate::error::{Diagnostic, Error};
use crate::pkix::certs::{self, certificates_from_pem, common_name, pem_blocks, title};
use crate::pkix::path::{self, Usage};
use crate::pkix::{Check, TrustStore};
use crate::source;
use crate::time::{Date, format_time};

/// A private key that can sign: in memory for ring, or on a token.
enum PrivateKey {
    EcdsaP256(EcdsaKeyPair),
    EcdsaP384(EcdsaKeyPair),
    Rsa(RsaKeyPair),
    Token(TokenKey),
}

/// A signer: the private key with the certificate it belongs to and the chain above it.
pub struct Identity {
    key: PrivateKey,
    /// RSA keys sign by RSASSA-PSS (SHA-256, MGF1-SHA-256, 32-byte salt).
    rsa_pss: bool,
    pub certificate: Certificate,
    pub certificate_der: Vec<u8>,
    pub chain: Vec<Certificate>,
}

/// Where a signing key is and how to open it.
#[derive(Clone, Debug, Default)]
pub struct KeySpec {
    /// A key file (PKCS#8 PEM, encrypted or not; PKCS#12 `.p12`/`.pfx`) or an RFC 7512
    /// `pkcs11:` URI.
    pub key: String,
    /// The signing certificate (PEM), optionally followed by its chain; a PKCS#12 file
    /// or a token gives its own when this is not given.
    pub certificate: Option<PathBuf>,
    /// More chain certificates (PEM).
    pub chain: Option<PathBuf>,
    /// The password of an encrypted key file or a PKCS#12 file.
    pub password: Option<SecretSource>,
    /// The PIN of a token.
    pub pin: Option<SecretSource>,
    /// The PKCS#11 module (a shared library) of a token.
    pub module: Option<PathBuf>,
    /// Sign with an RSA key by RSASSA-PSS rather than PKCS#1 v1.5.
    pub rsa_pss: bool,
}

impl KeySpec {
    /// A key file and its certificate files, with no secrets.
    pub fn files(key: &Path, certificate: &Path, chain: Option<&Path>) -> KeySpec {
        KeySpec {
            key: key.display().to_string(),
            certificate: Some(certificate.to_owned()),
            chain: chain.map(Path::to_owned),
            ..KeySpec::default()
        }
    }

    fn key_path(&self) -> &Path {
        Path::new(&self.key)
    }
}

fn key_error(path: &Path, message: impl Into<String>) -> Error {
    Error::input(Diagnostic::error("key.file", path, "", message))
}

fn hinted(path: &Path, message: &str, hint: &str) -> Error {
    Error::input(Diagnostic::error("key.file", path, "", message).with_hint(hint))
}

/// Key and certificate files are small; anything larger is not one.
const MAX_KEY_FILE_BYTES: u64 = 1 << 20;

fn read_key_file(path: &Path) -> Result<Vec<u8>, Error> {
    source::read_bytes(path, MAX_KEY_FILE_BYTES)
}

/// Reads every certificate of a PEM file, in order.
pub fn load_certificates(path: &Path) -> Result<Vec<Certificate>, Error> {
    certificates_from_pem(&read_key_file(path)?)
        .map_err(|message| Error::input(Diagnostic::error("certificate.file", path, "", message)))
}

fn read_password(spec: &KeySpec, path: &Path, what: &str) -> Result<Secret, Error> {
    match &spec.password {
        Some(source) => source.read("the key's password"),
        None => Err(hinted(
            path,
            &format!("{what} is protected by a password"),
            "give the password with --key-password-file FILE or --key-password-env VARIABLE",
        )),
    }
}

fn load_private_key(spec: &KeySpec, path: &Path) -> Result<PrivateKey, Error> {
    let blocks = pem_blocks(&read_key_file(path)?).map_err(|message| key_error(path, message))?;
    let (label, der) = &blocks[0];
    match label.as_str() {
        "PRIVATE KEY" => ring_key(der).ok_or_else(|| unsupported_key(path)),
        "ENCRYPTED PRIVATE KEY" => {
            let password = read_password(spec, path, "the key")?;
            let encrypted = pkcs8::EncryptedPrivateKeyInfo::from_der(der)
                .map_err(|_| key_error(path, "the encrypted key is malformed"))?;
            let decrypted = encrypted.decrypt(password.expose().as_bytes()).map_err(|_| {
                key_error(path, format!("the password from {} does not open this key", describe(&spec.password)))
            })?;
            ring_key(decrypted.as_bytes()).ok_or_else(|| unsupported_key(path))
        }
        "EC PRIVATE KEY" | "RSA PRIVATE KEY" => {
            let message = format!("this is a traditional {label}; seloste reads PKCS#8 (\"PRIVATE KEY\")");
            Err(hinted(path, &message, "openssl pkcs8 -topk8 -nocrypt -in old.pem -out key.pem"))
        }
        other => Err(key_error(path, format!("expected a PRIVATE KEY block, found {other}"))),
    }
}

fn describe(source: &Option<SecretSource>) -> String {
    source.as_ref().map_or_else(String::new, SecretSource::describe)
}

fn unsupported_key(path: &Path) -> Error {
    key_error(
        path,
        "unsupported or malformed private key; seloste signs with ECDSA P-256, P-384 or RSA (2048 bits or more)",
    )
}

/// A PKCS#8 key ring can sign with.
fn ring_key(der: &[u8]) -> Option<PrivateKey> {
    let rng = SystemRandom::new();
    if let Ok(key) = EcdsaKeyPair::from_pkcs8(&ring_sig::ECDSA_P256_SHA256_ASN1_SIGNING, der, &rng) {
        return Some(PrivateKey::EcdsaP256(key));
    }
    if let Ok(key) = EcdsaKeyPair::from_pkcs8(&ring_sig::ECDSA_P384_SHA384_ASN1_SIGNING, der, &rng) {
        return Some(PrivateKey::EcdsaP384(key));
    }
    RsaKeyPair::from_pkcs8(der).ok().map(PrivateKey::Rsa)
}

/// The key and the certificates (the key's own first) of a PKCS#12 file.
fn load_pkcs12(spec: &KeySpec, path: &Path) -> Result<(PrivateKey, Vec<Certificate>), Error> {
    let bytes = read_key_file(path)?;
    let password = read_password(spec, path, "a PKCS#12 file")?;
    let store = p12_keystore::KeyStore::from_pkcs12(&bytes, password.expose()).map_err(|error| match error {
        p12_keystore::error::Error::MacError(_) => {
            key_error(path, format!("the password from {} does not open this PKCS#12 file", describe(&spec.password)))
        }
        other => key_error(path, format!("this PKCS#12 file cannot be read: {other}")),
    })?;
    let Some((_, chain)) = store.private_key_chain() else {
        return Err(key_error(path, "the PKCS#12 file holds no private key with its certificate"));
    };
    let key = ring_key(chain.key()).ok_or_else(|| unsupported_key(path))?;
    let certificates = chain
        .chain()
        .iter()
        .map(|certificate| Certificate::from_der(certificate.as_der()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| key_error(path, format!("a certificate in the PKCS#12 file is malformed: {error}")))?;
    Ok((key, certificates))
}

/// The key on a token and the certificate stored with it.
fn open_token(spec: &KeySpec) -> Result<(PrivateKey, Vec<Certificate>), Error> {
    // The URI itself is not repeated: a rejected one may carry a PIN (`pin-value=`).
    let uri =
        TokenUri::parse(&spec.key).map_err(|message| Error::Usage(format!("the key's pkcs11: URI: {message}")))?;
    let module = spec.module.clone().or_else(|| uri.module_path.clone()).ok_or_else(|| {
        Error::Usage("a key on a token needs its PKCS#11 module: give --pkcs11-module PATH (for SoftHSM2, /usr/lib/softhsm/libsofthsm2.so)".into())
    })?;
    let pin = spec.pin.as_ref().map(|source| source.read("the PIN")).transpose()?;
    let opened = token::open(&uri, &module, pin.as_ref())?;
    let certificates = match opened.certificate {
        Some(der) => vec![Certificate::from_der(&der).map_err(|error| Error::Signing {
            what: "the token".into(),
            message: format!("the certificate on the token is malformed: {error}"),
        })?],
        None => Vec::new(),
    };
    Ok((PrivateKey::Token(opened.key), certificates))
}

impl Identity {
    /// The DER size of the certificates a signature carries: the signer's and its chain.
    pub fn certificates_size(&self) -> usize {
        let chain: usize = self
            .chain
            .iter()
            .filter_map(|certificate| certificate.encoded_len().ok())
            .map(|len| u32::from(len) as usize)
            .sum();
        self.certificate_der.len() + chain
    }

    /// Loads a signing key and its certificate, and the chain above it if given. The key
    /// must belong to the certificate, and the certificate must be valid at `at`.
    pub fn load(spec: &KeySpec, at: SystemTime) -> Result<Identity, Error> {
        let key_path = spec.key_path();
        let is_pkcs12 = key_path
            .extension()
            .is_some_and(|extension| extension.eq_ignore_ascii_case("p12") || extension.eq_ignore_ascii_case("pfx"));
        let (mut private_key, mut certificates) = if token::is_pkcs11_uri(&spec.key) {
            open_token(spec)?
        } else if is_pkcs12 {
            load_pkcs12(spec, key_path)?
        } else {
            (load_private_key(spec, key_path)?, Vec::new())
        };
        // The certificate file, if given, is the one to sign with.
        let certificate_file = spec.certificate.as_deref().unwrap_or(key_path);
        if let Some(certificate) = &spec.certificate {
            certificates = load_certificates(certificate)?;
        }
        if certificates.is_empty() {
            return Err(hinted(
                key_path,
                "there is no certificate for this key",
                "give the signing certificate with --cert FILE (or `certificate:` in the organisation file)",
            ));
        }
        let signer = certificates.remove(0);
        let mut chain_certificates = certificates;
        if let Some(chain) = &spec.chain {
            chain_certificates.extend(load_certificates(chain)?);
        }
        let is_rsa = match &private_key {
            PrivateKey::Rsa(_) => true,
            PrivateKey::Token(_) => token_algorithm(&signer, false) == Some(TokenAlgorithm::RsaPkcs1Sha256),
            PrivateKey::EcdsaP256(_) | PrivateKey::EcdsaP384(_) => false,
        };
        if spec.rsa_pss && !is_rsa {
            return Err(key_error(key_path, "RSA-PSS was asked for, but this is not an RSA key"));
        }
        if let PrivateKey::Token(token) = &mut private_key {
            let algorithm = token_algorithm(&signer, spec.rsa_pss).ok_or_else(|| {
                key_error(certificate_file, "the certificate's key is neither ECDSA P-256/P-384 nor RSA")
            })?;
            token.set_algorithm(algorithm);
        }
        if !belongs_to(&private_key, &signer)? {
            return Err(key_error(
                key_path,
                format!(
                    "this key does not belong to the certificate in {} (the public keys differ)",
                    certificate_file.display()
                ),
            ));
        }

        if certs::check_validity(&signer, at).is_err() {
            let validity = &signer.tbs_certificate.validity;
            return Err(key_error(
                certificate_file,
                format!(
                    "the certificate is not valid at the signing time {}: it is valid from {} to {}",
                    format_time(at),
                    validity.not_before,
                    validity.not_after
                ),
            ));
        }
        check_signer(&signer, &chain_certificates, at)
            .map_err(|invalid| key_error(certificate_file, invalid.reason()))?;
        let certificate_der = signer.to_der().map_err(|err| key_error(certificate_file, err.to_string()))?;
        Ok(Identity {
            key: private_key,
            rsa_pss: spec.rsa_pss,
            certificate: signer,
            certificate_der,
            chain: chain_certificates,
        })
    }

    /// The signer's common name, as a verdict line shows it.
    pub fn common_name(&self) -> String {
        common_name(&self.certificate)
    }

    /// The signer as a signed notice names them when no file does: the common name,
    /// and the role if the certificate states one.
    pub fn signatory_line(&self) -> String {
        match title(&self.certificate) {
            Some(role) => format!("{}, {role}", self.common_name()),
            None => self.common_name(),
        }
    }

    /// The signature algorithm, for the CMS SignerInfo.
    pub fn signature_algorithm(&self) -> AlgorithmIdentifierOwned {
        use const_oid::db::rfc5912::{ECDSA_WITH_SHA_256, ECDSA_WITH_SHA_384, ID_SHA_256, SHA_256_WITH_RSA_ENCRYPTION};
        let rsa = matches!(&self.key, PrivateKey::Rsa(_))
            || matches!(&self.key, PrivateKey::Token(token) if token.algorithm() == TokenAlgorithm::RsaPssSha256);
        if rsa && self.rsa_pss {
            return crate::pkix::signed_data::rsa_pss(ID_SHA_256);
        }
        let oid = match &self.key {
            PrivateKey::EcdsaP256(_) => ECDSA_WITH_SHA_256,
            PrivateKey::EcdsaP384(_) => ECDSA_WITH_SHA_384,
            PrivateKey::Rsa(_) => SHA_256_WITH_RSA_ENCRYPTION,
            PrivateKey::Token(token) => match token.algorithm() {
                TokenAlgorithm::EcdsaP256 => ECDSA_WITH_SHA_256,
                TokenAlgorithm::EcdsaP384 => ECDSA_WITH_SHA_384,
                TokenAlgorithm::RsaPkcs1Sha256 | TokenAlgorithm::RsaPssSha256 => SHA_256_WITH_RSA_ENCRYPTION,
            },
        };
        let parameters = (oid == SHA_256_WITH_RSA_ENCRYPTION).then(|| der::asn1::Null.into());
        AlgorithmIdentifierOwned { oid, parameters }
    }

    /// Signs `message` (the DER of the signed attributes).
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, Error> {
        let rng = SystemRandom::new();
        let failed = || Error::Signing { what: "the signature".into(), message: "the key refused to sign".into() };
        match &self.key {
            PrivateKey::EcdsaP256(key) | PrivateKey::EcdsaP384(key) => {
                key.sign(&rng, message).map(|signature| signature.as_ref().to_vec()).map_err(|_| failed())
            }
            PrivateKey::Rsa(key) => {
                let mut signature = vec![0; key.public().modulus_len()];
                let padding: &dyn ring_sig::RsaEncoding =
                    if self.rsa_pss { &ring_sig::RSA_PSS_SHA256 } else { &ring_sig::RSA_PKCS1_SHA256 };
                key.sign(padding, &rng, message, &mut signature).map_err(|_| failed())?;
                Ok(signature)
            }
            PrivateKey::Token(token) => token.sign(message),
        }
    }
}

/// How a token signs for the certificate's public key.
fn token_algorithm(certificate: &Certificate, rsa_pss: bool) -> Option<TokenAlgorithm> {
    use const_oid::db::rfc5912::{ID_EC_PUBLIC_KEY, RSA_ENCRYPTION, SECP_256_R_1, SECP_384_R_1};
    let algorithm = &certificate.tbs_certificate.subject_public_key_info.algorithm;
    if algorithm.oid == RSA_ENCRYPTION {
        return Some(if rsa_pss { TokenAlgorithm::RsaPssSha256 } else { TokenAlgorithm::RsaPkcs1Sha256 });
    }
    if algorithm.oid != ID_EC_PUBLIC_KEY {
        return None;
    }
    let curve = algorithm.parameters.as_ref()?.decode_as::<const_oid::ObjectIdentifier>().ok()?;
    match curve {
        SECP_256_R_1 => Some(TokenAlgorithm::EcdsaP256),
        SECP_384_R_1 => Some(TokenAlgorithm::EcdsaP384),
        _ => None,
    }
}

/// Whether the key is the certificate's: the public keys of a key in memory are compared;
/// a token's key signs a test message that the certificate's key must verify.
fn belongs_to(key: &PrivateKey, certificate: &Certificate) -> Result<bool, Error> {
    let certified = certificate.tbs_certificate.subject_public_key_info.subject_public_key.raw_bytes();
    let public_key = match key {
        PrivateKey::EcdsaP256(key) | PrivateKey::EcdsaP384(key) => key.public_key().as_ref().to_vec(),
        PrivateKey::Rsa(key) => key.public_key().as_ref().to_vec(),
        PrivateKey::Token(token) => {
            let message = b"seloste: does this key belong to the certificate?";
            let signature = token.sign(message)?;
            let algorithm: &dyn ring_sig::VerificationAlgorithm = match token.algorithm() {
                TokenAlgorithm::EcdsaP256 => &ring_sig::ECDSA_P256_SHA256_ASN1,
                TokenAlgorithm::EcdsaP384 => &ring_sig::ECDSA_P384_SHA384_ASN1,
                TokenAlgorithm::RsaPkcs1Sha256 => &ring_sig::RSA_PKCS1_2048_8192_SHA256,
                TokenAlgorithm::RsaPssSha256 => &ring_sig::RSA_PSS_2048_8192_SHA256,
            };
            let verified = ring_sig::UnparsedPublicKey::new(algorithm, certified).verify(message, &signature);
            return Ok(verified.is_ok());
        }
    };
    Ok(public_key == certified)
}

/// Refuses to sign with a certificate that `verify` would reject: one that is not fit to
/// sign documents, or, when the chain given reaches a root, one whose path to that root is
/// not valid at the signing time.
fn check_signer(signer: &Certificate, chain: &[Certificate], at: SystemTime) -> Check<()> {
    path::check_end_entity(signer, Usage::DocumentSigning)?;
    let roots: Vec<Certificate> = chain
        .iter()
        .filter(|certificate| certificate.tbs_certificate.issuer == certificate.tbs_certificate.subject)
        .cloned()
        .collect();
    if roots.is_empty() {
        return Ok(());
    }
    TrustStore::new(roots).validate(signer, chain, at, Usage::DocumentSigning)
}

/// What `seloste keygen` writes.
pub struct TestMaterial {
    pub ca: PathBuf,
    pub certificate: PathBuf,
    pub key: PathBuf,
}

/// Makes a self-signed test CA and an ECDSA P-256 signing certificate issued by it, with
/// keyUsage digitalSignature and nonRepudiation and "TEST" in both common names. The key
/// file is readable by its owner only. Existing files are never overwritten. A folder that
/// does not exist yet is filled beside its place and renamed into it whole, so that a
/// process killed half-way leaves no partial set that the next run would refuse to
/// complete.
pub fn generate_test_material(
    dir: &Path,
    name: &str,
    valid_from: Date,
    valid_until: Date,
) -> Result<TestMaterial, Error> {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose, PKCS_ECDSA_P256_SHA256,
    };

    let material = TestMaterial { ca: dir.join("ca.pem"), certificate: dir.join("cert.pem"), key: dir.join("key.pem") };
    for path in [&material.ca, &material.certificate, &material.key] {
        // A link counts as there, even one that leads nowhere: keygen writes through none.
        if path.symlink_metadata().is_ok() {
            let exists = std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                "the file exists; keygen never overwrites key material",
            );
            return Err(Error::io(path, "create", exists));
        }
    }
    let failed = |err: rcgen::Error| Error::Signing { what: "test key material".into(), message: err.to_string() };
    let from = rcgen::date_time_ymd(valid_from.year.into(), valid_from.month, valid_from.day);
    let until = rcgen::date_time_ymd(valid_until.year.into(), valid_until.month, valid_until.day);

    let ca_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).map_err(failed)?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(failed)?;
    ca_params.distinguished_name.push(DnType::CommonName, format!("{name} TEST CA"));
    ca_params.distinguished_name.push(DnType::OrganizationName, name);
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    ca_params.not_before = from;
    ca_params.not_after = until;
    let ca_certificate = ca_params.self_signed(&ca_key).map_err(failed)?;
    let issuer = Issuer::new(ca_params, ca_key);

    let signer_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).map_err(failed)?;
    let mut params = CertificateParams::new(Vec::<String>::new()).map_err(failed)?;
    params.distinguished_name.push(DnType::CommonName, format!("{name} TEST signer"));
    params.distinguished_name.push(DnType::OrganizationName, name);
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature, KeyUsagePurpose::ContentCommitment];
    params.not_before = from;
    params.not_after = until;
    let certificate = params.signed_by(&signer_key, &issuer).map_err(failed)?;

    let files = TestFiles { ca: ca_certificate.pem(), certificate: certificate.pem(), key: signer_key.serialize_pem() };
    if dir.symlink_metadata().is_ok() {
        files.write_into(dir)?;
    } else {
        files.write_as_new_folder(dir)?;
    }
    Ok(material)
}

/// The PEM texts of a test CA, its signing certificate and the key.
struct TestFiles {
    ca: String,
    certificate: String,
    key: String,
}

impl TestFiles {
    fn write_into(&self, dir: &Path) -> Result<(), Error> {
        crate::output::write_atomic(&dir.join("ca.pem"), self.ca.as_bytes())?;
        crate::output::write_atomic(&dir.join("cert.pem"), self.certificate.as_bytes())?;
        crate::output::write_private(&dir.join("key.pem"), self.key.as_bytes())
    }

    /// Writes the files in a temporary folder beside `dir` and renames it to `dir`: the
    /// rename fails, and nothing is replaced, when another process made `dir` meanwhile.
    fn write_as_new_folder(&self, dir: &Path) -> Result<(), Error> {
        let parent = match dir.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        std::fs::create_dir_all(parent).map_err(|source| Error::io(parent, "create the folder", source))?;
        crate::output::remove_stale(parent);
        let name = dir.file_name().map_or_else(|| "keys".into(), |name| name.to_string_lossy().into_owned());
        let staging = crate::output::temporary_dir(parent, &name)?;
        let moved = self.write_into(&staging).and_then(|()| {
            std::fs::rename(&staging, dir)
                .map_err(|source| Error::io(dir, "move the new key folder into place", source))
        });
        if moved.is_err() {
            let _ = std::fs::remove_dir_all(&staging);
        }
        moved?;
        crate::output::sync_dir(parent)
    }
}

/// Writes the test key with its certificate and the test CA as `key.p12` beside them,
/// under `password` (PBES2 with AES-256-CBC and PBKDF2-SHA256, HMAC-SHA256: what
/// OpenSSL 3 writes by default). Never overwrites a file.
pub fn write_test_pkcs12(material: &TestMaterial, password: &Secret) -> Result<PathBuf, Error> {
    use p12_keystore::{Certificate as P12Certificate, KeyStore, KeyStoreEntry, PrivateKeyChain};
    let path = material.key.with_file_name("key.p12");
    let failed = |message: String| Error::Signing { what: path.display().to_string(), message };
    let key_blocks = pem_blocks(&read_key_file(&material.key)?).map_err(|message| key_error(&material.key, message))?;
    let mut chain = Vec::new();
    for certificate_file in [&material.certificate, &material.ca] {
        for certificate in load_certificates(certificate_file)? {
            let der = certificate.to_der().map_err(|error| failed(error.to_string()))?;
            chain.push(P12Certificate::from_der(&der).map_err(|error| failed(error.to_string()))?);
        }
    }
    let local_key_id = ring::digest::digest(&ring::digest::SHA256, chain[0].as_der()).as_ref()[..20].to_vec();
    let mut store = KeyStore::new();
    let entry = PrivateKeyChain::new(key_blocks[0].1.clone(), local_key_id, chain);
    store.add_entry("seloste test signer", KeyStoreEntry::PrivateKeyChain(entry));
    let bytes = store.writer(password.expose()).write().map_err(|error| failed(error.to_string()))?;
    if path.symlink_metadata().is_ok() {
        let exists = std::io::Error::new(std::io::ErrorKind::AlreadyExists, "keygen never overwrites key material");
        return Err(Error::io(&path, "create", exists));
    }
    crate::output::write_private(&path, &bytes)?;
    Ok(path)
}
