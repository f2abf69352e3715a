//! The providers' HTTP transport: hyper's client over rustls (ring, the web PKI roots),
//! HTTP/1.1 or HTTP/2 by ALPN, or HTTP/2 only (APNs speaks nothing else; with prior
//! knowledge a plain-HTTP stand-in on loopback answers too). Server-side code: the server
//! needs no general-purpose HTTP client library for two POST endpoints.

use std::sync::Once;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::header::{HeaderMap, HeaderName, HeaderValue};
use hyper::{Method, Request, StatusCode};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use crate::ProviderError;

/// Providers answer a few hundred bytes; anything near this is not an answer.
const MAX_ANSWER_BYTES: usize = 1024 * 1024;

static TLS_PROVIDER: Once = Once::new();

/// An answer, read whole (it is small).
pub(crate) struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Answer {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A pooled client for one provider.
pub(crate) struct Transport {
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    timeout: Duration,
}

impl Transport {
    pub fn new(timeout: Duration, http2_only: bool) -> Result<Self, ProviderError> {
        TLS_PROVIDER.call_once(|| {
            // Another part of the process may have installed one already; that is fine.
            let _ = rustls::crypto::ring::default_provider().install_default();
        });
        let roots = rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        let tls = rustls::ClientConfig::builder()
            .with_root_certificates(roots)
            .with_no_client_auth();
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_connect_timeout(Some(Duration::from_secs(5)));
        let builder = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http();
        let connector = if http2_only {
            builder.enable_http2().wrap_connector(http)
        } else {
            builder.enable_http1().enable_http2().wrap_connector(http)
        };
        let client = Client::builder(TokioExecutor::new())
            .http2_only(http2_only)
            .build(connector);
        Ok(Transport { client, timeout })
    }

    /// POSTs `body` with `headers`; the whole exchange (connect, send, read) within the
    /// timeout. `Err` is a transport failure, worded without the URL's query or secrets.
    pub async fn post(
        &self,
        url: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> Result<Answer, String> {
        let mut request = Request::builder().method(Method::POST).uri(url);
        for (name, value) in headers {
            let name = HeaderName::from_bytes(name.as_bytes()).map_err(|e| e.to_string())?;
            let value = HeaderValue::from_str(value).map_err(|_| format!("bad {name} header"))?;
            request = request.header(name, value);
        }
        request = request.header(
            hyper::header::USER_AGENT,
            concat!("companion-push/", env!("CARGO_PKG_VERSION")),
        );
        let request = request
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| format!("request: {e}"))?;
        let exchange = async {
            let response = self
                .client
                .request(request)
                .await
                .map_err(|e| format!("connection failed: {e}"))?;
            let (parts, body) = response.into_parts();
            let body = Limited::new(body, MAX_ANSWER_BYTES)
                .collect()
                .await
                .map_err(|e| format!("reading the answer: {e}"))?
                .to_bytes();
            Ok(Answer {
                status: parts.status,
                headers: parts.headers,
                body,
            })
        };
        tokio::time::timeout(self.timeout, exchange)
            .await
            .map_err(|_| format!("no answer within {} s", self.timeout.as_secs()))?
    }
}

/// `application/x-www-form-urlencoded` of `pairs`.
pub(crate) fn form(pairs: &[(&str, &str)]) -> Vec<u8> {
    fn encode(s: &str, out: &mut String) {
        for b in s.bytes() {
            match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    out.push(b as char)
                }
                b' ' => out.push('+'),
                _ => out.push_str(&format!("%{b:02X}")),
            }
        }
    }
    let mut out = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        encode(k, &mut out);
        out.push('=');
        encode(v, &mut out);
    }
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    #[test]
    fn form_encoding_escapes_reserved_characters() {
        assert_eq!(
            super::form(&[("grant_type", "urn:a b"), ("x", "a&b=c")]),
            b"grant_type=urn%3Aa+b&x=a%26b%3Dc".to_vec()
        );
    }
}
