//! Where alerts may be sent. A channel is an address someone typed, and
//! Baton posts to it from inside the network it runs in: unless the
//! operator allows private targets (`--allow-private-targets`), an address
//! on a loopback, private, link-local, shared, unspecified, multicast or
//! otherwise reserved network is refused, however it is spelled (`127.1`,
//! `2130706433`, `[::ffff:127.0.0.1]`, a name that resolves there). The
//! check runs when a channel is added and again on every connection (a
//! resolver that drops such addresses), so a name that resolves elsewhere
//! once and inside later (DNS rebinding) still reaches nothing inside.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use reqwest::Url;

/// Whether `ip` is on a network that alerts must not reach.
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_internal_v4(v4),
        IpAddr::V6(v6) => is_internal_v6(v6),
    }
}

fn is_internal_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_multicast()
        || ip.is_broadcast()
        || a == 0 // "this network", 0.0.0.0 included
        || (a == 100 && (64..128).contains(&b)) // shared address space (carrier NAT)
        || (a == 192 && b == 0 && c == 0) // protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || a >= 240 // reserved
}

fn is_internal_v6(ip: Ipv6Addr) -> bool {
    // IPv4 carried inside IPv6: mapped (::ffff:a.b.c.d), compatible
    // (::a.b.c.d), NAT64 (64:ff9b::a.b.c.d) and 6to4 (2002:aabb:ccdd::).
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_internal_v4(v4);
    }
    let s = ip.segments();
    let embedded = |hi: u16, lo: u16| {
        let [a, b] = hi.to_be_bytes();
        let [c, d] = lo.to_be_bytes();
        Ipv4Addr::new(a, b, c, d)
    };
    if s[..6] == [0, 0, 0, 0, 0, 0] && !ip.is_loopback() && !ip.is_unspecified() {
        return is_internal_v4(embedded(s[6], s[7]));
    }
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return is_internal_v4(embedded(s[6], s[7]));
    }
    if s[0] == 0x2002 {
        return is_internal_v4(embedded(s[1], s[2]));
    }
    ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (s[0] & 0xfe00) == 0xfc00 // unique local
        || (s[0] & 0xffc0) == 0xfe80 // link-local
        || (s[0] & 0xffc0) == 0xfec0 // site-local (deprecated)
        || s[0] == 0x2001 && s[1] == 0x0db8 // documentation
}

/// Why an address may not be a channel's, if it may not. Names are
/// resolved here as they would be to send; `allow_private` lets everything
/// through.
pub async fn refusal(url: &str, allow_private: bool) -> Option<String> {
    let parsed = match Url::parse(url) {
        Ok(parsed) => parsed,
        Err(_) => return Some("give a whole http:// or https:// address".to_owned()),
    };
    if !matches!(parsed.scheme(), "http" | "https") {
        return Some("only http:// and https:// addresses can receive alerts".to_owned());
    }
    if allow_private {
        return None;
    }
    let inside = "this address is inside Baton's own network (loopback, private, link-local or reserved): \
                  alerts go only to public addresses unless the operator starts Baton with --allow-private-targets";
    match parsed.host() {
        None => Some("the address names no host".to_owned()),
        Some(url::Host::Ipv4(ip)) => is_internal(IpAddr::V4(ip)).then(|| inside.to_owned()),
        Some(url::Host::Ipv6(ip)) => is_internal(IpAddr::V6(ip)).then(|| inside.to_owned()),
        Some(url::Host::Domain(name)) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            if name == "localhost" || name.ends_with(".localhost") {
                return Some(inside.to_owned());
            }
            let port = parsed.port_or_known_default().unwrap_or(443);
            match tokio::net::lookup_host((name.as_str(), port)).await {
                Ok(addrs) => {
                    let addrs: Vec<SocketAddr> = addrs.collect();
                    if addrs.iter().any(|a| is_internal(a.ip())) {
                        Some(inside.to_owned())
                    } else {
                        None
                    }
                }
                // A name that does not resolve now may later: it is kept,
                // and each send checks where it leads then.
                Err(_) => None,
            }
        }
    }
}

/// Whether a URL's host is an address literal inside the network (a name
/// is checked by [`PublicOnly`] as it resolves).
pub fn literal_is_internal(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => is_internal(IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => is_internal(IpAddr::V6(ip)),
        Some(url::Host::Domain(name)) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            name == "localhost" || name.ends_with(".localhost")
        }
        None => true,
    }
}

/// A resolver for the alert client that hands out only public addresses,
/// checked on every connection.
#[derive(Debug, Clone, Copy)]
pub struct PublicOnly;

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|addr| !is_internal(addr.ip()))
                .collect();
            if found.is_empty() {
                return Err(format!("{host} resolves only to addresses inside the network").into());
            }
            let addrs: reqwest::dns::Addrs = Box::new(found.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn addresses_inside_are_refused_however_spelled() {
        for url in [
            "http://127.0.0.1/x",
            "http://127.1/x",
            "http://2130706433/x",
            "http://0x7f.1/x",
            "http://0177.0.0.1/x",
            "http://[::1]/x",
            "http://[::ffff:127.0.0.1]/x",
            "http://[::ffff:7f00:1]/x",
            "http://[64:ff9b::a00:1]/x",
            "http://[2002:c0a8:101::]/x",
            "http://[fe80::1]/x",
            "http://[fd00::1]/x",
            "http://0.0.0.0/x",
            "http://0/x",
            "http://10.1.2.3/x",
            "http://172.16.0.1/x",
            "http://192.168.1.1/x",
            "http://169.254.169.254/latest/meta-data",
            "http://100.64.0.1/x",
            "http://224.0.0.1/x",
            "http://255.255.255.255/x",
            "http://localhost:8080/x",
            "http://api.localhost/x",
            "http://LOCALHOST./x",
        ] {
            assert!(refusal(url, false).await.is_some(), "{url} was let through");
            assert_eq!(
                refusal(url, true).await,
                None,
                "{url} with private targets allowed"
            );
        }
    }

    #[tokio::test]
    async fn a_name_resolving_inside_gets_no_address_on_connecting() {
        use reqwest::dns::Resolve as _;
        // Checked again on every connection, whatever the name resolved
        // to when the channel was added.
        for name in ["localhost", "127.0.0.1"] {
            let name: reqwest::dns::Name = name.parse().unwrap();
            let refused = match PublicOnly.resolve(name).await {
                Ok(_) => String::new(),
                Err(err) => err.to_string(),
            };
            assert!(refused.contains("inside the network"), "{refused:?}");
        }
    }

    #[tokio::test]
    async fn public_addresses_and_bad_schemes() {
        for url in [
            "https://93.184.216.34/hook",
            "https://[2606:4700::1111]/hook",
            "http://8.8.8.8:8080/x",
        ] {
            assert_eq!(refusal(url, false).await, None, "{url}");
        }
        for url in ["ftp://93.184.216.34/x", "file:///etc/passwd", "not a url"] {
            assert!(refusal(url, true).await.is_some(), "{url}");
        }
    }
}
