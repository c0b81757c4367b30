//! A ticket's SLA clocks and legal term: started when it is created, moved
//! by every change in the change's transaction, shown on the read models.
//!
//! The rules are in `atbalsts_domain::{sla, legal, hours}`; this module loads
//! what they need (policies, legal rules, the calendar, the handling group's
//! hours) and shapes the result for the API.

use crate::db::Store;
use crate::error::{Result, StoreError};
use atbalsts_domain::calendar::Calendar;
use atbalsts_domain::hours::{BusinessTime, WeeklyHours, riga};
use atbalsts_domain::legal::{self, LegalState, Rule, Term};
use atbalsts_domain::refusal::Code;
use atbalsts_domain::sla::{self, Clock, Policy, PolicyFacts, SlaState};
use atbalsts_domain::{Channel, Kind, Priority};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::Serialize;
use utoipa::ToSchema;

/// The calendar clocks are counted on (state institutions').
pub const CALENDAR: &str = "state";

/// How long a node reuses policies, legal rules and the calendar it read.
/// Changes made through this node take effect at once; another node's after this.
const SETUP_TTL: std::time::Duration = std::time::Duration::from_secs(10);

/// The clock setup last read, shared by the store's clones. Creating a ticket
/// would otherwise read four tables for data that changes a few times a year.
#[derive(Debug, Clone, Default)]
pub struct ClockCache {
    inner: std::sync::Arc<std::sync::RwLock<Option<Cached>>>,
}

/// When the setup was read, and the setup.
type Cached = (std::time::Instant, std::sync::Arc<ClockSetup>);

impl ClockCache {
    fn fresh(&self) -> Option<std::sync::Arc<ClockSetup>> {
        let guard = self.inner.read().ok()?;
        guard
            .as_ref()
            .filter(|(at, _)| at.elapsed() < SETUP_TTL)
            .map(|(_, setup)| setup.clone())
    }

    fn keep(&self, setup: std::sync::Arc<ClockSetup>) {
        if let Ok(mut guard) = self.inner.write() {
            *guard = Some((std::time::Instant::now(), setup));
        }
    }

    /// Forget the setup: the next create reads it again.
    pub(crate) fn invalidate(&self) {
        if let Ok(mut guard) = self.inner.write() {
            *guard = None;
        }
    }
}

/// What routing and starting the clocks of new tickets need.
#[derive(Debug, Clone)]
pub(crate) struct ClockSetup {
    /// Every support group, for routing, and each group's working hours.
    pub profiles: Vec<atbalsts_domain::routing::GroupProfile>,
    pub hours: std::collections::HashMap<String, WeeklyHours>,
    pub calendar: Calendar,
    pub policies: Vec<Policy>,
    pub rules: Vec<Rule>,
}

impl ClockSetup {
    /// The working hours of `group`, or the usual hours when it has none.
    pub(crate) fn hours_of(&self, group: Option<&str>) -> WeeklyHours {
        group
            .and_then(|g| self.hours.get(g))
            .cloned()
            .unwrap_or_default()
    }
}

type PolicyRow = (
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    i64,
);

/// A stored policy; a value the domain does not know is corruption, not "any".
fn policy_record(row: PolicyRow) -> Result<PolicyRecord> {
    let (
        id,
        name_lv,
        name_en,
        institution,
        service,
        kind,
        priority,
        channel,
        first,
        next,
        resolution,
        warn,
    ) = row;
    fn known<T>(
        id: &str,
        what: &str,
        v: Option<String>,
        parse: fn(&str) -> Option<T>,
    ) -> Result<Option<T>> {
        v.map(|v| {
            parse(&v).ok_or_else(|| StoreError::Corrupt(format!("SLA policy {id}: {what} {v:?}")))
        })
        .transpose()
    }
    Ok(PolicyRecord {
        kind: known(&id, "kind", kind, Kind::parse)?,
        priority: known(&id, "priority", priority, Priority::parse)?,
        channel: known(&id, "channel", channel, Channel::parse)?,
        id,
        name_lv,
        name_en,
        institution,
        service,
        first_response_minutes: first,
        next_response_minutes: next,
        resolution_minutes: resolution,
        warn_percent: warn,
    })
}

impl From<PolicyRecord> for Policy {
    fn from(r: PolicyRecord) -> Policy {
        Policy {
            id: r.id,
            institution: r.institution,
            service: r.service,
            kind: r.kind,
            priority: r.priority,
            channel: r.channel,
            first_response_minutes: r.first_response_minutes,
            next_response_minutes: r.next_response_minutes,
            resolution_minutes: r.resolution_minutes,
            warn_percent: u8::try_from(r.warn_percent.clamp(1, 100)).unwrap_or(80),
        }
    }
}

type RuleRow = (String, i64, String, i64, String, i64, String, String);

fn rule(r: LegalRuleRecord) -> Result<Rule> {
    let from = r.effective_from;
    let term = |c: i64, u: &str| {
        Term::from_parts(c, u)
            .ok_or_else(|| StoreError::Corrupt(format!("legal rule {from}: term {c} {u}")))
    };
    Ok(Rule {
        answer: term(r.answer_count, &r.answer_unit)?,
        extended: term(r.extended_count, &r.extended_unit)?,
        forward: term(r.forward_count, &r.forward_unit)?,
        effective_from: from
            .parse::<Date>()
            .map_err(|e| StoreError::Corrupt(format!("legal rule {from}: {e}")))?,
        source: r.source,
    })
}

impl Store {
    /// The setup, from the cache while it is fresh.
    pub(crate) async fn cached_clock_setup(&self) -> Result<std::sync::Arc<ClockSetup>> {
        if let Some(setup) = self.clock_cache().fresh() {
            return Ok(setup);
        }
        let setup = std::sync::Arc::new(self.clock_setup().await?);
        self.clock_cache().keep(setup.clone());
        Ok(setup)
    }

    pub(crate) async fn clock_setup(&self) -> Result<ClockSetup> {
        let calendar = Calendar::new(self.calendar(CALENDAR).await?.data);
        let policies = self
            .sla_policies()
            .await?
            .into_iter()
            .map(Policy::from)
            .collect();
        let rules = self
            .legal_rules()
            .await?
            .into_iter()
            .map(rule)
            .collect::<Result<_>>()?;
        let groups = self.groups_with_details(None).await?;
        let mut hours = std::collections::HashMap::new();
        for g in &groups {
            if let Some(text) = &g.hours {
                let parsed = WeeklyHours::parse(text)
                    .map_err(|e| StoreError::Corrupt(format!("hours of group {}: {e}", g.code)))?;
                hours.insert(g.code.clone(), parsed);
            }
        }
        Ok(ClockSetup {
            profiles: groups
                .iter()
                .map(crate::groups::GroupDetails::profile)
                .collect(),
            hours,
            calendar,
            policies,
            rules,
        })
    }
}

/// A ticket's clocks as its row stores them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct StoredClocks {
    /// JSON of the SLA state.
    pub sla: Option<String>,
    /// The earliest running due instant (queues sort by it).
    pub due: Option<i64>,
    /// The earliest warning or breach still to record (the sweeper looks by it).
    pub mark: Option<i64>,
    /// JSON of the legal term.
    pub legal: Option<String>,
}

impl StoredClocks {
    pub(crate) fn of(sla: &Option<SlaState>, legal: &Option<LegalState>) -> Result<StoredClocks> {
        Ok(StoredClocks {
            sla: to_json(sla)?,
            due: sla.as_ref().and_then(SlaState::next_due),
            mark: sla.as_ref().and_then(SlaState::next_mark),
            legal: to_json(legal)?,
        })
    }
}

/// What the clocks of a new ticket are chosen by.
pub(crate) struct NewClockFacts<'a> {
    pub policy: PolicyFacts<'a>,
    pub channel: Channel,
}

/// The clocks of a ticket created at `now` (microseconds): its SLA state
/// and, for a written submission, its legal term; serialised for storage.
pub(crate) fn start(
    setup: &ClockSetup,
    hours: &WeeklyHours,
    facts: &NewClockFacts<'_>,
    now: i64,
) -> Result<StoredClocks> {
    let at = Timestamp::from_microsecond(now).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let bt = BusinessTime::new(&setup.calendar, hours);
    let sla = sla::select(&setup.policies, &facts.policy).map(|p| SlaState::start(p, at, &bt));
    let received = at.to_zoned(riga()).date();
    let legal = legal::is_written_submission(facts.channel)
        .then(|| LegalState::start(&setup.calendar, &setup.rules, received))
        .flatten();
    StoredClocks::of(&sla, &legal)
}

pub(crate) fn to_json<T: Serialize>(v: &Option<T>) -> Result<Option<String>> {
    v.as_ref()
        .map(|v| serde_json::to_string(v).map_err(|e| StoreError::Corrupt(e.to_string())))
        .transpose()
}

pub(crate) fn from_json<T: serde::de::DeserializeOwned>(
    what: &str,
    raw: Option<&str>,
) -> Result<Option<T>> {
    raw.map(|r| serde_json::from_str(r).map_err(|e| StoreError::Corrupt(format!("{what}: {e}"))))
        .transpose()
}

/// An instant in Riga time with its offset, e.g. `2026-12-01T10:30:00+02:00`.
pub fn riga_rfc3339(micros: i64) -> String {
    Timestamp::from_microsecond(micros)
        .map(|t| {
            t.to_zoned(riga())
                .strftime("%Y-%m-%dT%H:%M:%S%:z")
                .to_string()
        })
        .unwrap_or_default()
}

/// One SLA target as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ClockView {
    pub target_minutes: i64,
    /// When it runs out (RFC 3339, Riga offset); absent while paused or once met.
    pub due: Option<String>,
    /// Waiting for the requester: the clock stands still.
    pub paused: bool,
    pub breached: bool,
    /// When it was met (a reply, or the resolution).
    pub met_at: Option<String>,
    /// Business minutes left while paused (a running clock has `due`).
    pub remaining_minutes: Option<i64>,
    /// Warn from then (RFC 3339), while running.
    pub warn_at: Option<String>,
}

impl ClockView {
    fn of(c: &Clock, now: Timestamp) -> ClockView {
        ClockView {
            target_minutes: c.target_secs / 60,
            due: c.due.map(riga_rfc3339),
            paused: c.is_paused(),
            breached: c.breached_at(now),
            met_at: c.stopped_at.map(riga_rfc3339),
            remaining_minutes: c.is_paused().then(|| (c.target_secs - c.used_secs) / 60),
            warn_at: c.warn_at.map(riga_rfc3339),
        }
    }
}

/// A ticket's service-level clocks.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SlaView {
    /// The policy that set the targets.
    pub policy: String,
    pub first_response_due: Option<String>,
    pub next_response_due: Option<String>,
    pub resolution_due: Option<String>,
    pub first_response: Option<ClockView>,
    pub next_response: Option<ClockView>,
    pub resolution: Option<ClockView>,
    /// Any target missed.
    pub breached: bool,
    /// The resolution clock stands still (waiting for the requester).
    pub paused: bool,
}

impl SlaView {
    pub(crate) fn of(s: &SlaState, now: Timestamp) -> SlaView {
        let view = |c: &Option<Clock>| c.as_ref().map(|c| ClockView::of(c, now));
        let due = |c: &Option<Clock>| c.as_ref().and_then(|c| c.due).map(riga_rfc3339);
        let clocks = [&s.first_response, &s.next_response, &s.resolution];
        SlaView {
            policy: s.policy.clone(),
            first_response_due: due(&s.first_response),
            next_response_due: due(&s.next_response),
            resolution_due: due(&s.resolution),
            first_response: view(&s.first_response),
            next_response: view(&s.next_response),
            resolution: view(&s.resolution),
            breached: clocks
                .iter()
                .any(|c| c.as_ref().is_some_and(|c| c.breached_at(now))),
            paused: s.resolution.as_ref().is_some_and(Clock::is_paused),
        }
    }
}

/// A written submission's term under the Law on Submissions.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LegalView {
    /// The day it was received (Riga).
    pub received: String,
    /// The answer is due by the end of this day (with any extension).
    pub due_date: String,
    /// The term without extension.
    pub answer_by: String,
    /// The latest a justified extension may reach.
    pub extendable_to: String,
    /// Forward to the competent institution by then.
    pub forward_by: String,
    /// The rule applied: the date it took effect.
    pub rule_from: String,
    pub extended: bool,
    pub extension_reason: Option<String>,
    pub answered_at: Option<String>,
    /// The legal term never pauses; always false, for symmetry with the SLA clocks.
    pub paused: bool,
    pub breached: bool,
}

/// The end of `date` in Riga, as RFC 3339 with offset.
pub fn end_of_day(date: Date) -> String {
    date.to_datetime(jiff::civil::Time::constant(23, 59, 59, 0))
        .to_zoned(riga())
        .map(|z| z.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string())
        .unwrap_or_default()
}

impl LegalView {
    pub(crate) fn of(l: &LegalState, now: Timestamp) -> LegalView {
        let today = now.to_zoned(riga()).date();
        let answered_late = l.answered_at.is_some_and(|a| {
            Timestamp::from_microsecond(a)
                .map(|t| t.to_zoned(riga()).date() > l.due())
                .unwrap_or(false)
        });
        LegalView {
            received: l.received.to_string(),
            due_date: l.due().to_string(),
            answer_by: l.answer_by.to_string(),
            extendable_to: l.extended_by.to_string(),
            forward_by: l.forward_by.to_string(),
            rule_from: l.rule_from.to_string(),
            extended: l.extension.is_some(),
            extension_reason: l.extension.as_ref().map(|e| e.reason.clone()),
            answered_at: l.answered_at.map(riga_rfc3339),
            paused: false,
            breached: l.overdue(today) || answered_late,
        }
    }
}

impl Store {
    /// The clocks of the ticket `job` creates, with its routed group's hours.
    pub(crate) async fn new_clocks(&self, job: &crate::writer::CreateJob) -> Result<StoredClocks> {
        let setup = self.cached_clock_setup().await?;
        let hours = setup.hours_of(job.group.as_deref());
        let new = &job.new;
        let facts = NewClockFacts {
            policy: PolicyFacts {
                institution: &new.institution,
                service: new.service.as_deref(),
                kind: new.kind,
                priority: new.priority,
                channel: new.channel,
            },
            channel: new.channel,
        };
        start(&setup, &hours, &facts, job.now)
    }
}

impl Store {
    /// The clocks after `outcome`, counted with the hours of the group that
    /// handles the ticket from now on; serialised for the row.
    pub(crate) async fn moved_clocks(
        &self,
        row: &crate::model::TicketRow,
        actor: &atbalsts_domain::Actor,
        outcome: &atbalsts_domain::change::Outcome,
        now: i64,
    ) -> Result<StoredClocks> {
        let mut sla = row.sla_state()?;
        let mut legal = row.legal_state()?;
        if let Some((until, reason)) = &outcome.extend_legal_term {
            let Some(l) = &mut legal else {
                return Err(atbalsts_domain::DomainError::conflict(
                    Code::LegalTermNone,
                    "this ticket is not a written submission: it has no legal term to extend",
                )
                .into());
            };
            l.extend(*until, reason, now)?;
        }
        if sla.is_none() && legal.is_none() {
            return Ok(StoredClocks::default());
        }
        let at =
            Timestamp::from_microsecond(now).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let before = row.state()?;
        let public = outcome.message.as_ref().is_some_and(|m| !m.internal);
        let by_staff = matches!(actor, atbalsts_domain::Actor::Staff(_));
        let happening = sla::Happening {
            from: before.status,
            to: outcome.state.status,
            staff_replied: public && by_staff,
            requester_replied: public && !by_staff,
        };
        if let Some(s) = &mut sla {
            let setup = self.cached_clock_setup().await?;
            let hours = setup.hours_of(outcome.state.group.as_deref());
            s.apply(happening, at, &BusinessTime::new(&setup.calendar, &hours));
        }
        if let Some(l) = &mut legal
            && outcome.state.status == atbalsts_domain::Status::Resolved
            && l.answered_at.is_none()
        {
            l.answered_at = Some(now);
        }
        StoredClocks::of(&sla, &legal)
    }
}

/// An SLA policy as stored and shown.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PolicyRecord {
    pub id: String,
    pub name_lv: String,
    pub name_en: Option<String>,
    /// Applies to tickets matching every field given (null: any).
    pub institution: Option<String>,
    pub service: Option<String>,
    pub kind: Option<Kind>,
    pub priority: Option<Priority>,
    pub channel: Option<Channel>,
    /// Targets in business minutes.
    pub first_response_minutes: Option<i64>,
    pub next_response_minutes: Option<i64>,
    pub resolution_minutes: Option<i64>,
    /// Warn when this share (%) of a target is used.
    pub warn_percent: i64,
}

/// A rule of the Law on Submissions as stored and shown.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LegalRuleRecord {
    /// Submissions received from this day on follow the rule (`YYYY-MM-DD`).
    pub effective_from: String,
    pub answer_count: i64,
    /// `working_days` or `months`.
    pub answer_unit: String,
    pub extended_count: i64,
    pub extended_unit: String,
    pub forward_count: i64,
    pub forward_unit: String,
    pub source: String,
}

impl Store {
    /// The SLA policies, by id.
    pub async fn sla_policies(&self) -> Result<Vec<PolicyRecord>> {
        let rows: Vec<PolicyRow> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT id, name_lv, name_en, institution, service, kind, priority, channel, \
                 first_response_minutes, next_response_minutes, resolution_minutes, warn_percent \
                 FROM sla_policies ORDER BY id",
            )
            .fetch_all(pool)
            .await?
        });
        rows.into_iter().map(policy_record).collect()
    }

    /// Create or replace a policy; new tickets get it, running clocks keep theirs.
    pub async fn save_sla_policy(&self, p: &PolicyRecord) -> Result<()> {
        // Shapes first: malformed text never reaches the database.
        let mut shape = atbalsts_domain::validate::Errors::default();
        shape.code("id", &p.id);
        shape.text("name_lv", &p.name_lv, atbalsts_domain::validate::MAX_NAME);
        shape.opt_text(
            "name_en",
            p.name_en.as_deref(),
            atbalsts_domain::validate::MAX_NAME,
        );
        shape.opt_code("institution", p.institution.as_deref());
        shape.opt_code("service", p.service.as_deref());
        if !shape.is_empty() {
            return Err(StoreError::invalid(shape.0));
        }
        let mut errors = Vec::new();
        let mut field = |name: &str, message: String| {
            errors.push(atbalsts_domain::FieldError::new(name, message))
        };
        for (name, v) in [
            ("first_response_minutes", p.first_response_minutes),
            ("next_response_minutes", p.next_response_minutes),
            ("resolution_minutes", p.resolution_minutes),
        ] {
            if v.is_some_and(|m| !(1..=525_600).contains(&m)) {
                field(
                    name,
                    "a target is between 1 minute and a year (525600 minutes)".into(),
                );
            }
        }
        if !(1..=100).contains(&p.warn_percent) {
            field(
                "warn_percent",
                "the warning share is between 1 and 100 %".into(),
            );
        }
        let (institutions, services): (i64, i64) = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT (SELECT COUNT(*) FROM institutions WHERE code = $1), \
                 (SELECT COUNT(*) FROM services WHERE code = $2)",
            )
            .bind(&p.institution)
            .bind(&p.service)
            .fetch_one(pool)
            .await?
        });
        if let Some(i) = &p.institution
            && institutions == 0
        {
            field("institution", format!("no institution with code {i}"));
        }
        if let Some(s) = &p.service
            && services == 0
        {
            field("service", format!("no service with code {s}"));
        }
        if !errors.is_empty() {
            return Err(StoreError::invalid(errors));
        }
        in_tx!(self, |tx| {
            sqlx::query(
                "INSERT INTO sla_policies (id, name_lv, name_en, institution, service, kind, priority, channel, \
                 first_response_minutes, next_response_minutes, resolution_minutes, warn_percent) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
                 ON CONFLICT (id) DO UPDATE SET name_lv = excluded.name_lv, name_en = excluded.name_en, \
                 institution = excluded.institution, service = excluded.service, kind = excluded.kind, \
                 priority = excluded.priority, channel = excluded.channel, \
                 first_response_minutes = excluded.first_response_minutes, \
                 next_response_minutes = excluded.next_response_minutes, \
                 resolution_minutes = excluded.resolution_minutes, warn_percent = excluded.warn_percent",
            )
            .bind(&p.id)
            .bind(p.name_lv.trim())
            .bind(&p.name_en)
            .bind(&p.institution)
            .bind(&p.service)
            .bind(p.kind.map(Kind::as_str))
            .bind(p.priority.map(Priority::as_str))
            .bind(p.channel.map(Channel::as_str))
            .bind(p.first_response_minutes)
            .bind(p.next_response_minutes)
            .bind(p.resolution_minutes)
            .bind(p.warn_percent)
            .execute(&mut *tx)
            .await?;
        });
        self.clock_cache().invalidate();
        Ok(())
    }

    /// The Law on Submissions' rules, oldest first.
    pub async fn legal_rules(&self) -> Result<Vec<LegalRuleRecord>> {
        let rows: Vec<RuleRow> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT effective_from, answer_count, answer_unit, extended_count, extended_unit, \
                 forward_count, forward_unit, source FROM legal_rules ORDER BY effective_from",
            )
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|r| LegalRuleRecord {
                effective_from: r.0,
                answer_count: r.1,
                answer_unit: r.2,
                extended_count: r.3,
                extended_unit: r.4,
                forward_count: r.5,
                forward_unit: r.6,
                source: r.7,
            })
            .collect())
    }

    /// Add an amendment's rule; submissions received from its day on follow it.
    pub async fn add_legal_rule(&self, r: &LegalRuleRecord) -> Result<()> {
        let mut errors = Vec::new();
        let from = r.effective_from.trim().parse::<Date>().ok();
        if from.is_none() {
            errors.push(atbalsts_domain::FieldError::new(
                "effective_from",
                "give the day the rule takes effect as YYYY-MM-DD",
            ));
        }
        for (name, count, unit) in [
            ("answer", r.answer_count, &r.answer_unit),
            ("extended", r.extended_count, &r.extended_unit),
            ("forward", r.forward_count, &r.forward_unit),
        ] {
            if Term::from_parts(count, unit).is_none() || count <= 0 {
                errors.push(atbalsts_domain::FieldError::new(
                    format!("{name}_count"),
                    "a term is a positive number of working_days or months",
                ));
            }
        }
        let mut shape = atbalsts_domain::validate::Errors::default();
        shape.text("source", &r.source, 500);
        errors.extend(shape.0);
        let Some(from) = from.filter(|_| errors.is_empty()) else {
            return Err(StoreError::invalid(errors));
        };
        let added = in_tx!(self, |tx| {
            sqlx::query(
                "INSERT INTO legal_rules VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
            )
            .bind(from.to_string())
            .bind(r.answer_count)
            .bind(&r.answer_unit)
            .bind(r.extended_count)
            .bind(&r.extended_unit)
            .bind(r.forward_count)
            .bind(&r.forward_unit)
            .bind(r.source.trim())
            .execute(&mut *tx)
            .await?
            .rows_affected()
        });
        if added == 0 {
            return Err(StoreError::conflict(
                Code::LegalRuleExists,
                format!(
                    "a rule taking effect on {} exists already",
                    r.effective_from
                ),
            ));
        }
        self.clock_cache().invalidate();
        Ok(())
    }
}
