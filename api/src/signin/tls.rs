//! The HTTP client Bangfu uses to reach the school's sign-in servers (OIDC
//! discovery and keys, CAS ticket validation), over `https://` or `http://`.
//!
//! TLS is rustls with the *ring* provider, the one the database driver
//! already builds. A server's certificate is checked against the system's
//! roots (`/etc/ssl/certs`) plus the PEM certificates in
//! `BANGFU_TLS_CA_FILE`, for a school whose servers use its own CA.

use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("BANGFU_TLS_CA_FILE {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("BANGFU_TLS_CA_FILE {path}: not a PEM certificate bundle: {source}")]
    Parse { path: PathBuf, source: reqwest::Error },
    #[error("BANGFU_TLS_CA_FILE {0} holds no certificate")]
    Empty(PathBuf),
    #[error("cannot build the HTTPS client: {0}")]
    Client(#[source] reqwest::Error),
}

/// Certificates trusted beyond the system's roots.
#[derive(Clone, Default)]
pub struct ExtraRoots(Vec<reqwest::Certificate>);

impl ExtraRoots {
    /// The certificates of the PEM bundle at `path`; none without a path.
    pub fn load(path: Option<&Path>) -> Result<ExtraRoots, TlsError> {
        let Some(path) = path else {
            return Ok(ExtraRoots::default());
        };
        let pem = std::fs::read(path).map_err(|source| TlsError::Read {
            path: path.to_owned(),
            source,
        })?;
        let certificates = reqwest::Certificate::from_pem_bundle(&pem).map_err(|source| TlsError::Parse {
            path: path.to_owned(),
            source,
        })?;
        if certificates.is_empty() {
            return Err(TlsError::Empty(path.to_owned()));
        }
        Ok(ExtraRoots(certificates))
    }
}

/// Makes *ring* the process's TLS crypto provider. reqwest is built without
/// a provider of its own and panics building a client before one is
/// installed, so every client is built after this (it is idempotent).
pub fn install_crypto_provider() {
    // An `Err` only says a provider is installed already.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// A client whose every request gives up after `timeout`.
pub fn client(timeout: Duration, roots: &ExtraRoots) -> Result<reqwest::Client, TlsError> {
    builder(timeout, roots).build().map_err(TlsError::Client)
}

/// [`client`] that follows no redirect: a message POSTed to a robot or webhook that
/// answers 3xx is not delivered (a redirect would turn it into a GET answered 200, or carry
/// its signature elsewhere). Names are resolved by `resolver` (for reminders: public
/// addresses only), so no proxy from the environment is used (a proxy resolves names
/// itself); `proxy`, when given, is.
pub fn client_without_redirects(
    timeout: Duration,
    roots: &ExtraRoots,
    resolver: impl reqwest::dns::Resolve + 'static,
    proxy: Option<reqwest::Proxy>,
) -> Result<reqwest::Client, TlsError> {
    let builder = builder(timeout, roots)
        .redirect(reqwest::redirect::Policy::none())
        .dns_resolver(resolver)
        .no_proxy();
    match proxy {
        Some(proxy) => builder.proxy(proxy),
        None => builder,
    }
    .build()
    .map_err(TlsError::Client)
}

fn builder(timeout: Duration, roots: &ExtraRoots) -> reqwest::ClientBuilder {
    install_crypto_provider();
    reqwest::Client::builder()
        .timeout(timeout)
        .tls_certs_merge(roots.0.iter().cloned())
}
