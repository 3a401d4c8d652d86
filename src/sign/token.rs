//! Keys on a PKCS#11 token (a hardware security module or a smart card), named by an
//! RFC 7512 `pkcs11:` URI. The key never leaves the token: the token signs the digest
//! (ECDSA) or the signed attributes (RSA PKCS#1 v1.5 or PSS) it is given.
//!
//! One login per process: PKCS#11 logs the user in for every session of the application,
//! so `TokenKey` logs in on one session it keeps open for its whole life and signs on a
//! pool of further sessions, one per signing thread at a time. A PIN the token refuses is
//! never tried again, and a token that says its next wrong PIN locks it is not tried at all.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as Pkcs11Error, RvError};
use cryptoki::mechanism::rsa::{PkcsMgfType, PkcsPssParams};
use cryptoki::mechanism::{Mechanism, MechanismType};
use cryptoki::object::{Attribute, AttributeType, CertificateType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use cryptoki::types::AuthPin;
use ring::digest::{SHA256, SHA384, digest};

use super::secret::Secret;
use crate::error::Error;

/// What an RFC 7512 URI says of the token and the key.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct TokenUri {
    pub token: Option<String>,
    pub serial: Option<String>,
    pub manufacturer: Option<String>,
    pub model: Option<String>,
    pub object: Option<String>,
    pub id: Option<Vec<u8>>,
    pub module_path: Option<PathBuf>,
}

/// The URI's attributes seloste reads; others of RFC 7512's (`slot-id`, `library-*`) are
/// accepted and not used, and any other is an error.
const IGNORED_ATTRIBUTES: [&str; 6] = [
    "slot-description",
    "slot-manufacturer",
    "slot-id",
    "library-manufacturer",
    "library-description",
    "library-version",
];

/// Whether a key is named by a `pkcs11:` URI rather than a file.
pub fn is_pkcs11_uri(key: &str) -> bool {
    key.get(..7).is_some_and(|scheme| scheme.eq_ignore_ascii_case("pkcs11:"))
}

impl TokenUri {
    pub fn parse(uri: &str) -> Result<TokenUri, String> {
        if !is_pkcs11_uri(uri) {
            return Err("a PKCS#11 URI starts with `pkcs11:`".into());
        }
        let rest = &uri[7..];
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        let mut parsed = TokenUri::default();
        let mut seen: Vec<String> = Vec::new();
        let attributes = path.split(';').chain(query.split('&')).filter(|part| !part.is_empty());
        for attribute in attributes {
            let (name, value) =
                attribute.split_once('=').ok_or_else(|| format!("`{attribute}` is not a `name=value` attribute"))?;
            if seen.iter().any(|earlier| earlier == name) {
                return Err(format!("the attribute `{name}` is given twice"));
            }
            seen.push(name.to_owned());
            let bytes =
                percent_decode(value).ok_or_else(|| format!("the value of `{name}` is not percent-encoded right"))?;
            let text = || String::from_utf8(bytes.clone()).map_err(|_| format!("the value of `{name}` is not UTF-8"));
            match name {
                "token" => parsed.token = Some(text()?),
                "serial" => parsed.serial = Some(text()?),
                "manufacturer" => parsed.manufacturer = Some(text()?),
                "model" => parsed.model = Some(text()?),
                "object" => parsed.object = Some(text()?),
                "id" => parsed.id = Some(bytes),
                "type" if matches!(value, "private" | "cert") => {}
                "type" => return Err(format!("`type={value}`: seloste signs with a private key (`type=private`)")),
                "module-path" => parsed.module_path = Some(PathBuf::from(text()?)),
                "pin-value" | "pin-source" => {
                    return Err("the URI carries the PIN; give it with --pin-file or --pin-env instead, so that it is never on the command line".into());
                }
                other if IGNORED_ATTRIBUTES.contains(&other) || other.starts_with("x-") => {}
                other => return Err(format!("unknown attribute `{other}`")),
            }
        }
        if parsed.object.is_none() && parsed.id.is_none() {
            return Err("the URI names no key: add `object=<label>` or `id=<hex bytes as %xx>`".into());
        }
        Ok(parsed)
    }

    /// The key as the URI names it, for messages.
    fn key_name(&self) -> String {
        match (&self.object, &self.id) {
            (Some(label), _) => format!("`{label}`"),
            (None, Some(id)) => format!("id {}", crate::hex::encode(id)),
            (None, None) => "the key".into(),
        }
    }
}

fn percent_decode(value: &str) -> Option<Vec<u8>> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' {
            let hex = std::str::from_utf8(bytes.get(index + 1..index + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            index += 3;
        } else {
            out.push(bytes[index]);
            index += 1;
        }
    }
    Some(out)
}

/// How the token signs for the certificate's key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenAlgorithm {
    EcdsaP256,
    EcdsaP384,
    RsaPkcs1Sha256,
    RsaPssSha256,
}

/// A key on a token, logged in.
pub struct TokenKey {
    context: Pkcs11,
    slot: Slot,
    key: ObjectHandle,
    algorithm: TokenAlgorithm,
    label: String,
    /// The session the login was made on, kept open: closing the last session would log
    /// out. (In a mutex only because a session may not be shared between threads.)
    _login: Mutex<Session>,
    sessions: Mutex<Vec<Session>>,
}

/// What was found on the token besides the key.
pub struct OpenedToken {
    pub key: TokenKey,
    /// The certificate stored with the key (same CKA_ID, or same label), DER.
    pub certificate: Option<Vec<u8>>,
}

fn failed(what: &str, error: impl std::fmt::Display) -> Error {
    Error::Signing { what: what.to_owned(), message: error.to_string() }
}

/// Loads the module, finds the token and the key, and logs in with `pin`.
pub fn open(uri: &TokenUri, module: &Path, pin: Option<&Secret>) -> Result<OpenedToken, Error> {
    let module_name = module.display().to_string();
    if !module.is_file() {
        return Err(failed(&module_name, "the PKCS#11 module is not there (give its path with --pkcs11-module)"));
    }
    let context = Pkcs11::new(module).map_err(|error| {
        failed(&module_name, format!("this is not a PKCS#11 module that can be loaded ({})", loading_reason(&error)))
    })?;
    match context.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
        Ok(()) | Err(Pkcs11Error::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
        Err(error) => return Err(failed(&module_name, format!("the PKCS#11 module did not start: {error}"))),
    }
    let (slot, label) = find_token(&context, uri, &module_name)?;
    let info = context.get_token_info(slot).map_err(|error| failed(&label, error))?;
    let session = context.open_ro_session(slot).map_err(|error| failed(&label, error))?;
    if info.login_required() {
        login(&session, &info, pin, &label)?;
    }
    let key = find_key(&session, uri, &label)?;
    refuse_per_signature_pin(&session, key, &label)?;
    let certificate = find_certificate(&session, key, &label)?;
    Ok(OpenedToken {
        key: TokenKey {
            context,
            slot,
            key,
            algorithm: TokenAlgorithm::RsaPkcs1Sha256,
            label,
            _login: Mutex::new(session),
            sessions: Mutex::new(Vec::new()),
        },
        certificate,
    })
}

/// Why a library did not load, without the long dynamic-linker text when it is the
/// missing entry point.
fn loading_reason(error: &Pkcs11Error) -> String {
    let text = error.to_string();
    if text.contains("C_GetFunctionList") { "it has no C_GetFunctionList".into() } else { text }
}

fn find_token(context: &Pkcs11, uri: &TokenUri, module: &str) -> Result<(Slot, String), Error> {
    let slots = context.get_slots_with_token().map_err(|error| failed(module, error))?;
    let mut labels = Vec::new();
    let mut found = Vec::new();
    for slot in slots {
        let Ok(info) = context.get_token_info(slot) else { continue };
        let label = info.label().trim().to_owned();
        let matches =
            |wanted: &Option<String>, actual: &str| wanted.as_deref().is_none_or(|wanted| wanted == actual.trim());
        if matches(&uri.token, &label)
            && matches(&uri.serial, info.serial_number())
            && matches(&uri.manufacturer, info.manufacturer_id())
            && matches(&uri.model, info.model())
        {
            found.push((slot, label.clone()));
        }
        labels.push(format!("`{label}`"));
    }
    match found.len() {
        1 => {
            let (slot, label) = found.remove(0);
            Ok((slot, format!("the token `{label}`")))
        }
        0 if labels.is_empty() => Err(failed(module, "no token is present (is the card in its reader?)")),
        0 => Err(failed(module, format!("no token matches the URI; the tokens present: {}", labels.join(", ")))),
        _ => Err(failed(
            module,
            format!("several tokens match the URI ({}); name one with `token=` or `serial=`", labels.join(", ")),
        )),
    }
}

fn login(session: &Session, info: &cryptoki::slot::TokenInfo, pin: Option<&Secret>, label: &str) -> Result<(), Error> {
    if info.user_pin_locked() {
        return Err(failed(label, "the token's PIN is locked; it must be unlocked with the token's own tools"));
    }
    if info.user_pin_final_try() {
        return Err(failed(
            label,
            "the token says one more wrong PIN locks it; seloste does not risk that: check the PIN with the token's own tools first",
        ));
    }
    let pin = match pin {
        Some(pin) => Some(AuthPin::new(pin.expose().into())),
        None if info.protected_authentication_path() => None,
        None => return Err(failed(label, "the token needs a PIN: give it with --pin-file or --pin-env")),
    };
    match session.login(UserType::User, pin.as_ref()) {
        Ok(()) | Err(Pkcs11Error::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => Ok(()),
        Err(Pkcs11Error::Pkcs11(RvError::PinIncorrect, _)) => Err(failed(
            label,
            "the token did not accept the PIN; seloste does not try it again, so that the token does not lock",
        )),
        Err(Pkcs11Error::Pkcs11(RvError::PinLocked, _)) => Err(failed(label, "the token's PIN is locked")),
        Err(error) => Err(failed(label, format!("logging in failed: {error}"))),
    }
}

fn find_key(session: &Session, uri: &TokenUri, label: &str) -> Result<ObjectHandle, Error> {
    let mut template = vec![Attribute::Class(ObjectClass::PRIVATE_KEY)];
    if let Some(object) = &uri.object {
        template.push(Attribute::Label(object.as_bytes().to_vec()));
    }
    if let Some(id) = &uri.id {
        template.push(Attribute::Id(id.clone()));
    }
    let keys = session.find_objects(&template).map_err(|error| failed(label, error))?;
    match keys.as_slice() {
        [key] => Ok(*key),
        [] => Err(failed(label, format!("the token has no private key {}", uri.key_name()))),
        several => {
            let names: Vec<String> = several.iter().map(|key| describe_object(session, *key)).collect();
            Err(failed(
                label,
                format!("{} keys match {}: {}; name one by `id=`", several.len(), uri.key_name(), names.join(", ")),
            ))
        }
    }
}

/// A key that asks for the PIN again at every signature (CKA_ALWAYS_AUTHENTICATE, as the
/// qualified signing keys of citizen cards do) cannot sign a batch on one login: said
/// plainly here rather than as a logged-out error at the first signature.
fn refuse_per_signature_pin(session: &Session, key: ObjectHandle, label: &str) -> Result<(), Error> {
    let attributes = session.get_attributes(key, &[AttributeType::AlwaysAuthenticate]).unwrap_or_default();
    if attributes.iter().any(|attribute| matches!(attribute, Attribute::AlwaysAuthenticate(true))) {
        return Err(failed(
            label,
            "this key asks for the PIN at every signature (CKA_ALWAYS_AUTHENTICATE), as a citizen card's signing key does; seloste signs on one login and cannot use it: use an organisation key",
        ));
    }
    Ok(())
}

/// An object as `label (id 01)`.
fn describe_object(session: &Session, object: ObjectHandle) -> String {
    let attributes = session.get_attributes(object, &[AttributeType::Label, AttributeType::Id]).unwrap_or_default();
    let mut label = String::new();
    let mut id = String::new();
    for attribute in attributes {
        match attribute {
            Attribute::Label(bytes) => label = String::from_utf8_lossy(&bytes).into_owned(),
            Attribute::Id(bytes) => id = crate::hex::encode(&bytes),
            _ => {}
        }
    }
    format!("`{label}` (id {id})")
}

fn find_certificate(session: &Session, key: ObjectHandle, label: &str) -> Result<Option<Vec<u8>>, Error> {
    let attributes = session
        .get_attributes(key, &[AttributeType::Id, AttributeType::Label])
        .map_err(|error| failed(label, error))?;
    for attribute in attributes {
        let same = match attribute {
            Attribute::Id(id) if !id.is_empty() => Attribute::Id(id),
            Attribute::Label(name) if !name.is_empty() => Attribute::Label(name),
            _ => continue,
        };
        let template =
            [Attribute::Class(ObjectClass::CERTIFICATE), Attribute::CertificateType(CertificateType::X_509), same];
        let certificates = session.find_objects(&template).map_err(|error| failed(label, error))?;
        if let Some(certificate) = certificates.first() {
            let value =
                session.get_attributes(*certificate, &[AttributeType::Value]).map_err(|error| failed(label, error))?;
            if let Some(Attribute::Value(der)) = value.into_iter().next() {
                return Ok(Some(der));
            }
        }
    }
    Ok(None)
}

impl TokenKey {
    pub fn set_algorithm(&mut self, algorithm: TokenAlgorithm) {
        self.algorithm = algorithm;
    }

    pub fn algorithm(&self) -> TokenAlgorithm {
        self.algorithm
    }

    /// Signs `message`: an ECDSA signature in DER, or an RSA signature.
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, Error> {
        let pooled = self.sessions.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).pop();
        let session = match pooled {
            Some(session) => session,
            None => self.context.open_ro_session(self.slot).map_err(|error| self.token_error(error))?,
        };
        let signed = match self.algorithm {
            TokenAlgorithm::EcdsaP256 | TokenAlgorithm::EcdsaP384 => {
                let hash = if self.algorithm == TokenAlgorithm::EcdsaP256 { &SHA256 } else { &SHA384 };
                session
                    .sign(&Mechanism::Ecdsa, self.key, digest(hash, message).as_ref())
                    .map_err(|error| self.token_error(error))
                    .and_then(|raw| ecdsa_der(&raw).map_err(|message| failed(&self.label, message)))
            }
            TokenAlgorithm::RsaPkcs1Sha256 => {
                session.sign(&Mechanism::Sha256RsaPkcs, self.key, message).map_err(|error| self.token_error(error))
            }
            TokenAlgorithm::RsaPssSha256 => {
                let parameters =
                    PkcsPssParams { hash_alg: MechanismType::SHA256, mgf: PkcsMgfType::MGF1_SHA256, s_len: 32.into() };
                session
                    .sign(&Mechanism::Sha256RsaPkcsPss(parameters), self.key, message)
                    .map_err(|error| self.token_error(error))
            }
        };
        if signed.is_ok() {
            self.sessions.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).push(session);
        }
        signed
    }

    fn token_error(&self, error: Pkcs11Error) -> Error {
        let message = match error {
            Pkcs11Error::Pkcs11(
                RvError::TokenNotPresent
                | RvError::DeviceRemoved
                | RvError::SessionHandleInvalid
                | RvError::SessionClosed,
                _,
            ) => "the token was removed or closed the session; nothing more is signed".to_owned(),
            Pkcs11Error::Pkcs11(RvError::UserNotLoggedIn, _) => "the token logged the user out".to_owned(),
            other => format!("the token refused to sign: {other}"),
        };
        failed(&self.label, message)
    }
}

/// A token's raw ECDSA signature (r ‖ s, each the field's size) as the DER
/// `ECDSA-Sig-Value` CMS carries.
fn ecdsa_der(raw: &[u8]) -> Result<Vec<u8>, String> {
    #[derive(der::Sequence)]
    struct EcdsaSignature<'a> {
        r: der::asn1::UintRef<'a>,
        s: der::asn1::UintRef<'a>,
    }
    if raw.is_empty() || !raw.len().is_multiple_of(2) {
        return Err(format!("the token returned an ECDSA signature of {} bytes", raw.len()));
    }
    let (r, s) = raw.split_at(raw.len() / 2);
    let value = EcdsaSignature {
        r: der::asn1::UintRef::new(r).map_err(|error| error.to_string())?,
        s: der::asn1::UintRef::new(s).map_err(|error| error.to_string())?,
    };
    der::Encode::to_der(&value).map_err(|error| error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_read_as_rfc_7512_writes_them() {
        let uri =
            TokenUri::parse("pkcs11:token=Kunta%20HSM;object=signer;id=%01%a0?module-path=/usr/lib/x.so").unwrap();
        assert_eq!(uri.token.as_deref(), Some("Kunta HSM"));
        assert_eq!(uri.object.as_deref(), Some("signer"));
        assert_eq!(uri.id, Some(vec![0x01, 0xa0]));
        assert_eq!(uri.module_path, Some(PathBuf::from("/usr/lib/x.so")));
        for bad in [
            "pkcs12:token=a;object=b",
            "pkcs11:token=a",
            "pkcs11:token=a;token=b;object=c",
            "pkcs11:object=a;colour=red",
            "pkcs11:object=a?pin-value=1234",
            "pkcs11:object=%zz",
        ] {
            let error = TokenUri::parse(bad).unwrap_err();
            assert!(!error.contains("1234"), "{error}");
        }
    }

    #[test]
    fn a_raw_ecdsa_signature_becomes_der() {
        let mut raw = vec![0u8; 64];
        raw[0] = 0x80;
        raw[63] = 1;
        let der = ecdsa_der(&raw).unwrap();
        assert_eq!(der[0], 0x30);
        assert_eq!(&der[2..5], &[0x02, 0x21, 0x00], "a high bit gets a leading zero");
    }
}
