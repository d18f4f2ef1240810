//! Reminders that reach people (docs/notifications.md): what a unit's morning digest says,
//! given its secretary's alerts; which lapses of a pairing's contact cadence its mentors
//! are told about by email; and how long a failed delivery waits before the next attempt.
//! Pure: the server stores, sends and retries them (`api/src/reminders`).

use crate::alert::{self, Alert, AlertKind, Severity, Vacations};
use crate::state::{Pairing, State};
use crate::time::{local_date, shanghai};
use crate::vocab::CalendarUnit;
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use uuid::Uuid;

/// A digest lists what is at least this bad.
pub const DIGEST_MIN: Severity = Severity::Overdue;
/// Items named per kind; the rest are counted ("另有 N 项").
pub const DIGEST_ITEMS: usize = 5;

/// One unit's morning message: its secretary's alerts at `OVERDUE` or above, by kind.
#[derive(Clone, Debug, PartialEq)]
pub struct Digest {
    pub unit_id: Uuid,
    pub unit_name: String,
    pub as_of: DateTime<Utc>,
    /// The Shanghai day it is for: one digest per unit, channel and day.
    pub day: NaiveDate,
    pub total: usize,
    pub escalated: usize,
    /// In the order of [`AlertKind`].
    pub groups: Vec<DigestGroup>,
    /// Every alert, worst first, for a webhook's document.
    pub alerts: Vec<DigestItem>,
}

/// The alerts of one kind.
#[derive(Clone, Debug, PartialEq)]
pub struct DigestGroup {
    pub kind: AlertKind,
    pub count: usize,
    /// The first [`DIGEST_ITEMS`], worst first.
    pub items: Vec<DigestItem>,
}

/// One alert, named.
#[derive(Clone, Debug, PartialEq)]
pub struct DigestItem {
    pub kind: AlertKind,
    pub subject_id: Uuid,
    /// The person, or a pairing as "mentee（帮扶人：mentors）".
    pub name: String,
    pub severity: Severity,
    pub due_at: DateTime<Utc>,
    pub days_overdue: i64,
    pub detail: String,
}

/// The digest of `unit`'s scope as of `as_of`; `None` for an unknown unit or one with
/// nothing at `OVERDUE` or above (nothing is sent then).
pub fn digest(state: &State, unit: Uuid, as_of: DateTime<Utc>) -> Option<Digest> {
    let unit_name = state.org_unit(unit)?.name.clone();
    digest_of(
        state,
        unit,
        unit_name,
        as_of,
        &alert::secretary_alerts(state, unit, as_of, DIGEST_MIN),
    )
}

/// The digest of these alerts (already filtered and ordered by `secretary_alerts`).
pub fn digest_of(
    state: &State,
    unit_id: Uuid,
    unit_name: String,
    as_of: DateTime<Utc>,
    alerts: &[Alert],
) -> Option<Digest> {
    let alerts: Vec<DigestItem> = alerts
        .iter()
        .filter(|a| a.severity >= DIGEST_MIN)
        .map(|a| DigestItem {
            kind: a.kind,
            subject_id: a.subject_id,
            name: subject_name(state, a.subject_id),
            severity: a.severity,
            due_at: a.due_at,
            days_overdue: a.days_overdue,
            detail: a.detail.to_string(),
        })
        .collect();
    if alerts.is_empty() {
        return None;
    }
    let mut kinds: Vec<AlertKind> = alerts.iter().map(|a| a.kind).collect();
    kinds.sort();
    kinds.dedup();
    let groups = kinds
        .into_iter()
        .map(|kind| {
            let of_kind: Vec<&DigestItem> = alerts.iter().filter(|a| a.kind == kind).collect();
            DigestGroup {
                kind,
                count: of_kind.len(),
                items: of_kind.into_iter().take(DIGEST_ITEMS).cloned().collect(),
            }
        })
        .collect();
    Some(Digest {
        unit_id,
        unit_name,
        as_of,
        day: local_date(as_of),
        total: alerts.len(),
        escalated: alerts.iter().filter(|a| a.severity == Severity::Escalated).count(),
        groups,
        alerts,
    })
}

/// A person's name, or a pairing's people; an id the state does not know as itself.
fn subject_name(state: &State, id: Uuid) -> String {
    if let Some(person) = state.person(id) {
        return person.name.clone();
    }
    match state.pairing(id) {
        Some(pairing) => {
            let mentee = name_of(state, pairing.mentee_id);
            let mentors: Vec<String> = pairing.mentor_ids.iter().map(|m| name_of(state, *m)).collect();
            format!("{mentee}（帮扶人：{}）", mentors.join("、"))
        }
        None => id.to_string(),
    }
}

fn name_of(state: &State, person: Uuid) -> String {
    state
        .person(person)
        .map_or_else(|| person.to_string(), |p| p.name.clone())
}

/// What a kind of alert is called in a message.
pub fn kind_words(kind: AlertKind) -> &'static str {
    match kind {
        AlertKind::Contact => "谈心谈话逾期",
        AlertKind::ThoughtReport => "思想汇报未交",
        AlertKind::MonthlyRecord => "活动情况记录表未交",
        AlertKind::BranchOpinion => "党支部意见未签",
        AlertKind::DevelopmentTargetEligible => "可列为发展对象",
        AlertKind::FullMembershipDue => "预备党员转正到期",
        AlertKind::ActivistReview => "入党积极分子考察鉴定未做",
        AlertKind::ProbationReview => "预备党员综合鉴定未做",
        AlertKind::PartyGroupReport => "向党小组的思想汇报未交",
        AlertKind::ProblemsUnsolved => "实际问题解决未达标",
    }
}

impl Digest {
    /// The title (DingTalk's `title`, an email's subject); it holds the keyword 帮扶提醒.
    pub fn title(&self) -> String {
        format!("帮扶提醒：{}（{}）", self.unit_name, self.day)
    }

    /// The message as WeCom and DingTalk markdown, with a link to the full list when given.
    pub fn markdown(&self, link: Option<&str>) -> String {
        let mut out = format!("### {}\n", self.title());
        out.push_str(&format!("共 **{}** 项待处理", self.total));
        if self.escalated > 0 {
            out.push_str(&format!("，其中 **{}** 项已升级", self.escalated));
        }
        out.push_str("：\n");
        for group in &self.groups {
            out.push_str(&format!("\n**{}**：{} 项\n", kind_words(group.kind), group.count));
            for item in &group.items {
                out.push_str(&format!("- {}\n", item_line(item)));
            }
            if group.count > group.items.len() {
                out.push_str(&format!("- 另有 {} 项\n", group.count - group.items.len()));
            }
        }
        if let Some(link) = link {
            out.push_str(&format!("\n[查看全部待办]({link})\n"));
        }
        out
    }

    /// The message as plain text (an email's body).
    pub fn plain_text(&self, link: Option<&str>) -> String {
        let mut out = format!("{}\n\n", self.title());
        out.push_str(&format!("{}共有 {} 项待处理", self.unit_name, self.total));
        if self.escalated > 0 {
            out.push_str(&format!("，其中 {} 项已升级", self.escalated));
        }
        out.push_str("：\n");
        for group in &self.groups {
            out.push_str(&format!("\n{}：{} 项\n", kind_words(group.kind), group.count));
            for item in &group.items {
                out.push_str(&format!("  · {}\n", item_line(item)));
            }
            if group.count > group.items.len() {
                out.push_str(&format!("  · 另有 {} 项\n", group.count - group.items.len()));
            }
        }
        if let Some(link) = link {
            out.push_str(&format!("\n查看全部待办：{link}\n"));
        }
        out.push_str("\n（此邮件由帮扶工作系统自动发送）\n");
        out
    }
}

fn item_line(item: &DigestItem) -> String {
    let escalated = if item.severity == Severity::Escalated {
        "，已升级"
    } else {
        ""
    };
    format!("{}：逾期 {} 天{escalated}", item.name, item.days_overdue)
}

/// The GraphQL query a digest links to: the same alerts, for the secretary to open.
pub fn digest_query(unit: Uuid) -> String {
    format!(
        "{{ secretaryAlerts(scopeId: \"{unit}\", minSeverity: OVERDUE) {{ kind severity daysOverdue dueAt detail subjectId }} }}"
    )
}

/// The stage of a lapse a mentor is told about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LapseStage {
    Overdue,
    Escalated,
}

impl LapseStage {
    pub fn name(self) -> &'static str {
        match self {
            LapseStage::Overdue => "OVERDUE",
            LapseStage::Escalated => "ESCALATED",
        }
    }
}

/// An email to one mentor about one lapse of a pairing's contact cadence: a lapse is the
/// pairing's missed deadline (`due_at`); a contact moves the deadline, so the next lapse
/// is another. Told once when it becomes `OVERDUE` and once when it becomes `ESCALATED`.
#[derive(Clone, Debug, PartialEq)]
pub struct MentorReminder {
    pub mentor_id: Uuid,
    pub mentor_name: String,
    pub email: String,
    pub pairing_id: Uuid,
    pub mentee_name: String,
    /// The mentee's first unit (the branch): where the message is listed.
    pub unit_id: Option<Uuid>,
    pub cadence: String,
    pub due_at: DateTime<Utc>,
    pub days_overdue: i64,
    pub stage: LapseStage,
}

impl MentorReminder {
    /// Names the message once: mentor, pairing, lapse and stage.
    pub fn key(&self) -> String {
        format!(
            "mentor:{}:{}:{}:{}",
            self.mentor_id,
            self.pairing_id,
            self.due_at.timestamp(),
            self.stage.name()
        )
    }

    pub fn subject(&self) -> String {
        match self.stage {
            LapseStage::Overdue => format!("帮扶提醒：与{}的谈心谈话已逾期", self.mentee_name),
            LapseStage::Escalated => format!("帮扶提醒：与{}的谈心谈话逾期已升级", self.mentee_name),
        }
    }

    pub fn body(&self) -> String {
        let due = self.due_at.with_timezone(&shanghai()).format("%Y-%m-%d %H:%M");
        let stage = match self.stage {
            LapseStage::Overdue => "已逾期".to_owned(),
            LapseStage::Escalated => "逾期已超过一个周期，已升级并报党支部书记".to_owned(),
        };
        format!(
            "{}：\n\n您与{}的结对帮扶约定{}。本次谈心谈话应于 {due} 前完成，现{stage}（逾期 {} 天）。\n\
             请尽快联系{}并在系统中记录谈话。\n\n（此邮件由帮扶工作系统自动发送，每次逾期只提醒一次，升级时再提醒一次）\n",
            self.mentor_name, self.mentee_name, self.cadence, self.days_overdue, self.mentee_name
        )
    }
}

/// A cadence in words: "每周至少谈话 2 次，每次不少于 30 分钟".
pub fn cadence_words(pairing: &Pairing) -> String {
    let c = &pairing.cadence;
    let span = match (c.calendar, c.every_days) {
        (Some(CalendarUnit::Week), _) => "每周".to_owned(),
        (Some(CalendarUnit::Month), _) => "每月".to_owned(),
        (None, Some(days)) => format!("每 {days} 天"),
        (None, None) => "每个周期".to_owned(),
    };
    let mut out = format!("{span}至少谈话 {} 次", c.at_least);
    if let Some(minutes) = c.min_minutes {
        out.push_str(&format!("，每次不少于 {minutes} 分钟"));
    }
    out
}

/// The emails mentors are owed as of `as_of`: for every active pairing whose contact
/// cadence is `OVERDUE` or `ESCALATED`, one per mentor with an email, at the stage it has
/// reached (a lapse first seen escalated is told once, as escalated). The server sends
/// each [`MentorReminder::key`] at most once.
pub fn mentor_reminders(state: &State, as_of: DateTime<Utc>) -> Vec<MentorReminder> {
    let vacations = Vacations::new(state.vacations());
    let mut out = vec![];
    for pairing in state.pairings() {
        let Some(a) = alert::contact_alert_with(pairing, &vacations, as_of) else {
            continue;
        };
        let stage = match a.severity {
            Severity::Overdue => LapseStage::Overdue,
            Severity::Escalated => LapseStage::Escalated,
            Severity::Ok | Severity::DueSoon => continue,
        };
        let mentee = state.person(pairing.mentee_id);
        for mentor in pairing.mentor_ids.iter().filter_map(|m| state.person(*m)) {
            let Some(email) = mentor.email.as_deref().map(str::trim).filter(|e| !e.is_empty()) else {
                continue;
            };
            out.push(MentorReminder {
                mentor_id: mentor.id,
                mentor_name: mentor.name.clone(),
                email: email.to_owned(),
                pairing_id: pairing.id,
                mentee_name: mentee.map_or_else(|| pairing.mentee_id.to_string(), |p| p.name.clone()),
                unit_id: mentee.and_then(|p| p.org_unit_ids.first().copied()),
                cadence: cadence_words(pairing),
                due_at: a.due_at,
                days_overdue: a.days_overdue,
                stage,
            });
        }
    }
    out
}

/// How long until a delivery first attempted at `first_at` is tried again, after its
/// `attempts`-th attempt failed at `failed_at`: 1, 5 and 30 minutes, then hourly, while
/// the next attempt falls within a day of the first; `None`: give up.
pub fn retry_at(first_at: DateTime<Utc>, failed_at: DateTime<Utc>, attempts: u32) -> Option<DateTime<Utc>> {
    let wait = match attempts {
        0 | 1 => TimeDelta::minutes(1),
        2 => TimeDelta::minutes(5),
        3 => TimeDelta::minutes(30),
        _ => TimeDelta::hours(1),
    };
    let next = failed_at + wait;
    (next <= first_at + RETRY_FOR).then_some(next)
}

/// How long a message is retried.
pub const RETRY_FOR: TimeDelta = TimeDelta::days(1);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::*;
    use chrono::TimeZone;

    fn at(d: u32, h: u32, m: u32) -> DateTime<Utc> {
        shanghai()
            .with_ymd_and_hms(2025, 10, d, h, m, 0)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn retries_wait_1_5_30_minutes_then_hourly_for_a_day() {
        let first = at(1, 8, 0);
        assert_eq!(retry_at(first, at(1, 8, 0), 1), Some(at(1, 8, 1)));
        assert_eq!(retry_at(first, at(1, 8, 1), 2), Some(at(1, 8, 6)));
        assert_eq!(retry_at(first, at(1, 8, 6), 3), Some(at(1, 8, 36)));
        assert_eq!(retry_at(first, at(1, 8, 36), 4), Some(at(1, 9, 36)));
        // 07:36 the next day + 1 h = 08:36, past 08:00 + 24 h: given up.
        assert_eq!(retry_at(first, at(2, 7, 0), 27), Some(at(2, 8, 0)));
        assert_eq!(retry_at(first, at(2, 7, 36), 28), None);
    }

    /// A person with a name and maybe an email, in `unit`.
    fn person(w: &mut World, name: &str, unit: Uuid, email: Option<&str>) -> Uuid {
        let person_id = w.id();
        w.record(crate::Event::PersonRegistered {
            person_id,
            number: format!("N{}", person_id.simple()),
            name: name.into(),
            org_unit_ids: vec![unit],
            stage: crate::vocab::Stage::NonParty,
            stage_since: None,
            key_cultivation_target: false,
            contact: None,
            email: email.map(Into::into),
        });
        person_id
    }

    /// A branch (named "Branch" by the testkit) with one pairing: mentor 李四 with an
    /// email, mentee 张三, weekly from Wednesday 1 October 2025, no contact.
    fn world() -> (World, Uuid, Uuid) {
        let mut w = World::new();
        let branch = w.campus().branch;
        let mentee = person(&mut w, "张三", branch, None);
        let mentor = person(&mut w, "李四", branch, Some("lisi@example.edu"));
        let pairing = w.form_pairing(&[mentor], mentee, "2025-10-01", weekly(1));
        (w, branch, pairing)
    }

    #[test]
    fn nothing_to_act_on_is_no_digest() {
        let (w, branch, _) = world();
        // The first week's contact is due at the end of Sunday 5 October; on the 3rd it is OK.
        assert_eq!(digest(w.state(), branch, at(3, 8, 0)), None);
    }

    #[test]
    fn a_digest_groups_by_kind_and_names_the_first_items() {
        let (w, branch, pairing) = world();
        let d = digest(w.state(), branch, at(10, 8, 0)).expect("something overdue");
        assert_eq!(d.unit_name, "Branch");
        assert_eq!(d.day, NaiveDate::from_ymd_opt(2025, 10, 10).unwrap());
        let contact = d
            .groups
            .iter()
            .find(|g| g.kind == AlertKind::Contact)
            .expect("the contact lapse");
        assert_eq!(contact.count, 1);
        assert_eq!(contact.items[0].subject_id, pairing);
        assert_eq!(contact.items[0].name, "张三（帮扶人：李四）");
        let text = d.markdown(Some("https://bangfu.example.edu/graphql"));
        assert!(text.starts_with("### 帮扶提醒：Branch（2025-10-10）"), "{text}");
        assert!(text.contains("**谈心谈话逾期**：1 项"), "{text}");
        assert!(text.contains("- 张三（帮扶人：李四）：逾期"), "{text}");
        assert!(
            text.contains("[查看全部待办](https://bangfu.example.edu/graphql)"),
            "{text}"
        );
        assert_eq!(d.total, d.groups.iter().map(|g| g.count).sum::<usize>());
    }

    #[test]
    fn a_mentor_is_told_once_per_lapse_and_again_on_escalation() {
        let (w, _, pairing) = world();
        // Weekly from Wed 1 Oct: due at the end of the first ISO week; by the 10th overdue.
        let overdue = mentor_reminders(w.state(), at(10, 8, 0));
        assert_eq!(overdue.len(), 1);
        assert_eq!(overdue[0].stage, LapseStage::Overdue);
        assert_eq!(overdue[0].email, "lisi@example.edu");
        assert_eq!(overdue[0].pairing_id, pairing);
        // The next day: the same lapse, the same key (sent once).
        let next_day = mentor_reminders(w.state(), at(11, 8, 0));
        assert_eq!(next_day[0].key(), overdue[0].key());
        // A further whole week missed: escalated, a new key for the same lapse.
        let escalated = mentor_reminders(w.state(), at(20, 8, 0));
        assert_eq!(escalated[0].stage, LapseStage::Escalated);
        assert_eq!(escalated[0].due_at, overdue[0].due_at);
        assert_ne!(escalated[0].key(), overdue[0].key());
        assert!(escalated[0].body().contains("张三"));
        assert!(
            escalated[0].body().contains("每周至少谈话 1 次"),
            "{}",
            escalated[0].body()
        );
    }

    #[test]
    fn a_mentor_without_an_email_is_not_told() {
        let (mut w, branch, _) = world();
        let mentor = person(&mut w, "赵六", branch, None);
        let mentee = person(&mut w, "钱七", branch, None);
        w.form_pairing(&[mentor], mentee, "2025-10-01", weekly(1));
        let told: Vec<String> = mentor_reminders(w.state(), at(10, 8, 0))
            .into_iter()
            .map(|r| r.mentor_name)
            .collect();
        assert_eq!(told, vec!["李四".to_owned()]);
    }
}
