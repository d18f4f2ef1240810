//! Where a robot or webhook may point. A branch admin sets a channel's URL and the server
//! then posts to it, so without a rule any admin could make the server reach its own
//! loopback, the campus network behind it or a cloud's metadata address (SSRF). Only public
//! addresses are reached, unless an operator names a host in
//! `BANGFU_REMINDER_PRIVATE_HOSTS` (an intranet webhook server, say).
//!
//! Judged twice: when a channel is set (an address in the URL, `localhost`) for a clear
//! error, and when it is sent, on the addresses the name resolves to at that moment
//! ([`PublicOnly`]), so a name that later resolves inward (DNS rebinding) is not reached.
//! Redirects are never followed (`tls::client_without_redirects`), and no proxy from the
//! environment is used: a proxy resolves names itself, out of this module's sight. One set
//! in `BANGFU_REMINDER_PROXY` is used, and its own rules are then the guard.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

/// The hosts an operator allows to be private; none by default.
#[derive(Clone, Debug, Default)]
pub struct TargetPolicy {
    private_hosts: Arc<Vec<String>>,
}

/// Why a target is refused.
pub const PRIVATE: &str = "points at a loopback or private address, which reminders do not reach \
     (an operator may allow the host with BANGFU_REMINDER_PRIVATE_HOSTS)";

impl TargetPolicy {
    /// From `BANGFU_REMINDER_PRIVATE_HOSTS`: host names or addresses, compared without case.
    pub fn new<S: AsRef<str>>(private_hosts: impl IntoIterator<Item = S>) -> TargetPolicy {
        let hosts = private_hosts
            .into_iter()
            .map(|h| normal_host(h.as_ref()))
            .filter(|h| !h.is_empty())
            .collect();
        TargetPolicy {
            private_hosts: Arc::new(hosts),
        }
    }

    /// This policy, with `host` allowed too.
    pub fn allowing(self, host: &str) -> TargetPolicy {
        let mut hosts = Vec::clone(&self.private_hosts);
        hosts.push(host.to_owned());
        TargetPolicy::new(hosts)
    }

    fn exempt(&self, host: &str) -> bool {
        let host = normal_host(host);
        self.private_hosts.contains(&host)
    }

    /// The URL's own host: an address must be public, a name must not be `localhost`.
    /// Names are judged on their addresses when sent.
    pub fn check_url(&self, url: &url::Url) -> Result<(), &'static str> {
        let Some(host) = url.host_str() else {
            return Err("has no host");
        };
        if self.exempt(host) {
            return Ok(());
        }
        let inward = match url.host() {
            Some(url::Host::Ipv4(ip)) => !is_public(IpAddr::V4(ip)),
            Some(url::Host::Ipv6(ip)) => !is_public(IpAddr::V6(ip)),
            Some(url::Host::Domain(name)) => {
                let name = normal_host(name);
                name == "localhost" || name.ends_with(".localhost")
            }
            None => true,
        };
        if inward { Err(PRIVATE) } else { Ok(()) }
    }

    /// The resolver the sender's HTTP client uses.
    pub fn resolver(&self) -> PublicOnly {
        PublicOnly(self.clone())
    }
}

/// Lower case, without the brackets of an IPv6 literal or a trailing dot.
fn normal_host(host: &str) -> String {
    host.trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .trim_end_matches('.')
        .to_ascii_lowercase()
}

/// Whether an address is on the public internet: not loopback, private, link-local,
/// shared (CGNAT), documentation, benchmarking, multicast, reserved or unspecified; an
/// IPv4 address inside IPv6 (compatible, mapped, NAT64, 6to4) is judged as itself, and
/// the forms that hide where they lead (Teredo, SIIT) are refused.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(ip) => is_public_v4(ip),
        IpAddr::V6(ip) => is_public_v6(ip),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b))
        || (a == 192 && b == 0 && c == 0)
        || (a == 198 && (18..20).contains(&b))
        || a >= 240)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    // ::/96 (IPv4-compatible, deprecated; `::1` and `::` become 0.0.0.x) and ::ffff:0:0/96
    // (mapped): judged as the IPv4 address they carry. SIIT's ::ffff:0:0:0/96 is refused
    // below whatever it carries.
    if let Some(v4) = ip.to_ipv4() {
        return is_public_v4(v4);
    }
    let s = ip.segments();
    let embedded = |hi: u16, lo: u16| Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
    // 64:ff9b::/96, NAT64: the last 32 bits are an IPv4 address.
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return is_public_v4(embedded(s[6], s[7]));
    }
    // 2002::/16, 6to4: bits 16-48 are an IPv4 address.
    if s[0] == 0x2002 {
        return is_public_v4(embedded(s[1], s[2]));
    }
    !(ip.is_multicast()
        || (s[0] & 0xfe00) == 0xfc00 // unique local
        || (s[0] & 0xffc0) == 0xfe80 // link-local
        || (s[0] & 0xffc0) == 0xfec0 // site-local, deprecated
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
        || (s[0] == 0x3fff && (s[1] & 0xf000) == 0) // documentation, 3fff::/20
        || (s[0] == 0x2001 && s[1] == 2 && s[2] == 0) // benchmarking, 2001:2::/48
        || (s[0] == 0x2001 && (s[1] & 0xffe0) == 0x0020) // ORCHIDv2, 2001:20::/28
        || (s[0] == 0x2001 && (s[1] & 0xfff0) == 0x0010) // ORCHID, 2001:10::/28
        || s[0] == 0x5f00 // SRv6 SIDs
        || (s[0] == 0x2001 && s[1] == 0) // Teredo: the address it reaches is hidden
        || s[..3] == [0x64, 0xff9b, 1] // local-use NAT64
        || s[..4] == [0x100, 0, 0, 0] // discard-only
        || s[..6] == [0, 0, 0, 0, 0xffff, 0]) // IPv4-translated (SIIT)
}

/// The resolver's refusal: every address of the host is inward.
#[derive(Debug, thiserror::Error)]
#[error("{0} {PRIVATE}", PRIVATE = PRIVATE)]
pub struct Inward(pub String);

/// Resolves as the system does, then keeps only public addresses (all of them for a host
/// the operator allows); a name left with none is an error, so nothing is sent.
#[derive(Clone, Debug)]
pub struct PublicOnly(TargetPolicy);

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_owned();
        let exempt = self.0.exempt(&host);
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let kept: Vec<SocketAddr> = found.into_iter().filter(|a| exempt || is_public(a.ip())).collect();
            if kept.is_empty() {
                return Err(Box::new(Inward(host)) as Box<dyn std::error::Error + Send + Sync>);
            }
            let addrs: reqwest::dns::Addrs = Box::new(kept.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn only_public_addresses_are_public() {
        for inward in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254", // a cloud's metadata service
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "198.18.0.1",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::a00:1", // NAT64 of 10.0.0.1
            "2001:db8::1",
            "::127.0.0.1", // IPv4-compatible
            "::10.0.0.1",
            "::ffff:0:a00:1",      // IPv4-translated
            "2002:a00:1::1",       // 6to4 of 10.0.0.1
            "2001:0:4136:e378::1", // Teredo
            "64:ff9b:1::1",
            "100::1",
            "3fff::1",
            "3fff:fff::1",
            "2001:2::1",
            "2001:20::1",
            "5f00::1",
        ] {
            assert!(!is_public(ip(inward)), "{inward} is not public");
        }
        for public in [
            "101.226.1.1",
            "8.8.8.8",
            "2400:3200::1",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
        ] {
            assert!(is_public(ip(public)), "{public} is public");
        }
    }

    #[test]
    fn a_url_naming_an_inward_host_is_refused_unless_allowed() {
        let strict = TargetPolicy::default();
        let url = |s: &str| url::Url::parse(s).unwrap();
        assert!(
            strict
                .check_url(&url("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"))
                .is_ok()
        );
        for inward in [
            "http://127.0.0.1:8080/hook",
            "http://[::1]/hook",
            "http://169.254.169.254/latest/meta-data",
            "http://localhost/hook",
            "http://LOCALHOST./hook",
            "http://api.localhost/hook",
            "http://0x7f000001/hook", // the URL parser reads it as 127.0.0.1
            "http://[::127.0.0.1]/hook",
        ] {
            assert_eq!(strict.check_url(&url(inward)), Err(PRIVATE), "{inward}");
        }
        let allowing = TargetPolicy::new(["127.0.0.1", "Hooks.Intranet.EDU", "[::1]"]);
        assert!(allowing.check_url(&url("http://127.0.0.1:8080/hook")).is_ok());
        assert!(allowing.check_url(&url("http://hooks.intranet.edu/x")).is_ok());
        assert!(allowing.check_url(&url("http://[::1]/hook")).is_ok());
        assert!(allowing.check_url(&url("http://10.0.0.1/hook")).is_err());
        assert!(
            allowing
                .allowing("10.0.0.1")
                .check_url(&url("http://10.0.0.1/hook"))
                .is_ok()
        );
    }

    #[tokio::test]
    async fn a_name_resolving_inward_is_not_reached() {
        use reqwest::dns::Resolve as _;
        let name = |s: &str| s.parse::<reqwest::dns::Name>().unwrap();
        let refused = TargetPolicy::default().resolver().resolve(name("localhost")).await;
        let Err(e) = refused else {
            panic!("localhost resolved for a strict policy")
        };
        assert!(e.to_string().contains("BANGFU_REMINDER_PRIVATE_HOSTS"), "{e}");
        let allowed = TargetPolicy::new(["localhost"])
            .resolver()
            .resolve(name("localhost"))
            .await;
        let addrs: Vec<SocketAddr> = allowed.map(|a| a.collect()).unwrap_or_default();
        assert!(
            addrs.iter().all(|a| a.ip().is_loopback()) && !addrs.is_empty(),
            "{addrs:?}"
        );
    }
}
