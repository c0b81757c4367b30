//! Certificates an operator trusts besides the public roots (an institution's own
//! certificate authority for its relay and mail server), read once from PEM.

use tokio_rustls::rustls::pki_types::CertificateDer;
use tokio_rustls::rustls::pki_types::pem::PemObject;

/// The certificates in `pem`; an error when it holds none or a broken one, so a wrong
/// file is reported where it is configured rather than as a failed handshake later.
pub(crate) fn certificates(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, String> {
    let found = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("the trusted certificates are not readable PEM: {e}"))?;
    if found.is_empty() {
        return Err("the trusted certificates file holds no PEM certificate".into());
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn junk_is_refused() {
        assert!(certificates(b"not a certificate").is_err());
        assert!(certificates(b"").is_err());
        assert!(
            certificates(b"-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n").is_err()
        );
    }
}
