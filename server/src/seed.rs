//! Demo data that looks like the real 1022: a deterministic generator calibrated on the
//! published figures (../shared/data/binhduong-facts.md §3) and a bulk writer.
//!
//! Calibration (documented in docs/DEMO-DATA.md):
//! * volume: `--per-day` contacts a day (default 4,000: the middle of 2021's 3,000–5,000),
//!   weekends at 85 %, ±10 % day-to-day noise;
//! * mix: the 2021 call breakdown (emergency 20.2 %, relief 22.6 %, security 2.4 %, traffic
//!   1.4 %, information 53.4 %), with the relief share split between social relief and the
//!   field-report categories, and information split into information requests and
//!   administrative procedures;
//! * channels: 88 % phone (226,530 calls vs 30,587 web/Zalo/e-mail/app requests);
//! * a day-night rhythm per group (office hours for administrative matters, a flatter curve
//!   with an evening peak for emergencies);
//! * response and resolution times log-normal per agency, scaled to the category's SLA
//!   targets, so most meet them and some breach; about 1.2 % stall and stay open;
//!   1 % are rejected as prank or harassing calls;
//! * locations: a district drawn by population (2024), a commune within it, a point near the
//!   commune's centre inside the real polygon; 3 % of reports come without a location.

use geo::{BoundingRect, Contains, MultiPolygon, Point, Rect};

use app::domain::rng::Rng;
use app::domain::routing::{evaluate, RoutingRule};
use app::domain::sla::{due_at, WorkCalendar};
use app::domain::time::{local_day, local_day_start, HOUR_MS, MINUTE_MS};
use app::ssr::geo_index::{parse_geometry_text, GeoIndex};
use app::ssr::store::{ReferenceData, TicketRecord};
use app::types::{AgencyId, Category, CategoryGroup, Channel, HistoryEntry, TicketStatus};

/// Options of `ioc seed`.
#[derive(Clone, Debug)]
pub struct SeedOptions {
    pub days: u32,
    pub per_day: u32,
    pub seed: u64,
    /// The simulated "now": nothing happens after it (epoch ms).
    pub until: i64,
}

/// Share of contacts per category code (percent).
const MIX: &[(&str, f64)] = &[
    ("medical", 14.0),
    ("fire", 1.6),
    ("rescue", 2.0),
    ("traffic_accident", 2.6),
    ("security", 2.4),
    ("traffic_order", 1.4),
    ("social_relief", 8.0),
    ("infrastructure", 3.0),
    ("urban_order", 2.5),
    ("environment", 2.0),
    ("power", 2.2),
    ("water", 2.0),
    ("trade_fraud", 0.8),
    ("official_complaint", 0.6),
    ("health", 1.0),
    ("construction_safety", 0.5),
    ("information", 40.0),
    ("admin_procedure", 13.4),
];

const CHANNELS: [(Channel, f64); 6] = [
    (Channel::Phone, 88.0),
    (Channel::Zalo, 5.0),
    (Channel::Web, 3.0),
    (Channel::App, 2.0),
    (Channel::Email, 1.0),
    (Channel::Open311, 1.0),
];

/// Relative contacts per local hour for office-type matters.
const HOURS_OFFICE: [f64; 24] = [
    0.3, 0.2, 0.15, 0.15, 0.2, 0.4, 1.0, 2.2, 3.2, 3.4, 3.2, 2.6, 1.8, 2.2, 3.0, 3.1, 2.8, 2.2, 1.6, 1.4,
    1.2, 1.0, 0.7, 0.5,
];
/// Relative contacts per local hour for emergencies.
const HOURS_EMERGENCY: [f64; 24] = [
    0.6, 0.5, 0.45, 0.4, 0.45, 0.6, 0.9, 1.2, 1.3, 1.3, 1.3, 1.3, 1.2, 1.2, 1.2, 1.3, 1.4, 1.6, 1.8, 1.8,
    1.6, 1.3, 1.0, 0.8,
];

/// How much slower than the SLA-scaled norm each agency works (1.0 = norm).
fn agency_pace(code: &str) -> f64 {
    match code {
        "PCCC" => 0.8,
        "CC115" => 0.9,
        "CA" => 1.0,
        "1022" => 0.6,
        "PCBD" => 0.9,
        "BIWASE" => 1.15,
        "SYT" => 1.2,
        "STNMT" => 1.45,
        "SGTVT" => 1.3,
        "SXD" => 1.5,
        "SCT" => 1.3,
        "TTRA" => 1.6,
        "UBND-718" => 1.0,
        "UBND-719" => 1.4,
        "UBND-720" => 1.55,
        "UBND-721" => 1.2,
        "UBND-722" => 1.45,
        "UBND-723" => 1.15,
        "UBND-724" => 0.95,
        "UBND-725" => 1.1,
        "UBND-726" => 1.5,
        _ => 1.2,
    }
}

const STREETS: &[&str] = &[
    "Đại lộ Bình Dương",
    "đường 30 Tháng 4",
    "đường Yersin",
    "đường Cách Mạng Tháng Tám",
    "đường Phú Lợi",
    "đường Huỳnh Văn Lũy",
    "đường Nguyễn Văn Tiết",
    "đường Mỹ Phước – Tân Vạn",
    "đường ĐT743",
    "đường ĐT741",
    "đường ĐT744",
    "đường ĐT747",
    "Quốc lộ 13",
    "Quốc lộ 1K",
    "đường Nguyễn An Ninh",
    "đường Trần Hưng Đạo",
    "đường Lê Hồng Phong",
    "đường Hùng Vương",
    "đường Nguyễn Trãi",
    "đường Lý Thường Kiệt",
    "đường Điện Biên Phủ",
    "đường Bùi Quốc Khánh",
    "đường Lê Lợi",
    "đường Nguyễn Du",
    "đường Võ Văn Kiệt",
    "đường Trần Văn Ơn",
];

const FAMILY: &[&str] = &[
    "Nguyễn", "Nguyễn", "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi",
    "Đỗ", "Hồ", "Ngô", "Dương", "Lý",
];
const MIDDLE: &[&str] = &[
    "Văn", "Thị", "Minh", "Ngọc", "Hoàng", "Thanh", "Hữu", "Đức", "Quốc", "Thu", "Kim",
];
const GIVEN: &[&str] = &[
    "An", "Bình", "Cường", "Dũng", "Hà", "Hải", "Hạnh", "Hoa", "Hùng", "Hương", "Khánh", "Lan", "Linh",
    "Long", "Mai", "Nam", "Nga", "Phúc", "Phương", "Quân", "Sơn", "Tâm", "Thảo", "Trang", "Trung", "Tuấn",
    "Vy", "Yến",
];

fn templates(code: &str) -> &'static [&'static str] {
    match code {
        "fire" => &[
            "Cháy nhà dân trên {street}, khói lớn, người dân cần hỗ trợ gấp.",
            "Cháy xưởng gỗ gần {street}, lửa lan sang nhà bên cạnh.",
            "Phát hiện khói bốc lên từ kho hàng tại {commune}.",
        ],
        "rescue" => &[
            "Người mắc kẹt trong thang máy chung cư tại {commune}.",
            "Có người đuối nước ở ao gần {street}.",
            "Cây đổ đè người đi đường trên {street}.",
        ],
        "medical" => &[
            "Người cao tuổi ngất xỉu tại nhà, cần xe cấp cứu 115.",
            "Công nhân bị thương khi làm việc tại khu công nghiệp ở {commune}.",
            "Sản phụ chuyển dạ, cần hỗ trợ đưa đến bệnh viện.",
            "Trẻ em sốt cao co giật, gia đình xin hỗ trợ cấp cứu.",
        ],
        "security" => &[
            "Nhóm thanh niên tụ tập gây rối trật tự trên {street}.",
            "Phát hiện trộm cắp xe máy tại {commune}.",
            "Đánh nhau tại quán nhậu gần {street}.",
        ],
        "traffic_accident" => &[
            "Va chạm giữa xe tải và xe máy trên {street}, có người bị thương.",
            "Tai nạn giao thông tại ngã tư {street}, cần hỗ trợ phân luồng.",
        ],
        "traffic_order" => &[
            "Kẹt xe kéo dài trên {street} giờ cao điểm.",
            "Đèn tín hiệu giao thông hỏng tại nút giao {street}.",
            "Xe container đậu lấn chiếm lòng đường {street}.",
        ],
        "social_relief" => &[
            "Hộ gia đình khó khăn tại {commune} đề nghị hỗ trợ lương thực.",
            "Người lao động mất việc xin hướng dẫn nhận hỗ trợ.",
        ],
        "infrastructure" => &[
            "Mặt đường {street} bị sụt lún, ổ gà lớn nguy hiểm.",
            "Đèn chiếu sáng công cộng trên {street} không hoạt động.",
            "Nắp hố ga bị mất trên {street}.",
        ],
        "urban_order" => &[
            "Lấn chiếm vỉa hè buôn bán trên {street}.",
            "Công trình xây dựng không phép tại {commune}.",
            "Quảng cáo rao vặt dán tràn lan trên {street}.",
        ],
        "environment" => &[
            "Cơ sở sản xuất xả nước thải có mùi hôi ra kênh tại {commune}.",
            "Rác thải tồn đọng nhiều ngày gần {street}.",
            "Khói bụi từ nhà máy gây ô nhiễm khu dân cư {commune}.",
        ],
        "power" => &[
            "Mất điện diện rộng tại {commune} từ sáng.",
            "Dây điện bị đứt, nguy hiểm trên {street}.",
        ],
        "water" => &[
            "Mất nước sinh hoạt tại {commune}.",
            "Ngập nước sau mưa lớn trên {street}.",
            "Vỡ ống cấp nước trên {street}.",
        ],
        "trade_fraud" => &[
            "Cửa hàng tại {commune} bán hàng giả, hàng không rõ nguồn gốc.",
            "Cây xăng trên {street} bơm thiếu.",
        ],
        "official_complaint" => &[
            "Phản ánh thái độ cán bộ tiếp dân tại UBND {commune}.",
            "Hồ sơ nộp tại bộ phận một cửa {commune} bị trễ hẹn.",
        ],
        "health" => &[
            "Phản ánh thời gian chờ khám quá lâu tại trung tâm y tế.",
            "Cơ sở kinh doanh thực phẩm không đảm bảo vệ sinh tại {commune}.",
        ],
        "construction_safety" => &[
            "Giàn giáo công trình trên {street} có nguy cơ đổ.",
            "Công trình thi công không che chắn, rơi vật liệu xuống đường {street}.",
        ],
        "information" => &[
            "Hỏi thông tin lịch tiêm chủng tại {commune}.",
            "Hỏi số điện thoại đường dây nóng của điện lực.",
            "Hỏi giờ làm việc của bộ phận một cửa UBND {commune}.",
            "Hỏi thủ tục đăng ký tạm trú.",
        ],
        "admin_procedure" => &[
            "Hỏi hồ sơ cấp giấy chứng nhận quyền sử dụng đất.",
            "Hướng dẫn thủ tục đăng ký kinh doanh hộ cá thể.",
            "Hỏi tiến độ giải quyết hồ sơ cấp phép xây dựng tại {commune}.",
        ],
        _ => &["Phản ánh của người dân tại {commune}."],
    }
}

struct CommuneSample {
    code: i64,
    name: String,
    label: (f64, f64),
    sigma_deg: f64,
    bbox: Rect<f64>,
    shape: MultiPolygon<f64>,
}

struct DistrictSample {
    full_name: String,
    population: f64,
    communes: Vec<CommuneSample>,
}

/// The generator.
pub struct Generator<'a> {
    rng: Rng,
    reference: &'a ReferenceData,
    geo: &'a GeoIndex,
    calendar: &'a WorkCalendar,
    rules: &'a [RoutingRule],
    categories: Vec<(&'a Category, f64)>,
    districts: Vec<DistrictSample>,
    opts: SeedOptions,
}

impl<'a> Generator<'a> {
    /// Prepares sampling tables from the reference data.
    ///
    /// # Errors
    /// When the reference data lacks categories or boundaries.
    pub fn new(
        reference: &'a ReferenceData,
        geo: &'a GeoIndex,
        calendar: &'a WorkCalendar,
        opts: SeedOptions,
    ) -> Result<Self, String> {
        let categories: Vec<_> = MIX
            .iter()
            .filter_map(|(code, w)| {
                reference
                    .categories
                    .iter()
                    .find(|c| c.code == *code)
                    .map(|c| (c, *w))
            })
            .collect();
        if categories.is_empty() {
            return Err("no categories in the database: run `ioc migrate` first".into());
        }
        let mut districts = Vec::new();
        for d in &reference.districts {
            let mut communes = Vec::new();
            for c in reference
                .communes
                .iter()
                .filter(|c| c.district == d.district.code)
            {
                let shape = parse_geometry_text(&c.geometry)?;
                let Some(bbox) = shape.bounding_rect() else {
                    continue;
                };
                communes.push(CommuneSample {
                    code: c.code.0,
                    name: c.full_name_vi.clone(),
                    label: c.label,
                    // A third of the commune's "radius", in degrees.
                    sigma_deg: (c.area_km2.max(0.5).sqrt() / 111.0) / 3.0,
                    bbox,
                    shape,
                });
            }
            if !communes.is_empty() {
                districts.push(DistrictSample {
                    full_name: d.district.full_name_vi.clone(),
                    population: d.district.population.max(1) as f64,
                    communes,
                });
            }
        }
        if districts.is_empty() {
            return Err("no boundaries in the database: run `ioc migrate` first".into());
        }
        Ok(Self {
            rng: Rng::new(opts.seed),
            reference,
            geo,
            calendar,
            rules: &reference.rules,
            categories,
            districts,
            opts,
        })
    }

    fn code(&mut self) -> String {
        const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ"; // Crockford base32
        let mut v = self.rng.next_u64();
        let mut s = String::with_capacity(14);
        s.push_str("BD-");
        for i in 0..10 {
            if i == 5 {
                s.push('-');
            }
            s.push(ALPHABET[(v & 31) as usize] as char);
            v >>= 5;
        }
        s
    }

    fn phone(&mut self) -> String {
        let prefix = *self.rng.pick(&[
            "090", "091", "093", "094", "096", "097", "098", "032", "033", "035", "070", "077", "081", "083",
            "085", "088",
        ]);
        format!("{prefix}{:07}", self.rng.below(10_000_000))
    }

    fn name(&mut self) -> String {
        format!(
            "{} {} {}",
            self.rng.pick(FAMILY),
            self.rng.pick(MIDDLE),
            self.rng.pick(GIVEN)
        )
    }

    /// A point inside a district drawn by population: (lon, lat, commune index).
    fn location(&mut self) -> (f64, f64, usize, usize) {
        let weights: Vec<f64> = self.districts.iter().map(|d| d.population).collect();
        let di = self.rng.weighted(&weights);
        let ci = self.rng.below(self.districts[di].communes.len() as u64) as usize;
        let c = &self.districts[di].communes[ci];
        let (cx, cy, sigma, bbox) = (c.label.0, c.label.1, c.sigma_deg, c.bbox);
        for attempt in 0..40 {
            let (lon, lat) = if attempt % 5 < 3 {
                (cx + self.rng.normal() * sigma, cy + self.rng.normal() * sigma)
            } else {
                (
                    self.rng.range(bbox.min().x, bbox.max().x),
                    self.rng.range(bbox.min().y, bbox.max().y),
                )
            };
            if self.districts[di].communes[ci]
                .shape
                .contains(&Point::new(lon, lat))
            {
                return (lon, lat, di, ci);
            }
        }
        (cx, cy, di, ci)
    }

    fn agency_code(&self, id: AgencyId) -> &str {
        self.reference
            .agencies
            .iter()
            .find(|a| a.id == id)
            .map_or("?", |a| a.code.as_str())
    }

    /// The local days to generate, oldest first.
    pub fn days(&self) -> std::ops::RangeInclusive<i64> {
        let last_day = local_day(self.opts.until);
        (last_day - self.opts.days as i64 + 1)..=last_day
    }

    /// The tickets of one local day, oldest first (none after `until`).
    pub fn day(&mut self, day: i64) -> Vec<TicketRecord> {
        let weights: Vec<f64> = self.categories.iter().map(|c| c.1).collect();
        let channel_w: Vec<f64> = CHANNELS.iter().map(|c| c.1).collect();
        let start = local_day_start(day);
        let weekday = (day + 3).rem_euclid(7);
        let factor = if weekday >= 5 { 0.85 } else { 1.0 } * self.rng.range(0.9, 1.1);
        let n = (self.opts.per_day as f64 * factor).round() as usize;
        let mut day_tickets: Vec<(i64, usize)> = (0..n)
            .map(|_| {
                let ci = self.rng.weighted(&weights);
                let hours = if self.categories[ci].0.group == CategoryGroup::Emergency {
                    &HOURS_EMERGENCY
                } else {
                    &HOURS_OFFICE
                };
                let h = self.rng.weighted(hours) as i64;
                (start + h * HOUR_MS + self.rng.below(HOUR_MS as u64) as i64, ci)
            })
            .collect();
        day_tickets.sort_unstable();
        let mut out = Vec::with_capacity(day_tickets.len());
        for (created, ci) in day_tickets {
            if created > self.opts.until {
                break;
            }
            let channel = CHANNELS[self.rng.weighted(&channel_w)].0;
            out.push(self.ticket(created, ci, channel));
        }
        out
    }

    fn ticket(&mut self, created: i64, ci: usize, channel: Channel) -> TicketRecord {
        let cat = self.categories[ci].0;
        let now = self.opts.until;
        let located = self.rng.f64() >= 0.03;
        let (lat, lon, district, commune, address, commune_name) = if located {
            let (lon, lat, di, ci2) = self.location();
            let loc = self.geo.locate(lon, lat);
            let d = &self.districts[di];
            let c = &d.communes[ci2];
            let street = *self.rng.pick(STREETS);
            let addr = if self.rng.f64() < 0.6 {
                format!(
                    "{} {street}, {}, {}",
                    1 + self.rng.below(480),
                    c.name,
                    d.full_name
                )
            } else {
                format!("{street}, {}, {}", c.name, d.full_name)
            };
            let _ = c.code;
            (
                Some((lat * 1e6).round() / 1e6),
                Some((lon * 1e6).round() / 1e6),
                loc.map(|l| l.district),
                loc.and_then(|l| l.commune),
                Some(addr),
                c.name.clone(),
            )
        } else {
            (None, None, None, None, None, "địa phương".to_string())
        };
        let street = *self.rng.pick(STREETS);
        let description = self
            .rng
            .pick(templates(&cat.code))
            .replace("{street}", street)
            .replace("{commune}", &commune_name);
        let agency = evaluate(self.rules, cat.id, district, commune);
        let response_due = due_at(created, cat.response_target, self.calendar);
        let resolution_due = due_at(created, cat.resolution_target, self.calendar);
        let pace = agency.map_or(1.2, |a| agency_pace(self.agency_code(a)));

        let source = match channel {
            Channel::Phone => "Tổng đài viên 1022",
            Channel::Zalo => "Zalo OA",
            Channel::Web => "Cổng thông tin",
            Channel::App => "Ứng dụng 1022",
            Channel::Email => "Thư điện tử",
            Channel::Open311 => "Open311",
        };
        let mut history = vec![HistoryEntry {
            at: created,
            actor: source.into(),
            from: None,
            to: TicketStatus::New,
            note: None,
        }];
        let agency_actor = agency.map_or("1022".to_string(), |a| self.agency_code(a).to_string());
        let assigned_at = created + 5_000 + self.rng.below(55_000) as i64;
        let mut status = TicketStatus::New;
        let mut first_response_at = None;
        let mut resolved_at = None;
        let mut closed_at = None;
        let mut updated_at = created;
        let mut step = |status: &mut TicketStatus,
                        at: i64,
                        actor: &str,
                        to: TicketStatus,
                        note: Option<String>,
                        updated: &mut i64|
         -> bool {
            if at > now {
                return false;
            }
            history.push(HistoryEntry {
                at,
                actor: actor.into(),
                from: Some(*status),
                to,
                note,
            });
            *status = to;
            *updated = at;
            true
        };
        let roll = self.rng.f64();
        if step(
            &mut status,
            assigned_at,
            "Định tuyến tự động",
            TicketStatus::Assigned,
            None,
            &mut updated_at,
        ) {
            let resp_len = (response_due - created) as f64;
            let resolve_len = (resolution_due - created) as f64;
            let ack = created + self.rng.lognormal(resp_len * 0.35 * pace, 0.55).max(20_000.0) as i64;
            let ack = ack.max(assigned_at + 1_000);
            if roll < 0.01 {
                // Prank or harassing call: rejected by the operator.
                if step(
                    &mut status,
                    ack,
                    "Tổng đài viên 1022",
                    TicketStatus::Rejected,
                    Some("Cuộc gọi quấy rối / không có thật".into()),
                    &mut updated_at,
                ) {
                    first_response_at = Some(ack);
                }
            } else if step(
                &mut status,
                ack,
                &agency_actor,
                TicketStatus::Acknowledged,
                None,
                &mut updated_at,
            ) {
                first_response_at = Some(ack);
                let stalled = roll > 0.988;
                let resolve = created + self.rng.lognormal(resolve_len * 0.45 * pace, 0.6) as i64;
                let resolve = resolve.max(ack + MINUTE_MS);
                let progress = ack + ((resolve - ack) as f64 * self.rng.range(0.1, 0.4)) as i64;
                if step(
                    &mut status,
                    progress,
                    &agency_actor,
                    TicketStatus::InProgress,
                    None,
                    &mut updated_at,
                ) && !stalled
                    && step(
                        &mut status,
                        resolve,
                        &agency_actor,
                        TicketStatus::Resolved,
                        Some("Đã xử lý xong, đã thông tin cho người phản ánh.".into()),
                        &mut updated_at,
                    )
                {
                    resolved_at = Some(resolve);
                    let close = resolve
                        + if cat.group == CategoryGroup::Emergency {
                            self.rng.range(10.0, 60.0) * MINUTE_MS as f64
                        } else {
                            self.rng.range(1.0, 48.0) * HOUR_MS as f64
                        } as i64;
                    if step(
                        &mut status,
                        close,
                        "Trung tâm 1022",
                        TicketStatus::Closed,
                        None,
                        &mut updated_at,
                    ) {
                        closed_at = Some(close);
                    }
                }
            }
        }
        let with_reporter = channel != Channel::Open311 || self.rng.f64() < 0.5;
        TicketRecord {
            code: self.code(),
            channel,
            category: cat.id,
            priority: cat.priority,
            description,
            reporter_name: with_reporter.then(|| self.name()),
            reporter_phone: with_reporter.then(|| self.phone()),
            lat,
            lon,
            address,
            district,
            commune,
            agency,
            status,
            created_at: created,
            first_response_at,
            resolved_at,
            closed_at,
            response_due_at: Some(response_due),
            resolution_due_at: Some(resolution_due),
            updated_at,
            history,
        }
    }
}

/// Writes tickets into SQLite through one prepared statement per table in large
/// transactions (the bulk path: ~10× faster than statement-per-row through sqlx).
pub struct SqliteBulkWriter {
    conn: rusqlite::Connection,
    /// Secondary indexes dropped for the load, re-created by `finish`.
    deferred_indexes: Vec<String>,
    next_ticket: i64,
    next_history: i64,
    pending: usize,
    pub tickets: u64,
    pub history: u64,
}

impl SqliteBulkWriter {
    /// Opens the database file for bulk loading.
    ///
    /// # Errors
    /// When the file cannot be opened.
    pub fn open(
        path: &std::path::Path,
        max_ticket: i64,
        max_history: i64,
        empty: bool,
    ) -> Result<Self, String> {
        let conn =
            rusqlite::Connection::open(path).map_err(|e| format!("opening {}: {e}", path.display()))?;
        // A large page cache keeps the unique index on the (random) ticket codes in memory
        // while it grows; it belongs to this connection only and is freed when the load ends.
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;
             PRAGMA cache_size = -131072",
        )
        .map_err(|e| e.to_string())?;
        // Into empty tables, building the secondary indexes once at the end is faster than
        // maintaining them row by row; the index definitions come from the schema itself.
        let mut deferred_indexes = Vec::new();
        if empty {
            let mut st = conn
                .prepare(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL
                     AND tbl_name IN ('tickets', 'ticket_history')",
                )
                .map_err(|e| e.to_string())?;
            let found: Vec<(String, String)> = st
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .map_err(|e| e.to_string())?
                .collect::<Result<_, _>>()
                .map_err(|e| e.to_string())?;
            drop(st);
            for (name, sql) in found {
                conn.execute_batch(&format!("DROP INDEX \"{name}\""))
                    .map_err(|e| e.to_string())?;
                deferred_indexes.push(sql);
            }
        }
        conn.execute_batch("BEGIN").map_err(|e| e.to_string())?;
        Ok(Self {
            conn,
            deferred_indexes,
            next_ticket: max_ticket + 1,
            next_history: max_history + 1,
            pending: 0,
            tickets: 0,
            history: 0,
        })
    }

    /// Adds one ticket and its history.
    ///
    /// # Errors
    /// When SQLite refuses the row.
    pub fn write(&mut self, t: &TicketRecord) -> Result<(), String> {
        let id = self.next_ticket;
        self.next_ticket += 1;
        {
            let mut st = self
                .conn
                .prepare_cached(&format!(
                    "INSERT INTO tickets ({}) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,?22)",
                    crate::store::tickets::TICKET_COLUMNS
                ))
                .map_err(|e| e.to_string())?;
            st.execute(rusqlite::params![
                id,
                t.code,
                t.channel.as_str(),
                t.category.0,
                t.priority as i64,
                t.description,
                t.reporter_name,
                t.reporter_phone,
                t.lat,
                t.lon,
                t.address,
                t.district.map(|d| d.0),
                t.commune.map(|c| c.0),
                t.agency.map(|a| a.0),
                t.status.as_str(),
                t.created_at,
                t.first_response_at,
                t.resolved_at,
                t.closed_at,
                t.response_due_at,
                t.resolution_due_at,
                t.updated_at,
            ])
            .map_err(|e| e.to_string())?;
            let mut hs = self
                .conn
                .prepare_cached(&format!(
                    "INSERT INTO ticket_history ({}) VALUES (?1,?2,?3,?4,?5,?6,?7)",
                    crate::store::tickets::HISTORY_COLUMNS
                ))
                .map_err(|e| e.to_string())?;
            for h in &t.history {
                hs.execute(rusqlite::params![
                    self.next_history,
                    id,
                    h.at,
                    h.actor,
                    h.from.map(|s| s.as_str()),
                    h.to.as_str(),
                    h.note,
                ])
                .map_err(|e| e.to_string())?;
                self.next_history += 1;
                self.history += 1;
            }
        }
        self.tickets += 1;
        self.pending += 1;
        if self.pending >= 100_000 {
            self.conn
                .execute_batch("COMMIT; BEGIN")
                .map_err(|e| e.to_string())?;
            self.pending = 0;
        }
        Ok(())
    }

    /// Commits what is pending.
    ///
    /// # Errors
    /// When the commit fails.
    pub fn finish(self) -> Result<(u64, u64), String> {
        self.conn.execute_batch("COMMIT").map_err(|e| e.to_string())?;
        for sql in &self.deferred_indexes {
            self.conn
                .execute_batch(sql)
                .map_err(|e| format!("re-creating an index: {e}"))?;
        }
        self.conn
            .execute_batch("PRAGMA optimize")
            .map_err(|e| e.to_string())?;
        Ok((self.tickets, self.history))
    }
}
