//! Service-level targets and the clocks that measure them, in business time.
//!
//! A ticket gets the most specific [`Policy`] that matches it. The policy sets
//! up to three targets: the first response, the next response after each
//! requester message, and the resolution. Each runs as a [`Clock`] of business
//! seconds (see [`crate::hours`]): time only counts within the handling
//! group's working hours, the resolution clock stands still while the ticket
//! waits for the requester, and a transfer keeps the clocks as they are.
//!
//! Clocks keep the business seconds used so far and the instant they last
//! started running; every change of the ticket checkpoints them, so a change
//! of group (and so of hours) counts each stretch with the hours then in force.

use crate::hours::BusinessTime;
use crate::ticket::{Channel, Kind, Priority, Status};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// Targets for tickets that match every field given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub id: String,
    pub institution: Option<String>,
    pub service: Option<String>,
    pub kind: Option<Kind>,
    pub priority: Option<Priority>,
    pub channel: Option<Channel>,
    pub first_response_minutes: Option<i64>,
    pub next_response_minutes: Option<i64>,
    pub resolution_minutes: Option<i64>,
    /// A warning is due when this share of a target is used.
    pub warn_percent: u8,
}

/// What a policy is chosen by.
#[derive(Debug, Clone, Copy)]
pub struct PolicyFacts<'a> {
    pub institution: &'a str,
    pub service: Option<&'a str>,
    pub kind: Kind,
    pub priority: Priority,
    pub channel: Channel,
}

impl Policy {
    fn matches(&self, t: &PolicyFacts<'_>) -> bool {
        fn ok<T: PartialEq>(want: &Option<T>, have: T) -> bool {
            want.as_ref().is_none_or(|w| *w == have)
        }
        self.institution
            .as_deref()
            .is_none_or(|i| i == t.institution)
            && self.service.as_deref().is_none_or(|s| Some(s) == t.service)
            && ok(&self.kind, t.kind)
            && ok(&self.priority, t.priority)
            && ok(&self.channel, t.channel)
    }

    /// A service's own policy beats a priority's, which beats a kind's, a
    /// channel's and then an institution's; a policy naming more wins among equals.
    fn specificity(&self) -> u32 {
        u32::from(self.service.is_some()) * 16
            + u32::from(self.priority.is_some()) * 8
            + u32::from(self.kind.is_some()) * 4
            + u32::from(self.channel.is_some()) * 2
            + u32::from(self.institution.is_some())
    }
}

/// The most specific policy matching `facts`; among equals the first by id.
pub fn select<'a>(policies: &'a [Policy], facts: &PolicyFacts<'_>) -> Option<&'a Policy> {
    policies.iter().filter(|p| p.matches(facts)).max_by(|a, b| {
        a.specificity()
            .cmp(&b.specificity())
            .then_with(|| b.id.cmp(&a.id))
    })
}

fn micros(t: Timestamp) -> i64 {
    t.as_microsecond()
}

/// Clocks count whole business seconds, so every instant they keep is a whole
/// second: a checkpoint at 10:00:01.2 after one at 10:00:00.3 would otherwise
/// count 0 s yet restart from 10:00:01.2, and each change would push the due
/// time up to a second later.
fn whole_second(at: Timestamp) -> Timestamp {
    Timestamp::from_second(at.as_second()).unwrap_or(at)
}

fn instant(micros: i64) -> Timestamp {
    Timestamp::from_microsecond(micros).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// One target being measured. Instants are microseconds since the epoch, as in the schema.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clock {
    pub target_secs: i64,
    /// Business seconds used before `running_since`.
    pub used_secs: i64,
    /// Running since then; `None` while paused or stopped.
    pub running_since: Option<i64>,
    /// When the target was met (or the clock ended with the ticket).
    pub stopped_at: Option<i64>,
    /// When the target runs out, while running.
    pub due: Option<i64>,
    /// When the warning is due, while running and not yet passed.
    pub warn_at: Option<i64>,
    /// Known to be breached: stopped late, or recorded by the breach job.
    pub breached: bool,
    /// The warning was recorded.
    #[serde(default)]
    pub warned: bool,
}

impl Clock {
    pub fn start(
        target_secs: i64,
        at: Timestamp,
        warn_percent: u8,
        bt: &BusinessTime<'_>,
    ) -> Clock {
        let at = whole_second(at);
        let mut c = Clock {
            target_secs,
            used_secs: 0,
            running_since: Some(micros(at)),
            stopped_at: None,
            due: None,
            warn_at: None,
            breached: false,
            warned: false,
        };
        c.plan(warn_percent, bt);
        c
    }

    fn plan(&mut self, warn_percent: u8, bt: &BusinessTime<'_>) {
        let Some(since) = self.running_since.map(instant) else {
            self.due = None;
            self.warn_at = None;
            return;
        };
        let left = self.target_secs - self.used_secs;
        self.due = bt.add(since, left).map(micros);
        let warn_used = self.target_secs * i64::from(warn_percent.min(100)) / 100;
        self.warn_at = if self.warned || warn_used <= self.used_secs {
            None
        } else {
            bt.add(since, warn_used - self.used_secs).map(micros)
        };
    }

    fn settle(&mut self, at: Timestamp, bt: &BusinessTime<'_>) {
        if let Some(since) = self.running_since {
            self.used_secs += bt.between(instant(since), at);
            self.running_since = Some(micros(at));
        }
    }

    pub fn is_running(&self) -> bool {
        self.running_since.is_some()
    }

    pub fn is_paused(&self) -> bool {
        self.running_since.is_none() && self.stopped_at.is_none()
    }

    /// Count up to `at` and plan again (the hours may have changed).
    pub fn checkpoint(&mut self, at: Timestamp, warn_percent: u8, bt: &BusinessTime<'_>) {
        let at = whole_second(at);
        self.settle(at, bt);
        self.plan(warn_percent, bt);
    }

    pub fn pause(&mut self, at: Timestamp, bt: &BusinessTime<'_>) {
        let at = whole_second(at);
        self.settle(at, bt);
        self.running_since = None;
        self.due = None;
        self.warn_at = None;
    }

    pub fn resume(&mut self, at: Timestamp, warn_percent: u8, bt: &BusinessTime<'_>) {
        let at = whole_second(at);
        if self.is_paused() {
            self.running_since = Some(micros(at));
            self.plan(warn_percent, bt);
        }
    }

    pub fn stop(&mut self, at: Timestamp, bt: &BusinessTime<'_>) {
        let at = whole_second(at);
        if self.stopped_at.is_some() {
            return;
        }
        self.settle(at, bt);
        if self.used_secs > self.target_secs {
            self.breached = true;
        }
        self.running_since = None;
        self.stopped_at = Some(micros(at));
        self.due = None;
        self.warn_at = None;
    }

    /// Run again from `at`, keeping the time already used (a reopened ticket).
    pub fn restart(&mut self, at: Timestamp, warn_percent: u8, bt: &BusinessTime<'_>) {
        let at = whole_second(at);
        self.stopped_at = None;
        self.running_since = Some(micros(at));
        self.plan(warn_percent, bt);
    }

    /// Breached by `now`: recorded, or running past its due instant.
    pub fn breached_at(&self, now: Timestamp) -> bool {
        self.breached || self.due.is_some_and(|d| d <= micros(now))
    }
}

/// The clocks of one ticket.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaState {
    pub policy: String,
    pub warn_percent: u8,
    /// The next-response target, kept to start that clock on each requester message.
    pub next_response_secs: Option<i64>,
    pub first_response: Option<Clock>,
    pub next_response: Option<Clock>,
    pub resolution: Option<Clock>,
}

/// What the sweeper records when a clock reaches a mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    Warning,
    Breach,
}

impl Mark {
    /// The event kind it is recorded as.
    pub fn event(self) -> &'static str {
        match self {
            Mark::Warning => "sla_warning",
            Mark::Breach => "sla_breached",
        }
    }
}

/// What happened to the ticket, as far as its clocks care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Happening {
    pub from: Status,
    pub to: Status,
    /// Staff wrote to the requester.
    pub staff_replied: bool,
    /// The requester wrote.
    pub requester_replied: bool,
}

impl SlaState {
    /// Start the clocks of a ticket created at `at` under `policy`.
    pub fn start(policy: &Policy, at: Timestamp, bt: &BusinessTime<'_>) -> SlaState {
        let w = policy.warn_percent;
        let clock = |m: Option<i64>| m.map(|m| Clock::start(m * 60, at, w, bt));
        SlaState {
            policy: policy.id.clone(),
            warn_percent: w,
            next_response_secs: policy.next_response_minutes.map(|m| m * 60),
            first_response: clock(policy.first_response_minutes),
            next_response: None,
            resolution: clock(policy.resolution_minutes),
        }
    }

    fn clocks_mut(&mut self) -> impl Iterator<Item = &mut Clock> {
        [
            self.first_response.as_mut(),
            self.next_response.as_mut(),
            self.resolution.as_mut(),
        ]
        .into_iter()
        .flatten()
    }

    /// Move the clocks for what happened at `at`; `bt` is the business time of
    /// whoever handles the ticket from now on.
    pub fn apply(&mut self, h: Happening, at: Timestamp, bt: &BusinessTime<'_>) {
        self.checkpoint(at, bt);
        let w = self.warn_percent;
        let responded = h.staff_replied || matches!(h.to, Status::Resolved | Status::Closed);
        if responded {
            if let Some(c) = &mut self.first_response {
                c.stop(at, bt);
            }
            if let Some(c) = &mut self.next_response {
                c.stop(at, bt);
            }
        }
        if h.requester_replied
            && self
                .first_response
                .as_ref()
                .is_none_or(|c| c.stopped_at.is_some())
            && let Some(target) = self.next_response_secs
            && self.next_response.as_ref().is_none_or(|c| !c.is_running())
        {
            self.next_response = Some(Clock::start(target, at, w, bt));
        }
        if let Some(c) = &mut self.resolution {
            match (h.from, h.to) {
                (_, Status::Resolved | Status::Closed) => c.stop(at, bt),
                (Status::Resolved, _) => c.restart(at, w, bt),
                (_, Status::PendingRequester) => c.pause(at, bt),
                (Status::PendingRequester, _) => c.resume(at, w, bt),
                _ => {}
            }
        }
    }

    /// Count every clock up to `at` and plan it again on `bt` (the calendar or
    /// the hours changed).
    pub fn checkpoint(&mut self, at: Timestamp, bt: &BusinessTime<'_>) {
        let w = self.warn_percent;
        for c in self.clocks_mut() {
            c.checkpoint(at, w, bt);
        }
    }

    /// The earliest warning or breach still to record, for the sweeper.
    pub fn next_mark(&self) -> Option<i64> {
        [&self.first_response, &self.next_response, &self.resolution]
            .into_iter()
            .flatten()
            .flat_map(|c| {
                [
                    c.warn_at.filter(|_| !c.warned),
                    c.due.filter(|_| !c.breached),
                ]
            })
            .flatten()
            .min()
    }

    /// Record every warning and breach due by `now`, once each: which clock,
    /// which mark, and the clock's due instant.
    pub fn record_marks(&mut self, now: i64) -> Vec<(&'static str, Mark, Option<i64>)> {
        let mut marks = Vec::new();
        let clocks = [
            ("first_response", self.first_response.as_mut()),
            ("next_response", self.next_response.as_mut()),
            ("resolution", self.resolution.as_mut()),
        ];
        for (name, clock) in clocks {
            let Some(c) = clock else { continue };
            if !c.warned && c.warn_at.is_some_and(|w| w <= now) {
                c.warned = true;
                c.warn_at = None;
                marks.push((name, Mark::Warning, c.due));
            }
            if !c.breached && c.due.is_some_and(|d| d <= now) {
                c.breached = true;
                marks.push((name, Mark::Breach, c.due));
            }
        }
        marks
    }

    /// The earliest instant a running clock runs out, for ordering queues.
    pub fn next_due(&self) -> Option<i64> {
        [&self.first_response, &self.next_response, &self.resolution]
            .into_iter()
            .flatten()
            .filter_map(|c| c.due)
            .min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::Calendar;
    use crate::hours::{WeeklyHours, riga};

    fn at(s: &str) -> Timestamp {
        jiff::civil::DateTime::strptime("%Y-%m-%d %H:%M", s)
            .and_then(|d| d.to_zoned(riga()))
            .map(|z| z.timestamp())
            .unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn policy(id: &str) -> Policy {
        Policy {
            id: id.into(),
            institution: None,
            service: None,
            kind: None,
            priority: None,
            channel: None,
            first_response_minutes: Some(240),
            next_response_minutes: Some(480),
            resolution_minutes: Some(2400),
            warn_percent: 75,
        }
    }

    fn facts() -> PolicyFacts<'static> {
        PolicyFacts {
            institution: "PMLP",
            service: Some("PMLP-001"),
            kind: Kind::Information,
            priority: Priority::Urgent,
            channel: Channel::Email,
        }
    }

    #[test]
    fn the_most_specific_policy_wins() {
        let default = policy("default");
        let urgent = Policy {
            priority: Some(Priority::Urgent),
            ..policy("urgent")
        };
        let pmlp = Policy {
            institution: Some("PMLP".into()),
            ..policy("pmlp")
        };
        let service = Policy {
            service: Some("PMLP-001".into()),
            ..policy("service")
        };
        let other = Policy {
            service: Some("VID-001".into()),
            ..policy("other")
        };
        let all = vec![
            default.clone(),
            pmlp.clone(),
            urgent.clone(),
            other,
            service,
        ];
        assert_eq!(
            select(&all, &facts()).map(|p| p.id.as_str()),
            Some("service")
        );
        assert_eq!(
            select(&all[..3], &facts()).map(|p| p.id.as_str()),
            Some("urgent")
        );
        assert_eq!(
            select(&all[..2], &facts()).map(|p| p.id.as_str()),
            Some("pmlp")
        );
        let normal = PolicyFacts {
            priority: Priority::Normal,
            institution: "VID",
            service: None,
            ..facts()
        };
        assert_eq!(
            select(&all, &normal).map(|p| p.id.as_str()),
            Some("default")
        );
        assert_eq!(select(&[], &normal), None);
    }

    fn bt_parts() -> (Calendar, WeeklyHours) {
        (Calendar::default(), WeeklyHours::default())
    }

    #[test]
    fn first_response_runs_in_business_hours_and_stops_at_the_reply() {
        let (cal, hours) = bt_parts();
        let bt = BusinessTime::new(&cal, &hours);
        // Friday 27.11.2026 15:00, 4 business hours: 2 on Friday, 2 on Monday.
        let mut s = SlaState::start(&policy("default"), at("2026-11-27 15:00"), &bt);
        let first = s.first_response.clone().unwrap_or_else(|| panic!("clock"));
        assert_eq!(first.due, Some(at("2026-11-30 10:30").as_microsecond()));
        // 75 % = 3 h: 2 on Friday, 1 on Monday.
        assert_eq!(first.warn_at, Some(at("2026-11-30 09:30").as_microsecond()));
        s.apply(
            Happening {
                from: Status::New,
                to: Status::Open,
                staff_replied: true,
                requester_replied: false,
            },
            at("2026-11-30 09:00"),
            &bt,
        );
        let first = s.first_response.clone().unwrap_or_else(|| panic!("clock"));
        assert!(first.stopped_at.is_some() && !first.breached);
        assert_eq!(first.used_secs, 2 * 3600 + 30 * 60);
        assert_eq!(first.due, None);
    }

    #[test]
    fn checkpoints_between_whole_seconds_do_not_move_the_due_time() {
        let (cal, hours) = bt_parts();
        let bt = BusinessTime::new(&cal, &hours);
        let start = at("2026-11-30 10:00");
        let mut c = Clock::start(4 * 3600, start, 75, &bt);
        let due = c.due;
        // Changes a fraction of a second apart, as requests come.
        for ms in [300, 1_200, 1_900, 2_100, 3_050] {
            let t = start
                .checked_add(jiff::SignedDuration::from_millis(ms))
                .unwrap_or(start);
            c.checkpoint(t, 75, &bt);
            assert_eq!(c.due, due, "after {ms} ms");
        }
        assert_eq!(c.used_secs, 3);
    }

    #[test]
    fn waiting_for_the_requester_pauses_resolution() {
        let (cal, hours) = bt_parts();
        let bt = BusinessTime::new(&cal, &hours);
        let mut s = SlaState::start(&policy("default"), at("2026-11-30 09:00"), &bt);
        let wait = Happening {
            from: Status::New,
            to: Status::PendingRequester,
            staff_replied: true,
            requester_replied: false,
        };
        s.apply(wait, at("2026-11-30 10:00"), &bt);
        let res = s.resolution.clone().unwrap_or_else(|| panic!("clock"));
        assert!(res.is_paused() && res.due.is_none());
        assert_eq!(res.used_secs, 3600);
        // Back a week later: 39 business hours remain from then.
        let back = Happening {
            from: Status::PendingRequester,
            to: Status::Open,
            staff_replied: false,
            requester_replied: true,
        };
        s.apply(back, at("2026-12-07 08:30"), &bt);
        let res = s.resolution.clone().unwrap_or_else(|| panic!("clock"));
        let bt_due = bt
            .add(at("2026-12-07 08:30"), 39 * 3600)
            .map(|t| t.as_microsecond());
        assert_eq!(res.due, bt_due);
        // The requester's message starts the next-response clock.
        let next = s.next_response.clone().unwrap_or_else(|| panic!("next"));
        assert_eq!(next.due, Some(at("2026-12-07 16:30").as_microsecond()));
        assert_eq!(s.next_due(), next.due);
    }

    #[test]
    fn a_late_reply_is_a_breach_and_reopening_continues_the_clock() {
        let (cal, hours) = bt_parts();
        let bt = BusinessTime::new(&cal, &hours);
        let mut s = SlaState::start(&policy("default"), at("2026-11-30 09:00"), &bt);
        let resolve = Happening {
            from: Status::New,
            to: Status::Resolved,
            staff_replied: false,
            requester_replied: false,
        };
        s.apply(resolve, at("2026-12-01 12:00"), &bt);
        let first = s.first_response.clone().unwrap_or_else(|| panic!("clock"));
        assert!(first.breached, "11 business hours for a 4-hour target");
        let res = s.resolution.clone().unwrap_or_else(|| panic!("clock"));
        assert!(!res.breached && res.stopped_at.is_some());
        let reopen = Happening {
            from: Status::Resolved,
            to: Status::Open,
            staff_replied: false,
            requester_replied: false,
        };
        s.apply(reopen, at("2026-12-02 08:30"), &bt);
        let res = s.resolution.clone().unwrap_or_else(|| panic!("clock"));
        assert_eq!(res.used_secs, 8 * 3600 + 3 * 3600 + 30 * 60);
        assert!(res.is_running());
        assert!(!res.breached_at(at("2026-12-02 09:00")));
    }

    #[test]
    fn clocks_serialise_for_storage() {
        let (cal, hours) = bt_parts();
        let bt = BusinessTime::new(&cal, &hours);
        let s = SlaState::start(&policy("default"), at("2026-11-30 09:00"), &bt);
        let text = serde_json::to_string(&s).unwrap_or_default();
        let back: SlaState = serde_json::from_str(&text).unwrap_or_default();
        assert_eq!(back, s);
    }

    #[test]
    fn marks_are_recorded_once_when_reached() {
        let (cal, hours) = bt_parts();
        let bt = BusinessTime::new(&cal, &hours);
        let mut s = SlaState::start(&policy("default"), at("2026-11-30 09:00"), &bt);
        let first = s.first_response.clone().unwrap_or_else(|| panic!("clock"));
        assert_eq!(s.next_mark(), first.warn_at);
        let due = first.due.unwrap_or_default();
        assert!(s.record_marks(due - 1).iter().all(|m| m.1 == Mark::Warning));
        assert_eq!(s.next_mark(), Some(due));
        let breach = s.record_marks(due);
        assert_eq!(breach, vec![("first_response", Mark::Breach, Some(due))]);
        assert!(s.record_marks(due).is_empty(), "once");
        // The resolution's warning is next.
        assert_eq!(s.next_mark(), s.resolution.as_ref().and_then(|c| c.warn_at));
    }
}
