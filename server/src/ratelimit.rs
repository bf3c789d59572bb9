//! Abuse limits for the public endpoints: a token bucket per client and kind of request.
//!
//! - **What is limited.** The citizen-facing endpoints only: the web form's and status page's
//!   server functions (`/api/public/*`), the status pages (`/track`, `/track/*`) and Open311
//!   (`/open311/*`). Writes (any method but GET/HEAD) and reads have separate buckets, writes
//!   the stricter. `/zalo/webhook` is signed and exempt; operator and liaison traffic
//!   (`/api/intake/*`, `/api/tickets/*`, the dashboard, pages, assets) is never limited.
//! - **Buckets.** `per_min` tokens a minute, holding at most `per_min / 3` (at least 1): a client
//!   may send a third of its minute at once, then one request every `60 / per_min` seconds.
//!   Over the limit: 429 with `Retry-After` (whole seconds until the next token) and a message
//!   in Vietnamese and English — Open311's error body on Open311 paths, a serialized `AppError`
//!   on server functions, plain text on pages. A limit of 0 turns that kind off.
//! - **Clients.** The connection's IP address (IPv6 by /64, the block one subscriber gets), or,
//!   with `trust_proxy`, the first address of `X-Forwarded-For` (the proxy in front must set the
//!   header, not append to what the client sent). Without either (tests that call the router
//!   directly) every request is one client, "unknown".
//! - **Memory.** At most `max_clients` entries (~100 bytes each). A client idle long enough for
//!   its buckets to be full again is the same as a new one and is dropped by a sweep (every
//!   minute, or when the table is full); when the table is full of active clients, new ones
//!   share one overflow entry until a sweep frees room.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Limits and client identification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RateLimitConfig {
    /// Public writes (POST…) per minute and client; 0: unlimited.
    pub writes_per_min: u32,
    /// Public reads (GET, HEAD) per minute and client; 0: unlimited.
    pub reads_per_min: u32,
    /// Identify clients by the first `X-Forwarded-For` address (behind a reverse proxy).
    pub trust_proxy: bool,
    /// Most clients tracked at once.
    pub max_clients: usize,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        Self {
            writes_per_min: 30,
            reads_per_min: 300,
            trust_proxy: false,
            max_clients: 100_000,
        }
    }
}

/// The kind of a limited request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    Write,
    Read,
}

/// The bucket a request draws from, or `None` when it is not limited.
pub fn classify(method: &Method, path: &str) -> Option<Class> {
    let public = path.starts_with("/api/public/")
        || path == "/track"
        || path.starts_with("/track/")
        || path == "/open311"
        || path.starts_with("/open311/");
    public.then(|| {
        if method == Method::GET || method == Method::HEAD {
            Class::Read
        } else {
            Class::Write
        }
    })
}

#[derive(Clone, Copy, Debug)]
struct Limit {
    capacity: f64,
    per_sec: f64,
}

impl Limit {
    fn new(per_min: u32) -> Option<Self> {
        (per_min > 0).then(|| Self {
            capacity: f64::from((per_min / 3).max(1)),
            per_sec: f64::from(per_min) / 60.0,
        })
    }

    /// How long an untouched bucket takes to fill up from empty.
    fn refill(&self) -> Duration {
        Duration::from_secs_f64(self.capacity / self.per_sec)
    }
}

#[derive(Clone, Copy, Debug)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl Bucket {
    /// Takes a token, or says how long until one is there.
    fn take(&mut self, limit: &Limit, now: Instant) -> Result<(), Duration> {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        self.tokens = (self.tokens + elapsed * limit.per_sec).min(limit.capacity);
        self.at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - self.tokens) / limit.per_sec))
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct Client {
    write: Bucket,
    read: Bucket,
    seen: Instant,
}

impl Client {
    fn new(write: Option<Limit>, read: Option<Limit>, now: Instant) -> Self {
        let full = |l: Option<Limit>| Bucket {
            tokens: l.map_or(0.0, |l| l.capacity),
            at: now,
        };
        Self {
            write: full(write),
            read: full(read),
            seen: now,
        }
    }
}

struct Table {
    clients: HashMap<IpAddr, Client>,
    overflow: Client,
    last_sweep: Instant,
}

/// The limiter shared by every request.
pub struct RateLimiter {
    config: RateLimitConfig,
    write: Option<Limit>,
    read: Option<Limit>,
    /// A client unseen this long has full buckets again: dropping it loses nothing.
    idle: Duration,
    table: Mutex<Table>,
}

/// The address requests without a known client count under.
const UNKNOWN: IpAddr = IpAddr::V4(Ipv4Addr::UNSPECIFIED);
const SWEEP_EVERY: Duration = Duration::from_secs(60);

/// IPv4 as is (also when mapped into IPv6); IPv6 by its /64 network.
fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

impl RateLimiter {
    pub fn new(config: RateLimitConfig) -> Self {
        let write = Limit::new(config.writes_per_min);
        let read = Limit::new(config.reads_per_min);
        let idle = [write, read]
            .iter()
            .flatten()
            .map(Limit::refill)
            .max()
            .unwrap_or(Duration::ZERO);
        let now = Instant::now();
        Self {
            config,
            write,
            read,
            idle,
            table: Mutex::new(Table {
                clients: HashMap::new(),
                overflow: Client::new(write, read, now),
                last_sweep: now,
            }),
        }
    }

    pub fn config(&self) -> &RateLimitConfig {
        &self.config
    }

    /// Clients tracked now.
    pub fn clients(&self) -> usize {
        self.table.lock().expect("rate table").clients.len()
    }

    /// Takes one token of `class` for `client` (`None`: unknown) at `now`; `Err` carries the
    /// whole seconds to wait.
    ///
    /// # Errors
    /// When the client's bucket is empty.
    pub fn check(&self, client: Option<IpAddr>, class: Class, now: Instant) -> Result<(), u64> {
        let limit = match class {
            Class::Write => self.write,
            Class::Read => self.read,
        };
        let Some(limit) = limit else { return Ok(()) };
        let key = client.map_or(UNKNOWN, client_key);
        let mut guard = self.table.lock().expect("rate table");
        let table = &mut *guard;
        // Sweep every minute, or when the table is full (at most once a second, so a flood of
        // new addresses costs one pass a second, not one per request).
        let since = now.saturating_duration_since(table.last_sweep);
        let full = table.clients.len() >= self.config.max_clients;
        if since >= SWEEP_EVERY || (full && since >= Duration::from_secs(1)) {
            let idle = self.idle;
            table
                .clients
                .retain(|_, c| now.saturating_duration_since(c.seen) < idle);
            table.last_sweep = now;
        }
        let room = table.clients.len() < self.config.max_clients;
        let entry = if room || table.clients.contains_key(&key) {
            let (w, r) = (self.write, self.read);
            table.clients.entry(key).or_insert_with(|| Client::new(w, r, now))
        } else {
            &mut table.overflow
        };
        entry.seen = now;
        let bucket = match class {
            Class::Write => &mut entry.write,
            Class::Read => &mut entry.read,
        };
        bucket
            .take(&limit, now)
            .map_err(|wait| wait.as_secs_f64().ceil().max(1.0) as u64)
    }

    /// The client a request comes from, as configured.
    pub fn client_of(&self, req: &Request) -> Option<IpAddr> {
        if self.config.trust_proxy {
            let first = req
                .headers()
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(',').next())
                .map(str::trim);
            if let Some(ip) = first.and_then(|f| {
                f.parse::<IpAddr>()
                    .ok()
                    .or_else(|| f.parse::<SocketAddr>().ok().map(|s| s.ip()))
            }) {
                return Some(ip);
            }
        }
        req.extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip())
    }
}

/// The 429 answer, in the format the path's clients read.
pub fn too_many_requests(path: &str, retry_after: u64) -> Response {
    let message = format!(
        "Quá nhiều yêu cầu, vui lòng thử lại sau {retry_after} giây · too many requests, retry in {retry_after} s"
    );
    let mut res = if path == "/open311" || path.starts_with("/open311/") {
        crate::open311::error_response(path, StatusCode::TOO_MANY_REQUESTS, message)
    } else if path.starts_with("/api/") {
        // Server functions: the body is the error the browser deserializes and shows.
        (
            StatusCode::TOO_MANY_REQUESTS,
            axum::Json(app::error::AppError::ServerFn(message)),
        )
            .into_response()
    } else {
        (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            message,
        )
            .into_response()
    };
    res.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
    res
}

/// The middleware: limits public requests, passes everything else untouched.
pub async fn limit(State(limiter): State<Arc<RateLimiter>>, req: Request, next: Next) -> Response {
    let Some(class) = classify(req.method(), req.uri().path()) else {
        return next.run(req).await;
    };
    match limiter.check(limiter.client_of(&req), class, Instant::now()) {
        Ok(()) => next.run(req).await,
        Err(wait) => {
            tracing::debug!(path = %req.uri().path(), retry_after = wait, "rate limited");
            too_many_requests(req.uri().path(), wait)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn classes() {
        assert_eq!(classify(&Method::POST, "/api/public/report"), Some(Class::Write));
        assert_eq!(classify(&Method::POST, "/api/public/track"), Some(Class::Write));
        assert_eq!(classify(&Method::GET, "/track/BD-1"), Some(Class::Read));
        assert_eq!(classify(&Method::GET, "/track"), Some(Class::Read));
        assert_eq!(
            classify(&Method::POST, "/open311/v2/requests.json"),
            Some(Class::Write)
        );
        assert_eq!(
            classify(&Method::GET, "/open311/v2/services.xml"),
            Some(Class::Read)
        );
        for (m, p) in [
            (Method::POST, "/zalo/webhook"),
            (Method::POST, "/api/intake/file"),
            (Method::POST, "/api/tickets/status"),
            (Method::POST, "/api/dashboard"),
            (Method::GET, "/"),
            (Method::GET, "/tracking"),
            (Method::GET, "/pkg/ioc.js"),
            (Method::GET, "/api/v1/heatmap.png"),
        ] {
            assert_eq!(classify(&m, p), None, "{m} {p}");
        }
    }

    #[test]
    fn bucket_refills() {
        let l = RateLimiter::new(RateLimitConfig {
            writes_per_min: 30,
            ..RateLimitConfig::default()
        });
        let t0 = Instant::now();
        for i in 0..10 {
            assert_eq!(l.check(ip("10.0.0.1"), Class::Write, t0), Ok(()), "request {i}");
        }
        assert_eq!(
            l.check(ip("10.0.0.1"), Class::Write, t0),
            Err(2),
            "one token every 2 s"
        );
        assert_eq!(
            l.check(ip("10.0.0.1"), Class::Read, t0),
            Ok(()),
            "reads have their own bucket"
        );
        assert_eq!(
            l.check(ip("10.0.0.2"), Class::Write, t0),
            Ok(()),
            "clients are independent"
        );
        let t1 = t0 + Duration::from_millis(2_000);
        assert_eq!(l.check(ip("10.0.0.1"), Class::Write, t1), Ok(()));
        assert_eq!(l.check(ip("10.0.0.1"), Class::Write, t1), Err(2));
        let t2 = t0 + Duration::from_secs(3600);
        for _ in 0..10 {
            assert_eq!(
                l.check(ip("10.0.0.1"), Class::Write, t2),
                Ok(()),
                "full again, not more"
            );
        }
        assert!(l.check(ip("10.0.0.1"), Class::Write, t2).is_err());
    }

    #[test]
    fn ipv6_by_network_and_zero_is_off() {
        let l = RateLimiter::new(RateLimitConfig {
            writes_per_min: 3,
            reads_per_min: 0,
            ..RateLimitConfig::default()
        });
        let t = Instant::now();
        assert_eq!(l.check(ip("2001:db8:1:2::1"), Class::Write, t), Ok(()));
        assert_eq!(
            l.check(ip("2001:db8:1:2::ffff"), Class::Write, t),
            Err(20),
            "same /64"
        );
        assert_eq!(l.check(ip("2001:db8:1:3::1"), Class::Write, t), Ok(()));
        assert_eq!(l.check(ip("::ffff:10.0.0.9"), Class::Write, t), Ok(()));
        assert!(
            l.check(ip("10.0.0.9"), Class::Write, t).is_err(),
            "mapped IPv4 is IPv4"
        );
        for _ in 0..1000 {
            assert_eq!(l.check(ip("10.0.0.9"), Class::Read, t), Ok(()));
        }
    }

    #[test]
    fn memory_is_bounded() {
        let l = RateLimiter::new(RateLimitConfig {
            writes_per_min: 30,
            max_clients: 100,
            ..RateLimitConfig::default()
        });
        let t0 = Instant::now();
        for i in 0..1000u32 {
            let _ = l.check(Some(IpAddr::V4(i.into())), Class::Write, t0);
        }
        assert_eq!(l.clients(), 100, "capped; the rest share the overflow entry");
        // The overflow entry is shared: it runs dry quickly.
        assert!(l.check(ip("192.0.2.1"), Class::Write, t0).is_err());
        // Once the first clients have been idle long enough, they are swept and room is made.
        let later = t0 + Duration::from_secs(21);
        assert_eq!(l.check(ip("192.0.2.1"), Class::Write, later), Ok(()));
        assert_eq!(l.clients(), 1);
    }
}
