use super::*;
use crate::event::Cadence;
use crate::time::{Month, local_date};
use crate::vocab::{ContactForm, PairingKind};

#[derive(Clone, Debug)]
pub struct FormPairing {
    pub id: Uuid,
    pub kind: PairingKind,
    pub mentor_ids: Vec<Uuid>,
    pub mentee_id: Uuid,
    pub starts_on: NaiveDate,
    pub cadence: Cadence,
    pub situation: Option<String>,
}

/// A cadence has exactly one window (rolling days or a calendar unit) and asks for at
/// least one contact in it; a minimum length is 1 to 1440 minutes (a day), and a target of
/// problems solved (seed 000 「至少解决1个实际问题」) 1 to 100 a term.
pub fn valid_cadence(cadence: Cadence) -> Result<Cadence, DomainError> {
    match (cadence.every_days, cadence.calendar) {
        (Some(_), Some(_)) | (None, None) => {
            return Err(DomainError::bad(
                "cadence",
                "give exactly one of everyDays and calendar",
            ));
        }
        (Some(days), None) if !(1..=366).contains(&days) => {
            return Err(DomainError::bad("cadence.everyDays", "must be between 1 and 366"));
        }
        _ => {}
    }
    if !(1..=100).contains(&cadence.at_least) {
        return Err(DomainError::bad("cadence.atLeast", "must be between 1 and 100"));
    }
    if cadence.min_minutes.is_some_and(|m| !(1..=1440).contains(&m)) {
        return Err(DomainError::bad("cadence.minMinutes", "must be between 1 and 1440"));
    }
    if cadence.problems_per_term.is_some_and(|n| !(1..=100).contains(&n)) {
        return Err(DomainError::bad("cadence.problemsPerTerm", "must be between 1 and 100"));
    }
    Ok(cadence)
}

/// Who mentors whom: people mentor a person (or a League branch); a branch mentors a
/// branch (支部对支部). No one mentors themself. Each kind's own rules (how many mentors,
/// at which stage, whom) are in `pairing_rules`; shapes are checked before any lookup.
pub fn form_pairing(state: &State, input: FormPairing) -> Result<Decision, DomainError> {
    let cadence = valid_cadence(input.cadence)?;
    if input.mentor_ids.is_empty() {
        return Err(DomainError::bad("mentorIds", "a pairing needs at least one mentor"));
    }
    if input.mentor_ids.len() > super::MAX_MENTORS {
        return Err(DomainError::bad(
            "mentorIds",
            format!("a pairing has at most {} mentors", super::MAX_MENTORS),
        ));
    }
    let mut mentors: Vec<Uuid> = Vec::with_capacity(input.mentor_ids.len());
    for &m in &input.mentor_ids {
        if mentors.contains(&m) {
            return Err(DomainError::bad("mentorIds", format!("{m} is listed twice")));
        }
        mentors.push(m);
    }
    if mentors.contains(&input.mentee_id) {
        return Err(DomainError::bad("mentorIds", "no one mentors themself"));
    }
    super::pairing_rules::mentor_count(input.kind, mentors.len())?;
    let situation = optional_text("situation", input.situation.as_deref(), MAX_TEXT)?;
    super::pairing_rules::parties_fit(state, input.kind, &mentors, input.mentee_id, input.starts_on)?;
    let event = Event::PairingFormed {
        pairing_id: input.id,
        kind: input.kind,
        mentor_ids: mentors,
        mentee_id: input.mentee_id,
        starts_on: input.starts_on,
        cadence,
        situation,
    };
    Ok(Decision::one(state, input.id, event))
}

#[derive(Clone, Debug)]
pub struct EndPairing {
    pub pairing_id: Uuid,
    pub ends_on: NaiveDate,
    pub reason: String,
}

pub fn end_pairing(state: &State, input: EndPairing) -> Result<Decision, DomainError> {
    let p = pairing(state, input.pairing_id)?;
    if let Some(ended) = p.ends_on {
        return Err(DomainError::Conflict(format!("the pairing ended already on {ended}")));
    }
    if input.ends_on < p.starts_on {
        return Err(DomainError::bad(
            "endsOn",
            format!("is before the pairing started on {}", p.starts_on),
        ));
    }
    if let Some(last) = p.last_contact_at().map(local_date)
        && input.ends_on < last
    {
        return Err(DomainError::bad(
            "endsOn",
            format!("is before the last recorded contact on {last}"),
        ));
    }
    let reason = required_text("reason", &input.reason, MAX_TEXT)?;
    let event = Event::PairingEnded {
        pairing_id: p.id,
        ends_on: input.ends_on,
        reason,
    };
    Ok(Decision::one(state, p.id, event))
}

#[derive(Clone, Debug)]
pub struct RecordContact {
    pub pairing_id: Uuid,
    pub occurred_at: DateTime<Utc>,
    pub form: ContactForm,
    pub place: Option<String>,
    pub content: Option<String>,
    pub effect: Option<String>,
    pub problems_solved: i64,
    pub duration_minutes: Option<i64>,
}

/// A contact happens within the pairing's life, and not in the future.
pub fn record_contact(state: &State, input: RecordContact, now: DateTime<Utc>) -> Result<Decision, DomainError> {
    let p = pairing(state, input.pairing_id)?;
    if input.occurred_at > now {
        return Err(DomainError::bad("occurredAt", "is in the future"));
    }
    let day = local_date(input.occurred_at);
    if day < p.starts_on {
        return Err(DomainError::bad(
            "occurredAt",
            format!("is before the pairing started on {}", p.starts_on),
        ));
    }
    if let Some(end) = p.ends_on
        && day > end
    {
        return Err(DomainError::bad(
            "occurredAt",
            format!("is after the pairing ended on {end}"),
        ));
    }
    let problems_solved = u32::try_from(input.problems_solved)
        .ok()
        .filter(|n| *n <= 100)
        .ok_or_else(|| DomainError::bad("problemsSolved", "must be between 0 and 100"))?;
    let duration_minutes = match input.duration_minutes {
        None => None,
        Some(m) if (1..=1440).contains(&m) => Some(m as u32),
        Some(_) => {
            return Err(DomainError::bad("durationMinutes", "must be between 1 and 1440"));
        }
    };
    let event = Event::ContactRecorded {
        pairing_id: p.id,
        occurred_at: input.occurred_at,
        form: input.form,
        place: optional_text("place", input.place.as_deref(), MAX_NAME)?,
        content: optional_text("content", input.content.as_deref(), MAX_TEXT)?,
        effect: optional_text("effect", input.effect.as_deref(), MAX_TEXT)?,
        problems_solved,
        duration_minutes,
    };
    Ok(Decision::one(state, p.id, event))
}

#[derive(Clone, Debug)]
pub struct RecordVisitFeedback {
    pub pairing_id: Uuid,
    pub visited_on: NaiveDate,
    pub rating: i64,
    pub note: Option<String>,
}

/// Seed 001: the branch visits mentees at random and asks how the help goes (1 to 5).
pub fn record_visit_feedback(
    state: &State,
    input: RecordVisitFeedback,
    now: DateTime<Utc>,
) -> Result<Decision, DomainError> {
    let p = pairing(state, input.pairing_id)?;
    not_in_future("visitedOn", input.visited_on, now)?;
    if input.visited_on < p.starts_on {
        return Err(DomainError::bad(
            "visitedOn",
            format!("is before the pairing started on {}", p.starts_on),
        ));
    }
    let rating = u8::try_from(input.rating)
        .ok()
        .filter(|r| (1..=5).contains(r))
        .ok_or_else(|| DomainError::bad("rating", "must be between 1 and 5"))?;
    let note = optional_text("note", input.note.as_deref(), MAX_TEXT)?;
    let event = Event::VisitFeedbackRecorded {
        pairing_id: p.id,
        visited_on: input.visited_on,
        rating,
        note,
    };
    Ok(Decision::one(state, p.id, event))
}

fn month_of_pairing(p: &crate::state::Pairing, month: &str, now: DateTime<Utc>) -> Result<Month, DomainError> {
    let month = Month::parse(month).map_err(|e| DomainError::bad("month", e.to_string()))?;
    if month.first_day() > local_date(now) {
        return Err(DomainError::bad("month", format!("{month} has not begun")));
    }
    if month.last_day() < p.starts_on || p.ends_on.is_some_and(|end| month.first_day() > end) {
        return Err(DomainError::bad(
            "month",
            format!("the pairing was not active in {month}"),
        ));
    }
    Ok(month)
}

/// The mentor's monthly 活动情况记录表 (seed 000 form 1; seed 001's monthly report).
pub fn submit_monthly_record(
    state: &State,
    pairing_id: Uuid,
    month: &str,
    now: DateTime<Utc>,
) -> Result<Decision, DomainError> {
    let p = pairing(state, pairing_id)?;
    let month = month_of_pairing(p, month, now)?;
    if p.monthly_records.contains_key(&month) {
        return Err(DomainError::Conflict(format!(
            "the record for {month} was submitted already"
        )));
    }
    Ok(Decision::one(
        state,
        p.id,
        Event::MonthlyRecordSubmitted {
            pairing_id: p.id,
            month,
        },
    ))
}

/// The branch secretary's signed opinion (党支部意见) on a month of the pairing.
pub fn give_branch_opinion(
    state: &State,
    pairing_id: Uuid,
    month: &str,
    opinion: &str,
    now: DateTime<Utc>,
) -> Result<Decision, DomainError> {
    let p = pairing(state, pairing_id)?;
    let month = month_of_pairing(p, month, now)?;
    let opinion = required_text("opinion", opinion, MAX_TEXT)?;
    Ok(Decision::one(
        state,
        p.id,
        Event::BranchOpinionGiven {
            pairing_id: p.id,
            month,
            opinion,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::*;
    use crate::vocab::Stage;

    fn contact(pairing_id: Uuid, at: DateTime<Utc>) -> RecordContact {
        RecordContact {
            pairing_id,
            occurred_at: at,
            form: ContactForm::Phone,
            place: None,
            content: Some("  谈心  ".into()),
            effect: None,
            problems_solved: 0,
            duration_minutes: None,
        }
    }

    fn setup() -> (World, Uuid, Uuid, Uuid) {
        let mut w = World::new();
        let school = w.school();
        let mentor = w.register(&[school], Stage::Full);
        let mentee = w.register(&[school], Stage::NonParty);
        let pairing = w.form_pairing(&[mentor], mentee, "2025-09-01", fortnightly());
        (w, mentor, mentee, pairing)
    }

    #[test]
    fn a_cadence_has_exactly_one_window() {
        let both = Cadence {
            at_least: 1,
            every_days: Some(14),
            calendar: Some(crate::vocab::CalendarUnit::Month),
            min_minutes: None,
            problems_per_term: None,
        };
        assert!(matches!(
            valid_cadence(both),
            Err(DomainError::BadInput { field: "cadence", .. })
        ));
        let neither = Cadence {
            at_least: 1,
            every_days: None,
            calendar: None,
            min_minutes: None,
            problems_per_term: None,
        };
        assert!(valid_cadence(neither).is_err());
        let too_long = Cadence {
            at_least: 1,
            every_days: Some(367),
            calendar: None,
            min_minutes: None,
            problems_per_term: None,
        };
        assert!(matches!(
            valid_cadence(too_long),
            Err(DomainError::BadInput {
                field: "cadence.everyDays",
                ..
            })
        ));
        let zero = Cadence {
            at_least: 0,
            every_days: Some(14),
            calendar: None,
            min_minutes: None,
            problems_per_term: None,
        };
        assert!(matches!(
            valid_cadence(zero),
            Err(DomainError::BadInput {
                field: "cadence.atLeast",
                ..
            })
        ));
    }

    #[test]
    fn a_target_of_problems_solved_is_one_to_a_hundred_a_term() {
        let target = |n| Cadence {
            problems_per_term: n,
            ..monthly(1)
        };
        for bad in [0, 101] {
            assert!(matches!(
                valid_cadence(target(Some(bad))),
                Err(DomainError::BadInput {
                    field: "cadence.problemsPerTerm",
                    ..
                })
            ));
        }
        // 「至少解决1个实际问题」: one is the seed's own target; none is no target at all.
        assert_eq!(valid_cadence(target(Some(1))), Ok(target(Some(1))));
        assert_eq!(valid_cadence(target(None)), Ok(target(None)));
    }

    #[test]
    fn no_one_mentors_themself() {
        let (mut w, mentor, _, _) = setup();
        let input = FormPairing {
            id: Uuid::from_u128(5),
            kind: PairingKind::OneToOne,
            mentor_ids: vec![mentor],
            mentee_id: mentor,
            starts_on: day("2025-09-01"),
            cadence: fortnightly(),
            situation: None,
        };
        w.when(|s, _| form_pairing(s, input)).then_refuses("mentorIds");
    }

    #[test]
    fn a_contact_falls_within_the_pairing_and_not_in_the_future() {
        let (mut w, _, _, pairing) = setup();
        let before = at("2025-08-20T10:00:00+08:00");
        w.when(|s, now| record_contact(s, contact(pairing, before), now))
            .then_refuses("occurredAt");
        let future = w.now + chrono::Duration::hours(1);
        w.when(|s, now| record_contact(s, contact(pairing, future), now))
            .then_refuses("occurredAt");
        let ok = at("2025-10-01T10:00:00+08:00");
        let decision = w
            .when(|s, now| record_contact(s, contact(pairing, ok), now))
            .then_decided();
        match &decision.events[0] {
            Event::ContactRecorded { content, .. } => assert_eq!(content.as_deref(), Some("谈心")),
            other => panic!("{other:?}"),
        }
        let ended = EndPairing {
            pairing_id: pairing,
            ends_on: day("2026-01-15"),
            reason: "毕业".into(),
        };
        w.when(|s, _| end_pairing(s, ended)).then_applied();
        let after_end = at("2026-02-01T10:00:00+08:00");
        w.when(|s, now| record_contact(s, contact(pairing, after_end), now))
            .then_refuses("occurredAt");
    }

    #[test]
    fn an_unknown_pairing_is_not_found() {
        let (mut w, ..) = setup();
        let at = at("2025-10-01T10:00:00+08:00");
        w.when(|s, now| record_contact(s, contact(Uuid::from_u128(77), at), now))
            .then_not_found();
    }

    #[test]
    fn a_month_is_recorded_once_and_only_once_it_began() {
        let (mut w, _, _, pairing) = setup();
        w.when(|s, now| submit_monthly_record(s, pairing, "2026-07", now))
            .then_refuses("month");
        w.when(|s, now| submit_monthly_record(s, pairing, "2025-08", now))
            .then_refuses("month");
        w.when(|s, now| submit_monthly_record(s, pairing, "2025-10", now))
            .then_applied();
        w.when(|s, now| submit_monthly_record(s, pairing, "2025-10", now))
            .then_conflict();
    }

    #[test]
    fn ratings_are_one_to_five() {
        let (mut w, _, _, pairing) = setup();
        let visit = |rating| RecordVisitFeedback {
            pairing_id: pairing,
            visited_on: day("2025-12-01"),
            rating,
            note: None,
        };
        w.when(|s, now| record_visit_feedback(s, visit(6), now))
            .then_refuses("rating");
        w.when(|s, now| record_visit_feedback(s, visit(5), now)).then_decided();
    }
}
