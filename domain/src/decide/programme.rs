//! The programme's own acts: nominations and approvals, vacations, roles, screening.

use super::*;
use crate::event::Vacation;
use crate::time::Period;
use crate::vocab::*;

fn period(text: &str) -> Result<Period, DomainError> {
    Period::parse(text).map_err(|e| DomainError::bad("period", e.to_string()))
}

/// A period the ranking can be drawn for: one its rubric is assessed over (a nomination for
/// a calendar year, which party-star and key-target-100 do not take, could never be ranked).
fn ranked_period(state: &State, ranking: RankingKind, text: &str) -> Result<Period, DomainError> {
    let period = period(text)?;
    let key = match ranking {
        RankingKind::PartyStar => crate::ranking::PARTY_STAR_RUBRIC,
        RankingKind::MostImproved => crate::ranking::MOST_IMPROVED_RUBRIC,
    };
    crate::rubric::in_force(state, key, period)?;
    Ok(period)
}

#[derive(Clone, Debug)]
pub struct Nominate {
    pub ranking: RankingKind,
    pub person_id: Uuid,
    pub period: String,
    pub reason: String,
}

/// 最具进步奖 is open to mentees their mentor nominates; 党员之星 to mentors.
pub fn nominate(state: &State, input: Nominate) -> Result<Decision, DomainError> {
    let p = person(state, input.person_id)?;
    let period = ranked_period(state, input.ranking, &input.period)?;
    match input.ranking {
        RankingKind::MostImproved if !state.is_mentee(p.id) => {
            return Err(DomainError::bad(
                "personId",
                "only a mentee can be nominated for 最具进步奖",
            ));
        }
        RankingKind::PartyStar if !state.is_mentor(p.id) => {
            return Err(DomainError::bad(
                "personId",
                "only a mentor can be nominated for 党员之星",
            ));
        }
        _ => {}
    }
    if state.nomination(input.ranking, period, p.id).is_some() {
        return Err(DomainError::Conflict(format!(
            "{} is nominated already for {period}",
            p.name
        )));
    }
    let reason = required_text("reason", &input.reason, MAX_TEXT)?;
    Ok(Decision::one(
        state,
        p.id,
        Event::Nominated {
            ranking: input.ranking,
            person_id: p.id,
            period,
            reason,
        },
    ))
}

#[derive(Clone, Debug)]
pub struct ExamineNomination {
    pub ranking: RankingKind,
    pub person_id: Uuid,
    pub period: String,
    pub passed: bool,
    pub opinion: String,
}

/// Seed 001: 「由帮助人提名，学生党支部进行全面考核，报院党委审批」: between the mentor's
/// nomination and the committee's approval, the branch examines the nominee once and says
/// why. A failed nomination leaves the ranking; to change the finding, retract it and
/// examine again.
pub fn examine_nomination(state: &State, input: ExamineNomination) -> Result<Decision, DomainError> {
    if input.ranking != RankingKind::MostImproved {
        return Err(DomainError::bad(
            "kind",
            "only 最具进步奖 nominations are examined by the branch (党员之星 is drawn from the ranking)",
        ));
    }
    let p = person(state, input.person_id)?;
    let period = period(&input.period)?;
    match state.nomination(input.ranking, period, p.id) {
        None => {
            return Err(DomainError::bad(
                "personId",
                format!("{} was not nominated for {period}", p.name),
            ));
        }
        Some(n) if n.examination.is_some() => {
            return Err(DomainError::Conflict(format!(
                "{} is examined already for {period}: retract that examination to examine again",
                p.name
            )));
        }
        Some(n) if n.approved => {
            return Err(DomainError::Conflict(format!(
                "{} is approved already for {period}",
                p.name
            )));
        }
        Some(_) => {}
    }
    let opinion = required_text("opinion", &input.opinion, MAX_TEXT)?;
    Ok(Decision::one(
        state,
        p.id,
        Event::NominationExamined {
            ranking: input.ranking,
            person_id: p.id,
            period,
            passed: input.passed,
            opinion,
        },
    ))
}

#[derive(Clone, Debug)]
pub struct Approve {
    pub ranking: RankingKind,
    pub person_id: Uuid,
    pub period: String,
}

/// The college committee's decision (报院党委审批). 最具进步奖 needs a nomination the branch
/// has examined and passed first; 党员之星 is drawn from the ranking of all mentors, so the
/// approval stands on its own.
pub fn approve(state: &State, input: Approve) -> Result<Decision, DomainError> {
    let p = person(state, input.person_id)?;
    let period = ranked_period(state, input.ranking, &input.period)?;
    match state.nomination(input.ranking, period, p.id) {
        Some(n) if n.approved => {
            return Err(DomainError::Conflict(format!(
                "{} is approved already for {period}",
                p.name
            )));
        }
        Some(n) if input.ranking == RankingKind::MostImproved && !n.passed() => {
            let why = match &n.examination {
                None => "the branch has not examined the nomination yet (examineNomination)",
                Some(_) => "the branch's examination did not pass the nomination",
            };
            return Err(DomainError::bad("personId", format!("{}: {why}", p.name)));
        }
        Some(_) => {}
        None if input.ranking == RankingKind::MostImproved => {
            return Err(DomainError::bad(
                "personId",
                format!("{} was not nominated for {period}", p.name),
            ));
        }
        None if !state.is_mentor(p.id) => {
            return Err(DomainError::bad("personId", "only a mentor can be a 党员之星"));
        }
        None => {}
    }
    Ok(Decision::one(
        state,
        p.id,
        Event::NominationApproved {
            ranking: input.ranking,
            person_id: p.id,
            period,
        },
    ))
}

/// Publishes the school's vacations (both days included), replacing the earlier list.
pub fn set_vacations(state: &State, vacations: Vec<Vacation>) -> Result<Decision, DomainError> {
    let mut sorted = vacations;
    if sorted.len() > MAX_VACATIONS {
        return Err(DomainError::bad(
            "vacations",
            format!("at most {MAX_VACATIONS} vacations"),
        ));
    }
    if let Some(v) = sorted.iter().find(|v| v.from > v.to) {
        return Err(DomainError::bad("vacations", format!("{} is after {}", v.from, v.to)));
    }
    sorted.sort_by_key(|v| v.from);
    if let Some(w) = sorted.windows(2).find(|w| w[1].from <= w[0].to) {
        return Err(DomainError::bad(
            "vacations",
            format!("{}–{} overlaps {}–{}", w[0].from, w[0].to, w[1].from, w[1].to),
        ));
    }
    Ok(Decision::one(
        state,
        SCHOOL_STREAM,
        Event::VacationsSet { vacations: sorted },
    ))
}

pub fn assign_role(state: &State, person_id: Uuid, role: Role, scope_id: Uuid) -> Result<Decision, DomainError> {
    let p = person(state, person_id)?;
    if state.org_unit(scope_id).is_none() {
        return Err(DomainError::not_found("org unit", scope_id));
    }
    if p.roles.contains(&(role, scope_id)) {
        return Err(DomainError::Conflict(format!(
            "{} holds {role:?} there already",
            p.name
        )));
    }
    Ok(Decision::one(
        state,
        p.id,
        Event::RoleAssigned {
            person_id: p.id,
            role,
            scope_id,
        },
    ))
}

pub fn revoke_role(state: &State, person_id: Uuid, role: Role, scope_id: Uuid) -> Result<Decision, DomainError> {
    let p = person(state, person_id)?;
    if !p.roles.contains(&(role, scope_id)) {
        return Err(DomainError::bad(
            "role",
            format!("{} does not hold {role:?} in that scope", p.name),
        ));
    }
    Ok(Decision::one(
        state,
        p.id,
        Event::RoleRevoked {
            person_id: p.id,
            role,
            scope_id,
        },
    ))
}

#[derive(Clone, Debug)]
pub struct RecordScreening {
    pub person_id: Uuid,
    pub categories: Vec<ScreeningCategory>,
    pub note: Option<String>,
}

/// 排查摸底: the latest screening replaces the earlier one.
pub fn record_screening(state: &State, input: RecordScreening) -> Result<Decision, DomainError> {
    let p = person(state, input.person_id)?;
    let mut categories = input.categories;
    categories.sort();
    categories.dedup();
    let note = optional_text("note", input.note.as_deref(), MAX_TEXT)?;
    Ok(Decision::one(
        state,
        p.id,
        Event::ScreeningRecorded {
            person_id: p.id,
            categories,
            note,
        },
    ))
}

/// The stream of the privacy audit: every read of a screening.
pub const SCREENING_AUDIT_STREAM: Uuid = Uuid::from_u128(2);

/// Logs that `reader` read the person's screening.
pub fn log_screening_read(state: &State, person_id: Uuid, reader: &str) -> Result<Decision, DomainError> {
    let p = person(state, person_id)?;
    let event = Event::ScreeningRead {
        person_id: p.id,
        reader: reader.to_owned(),
    };
    Ok(Decision::one(state, SCREENING_AUDIT_STREAM, event))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::*;

    #[test]
    fn only_nominated_mentees_can_be_approved_as_most_improved() {
        let mut w = World::new();
        let mentor = w.register(&[], Stage::Full);
        let mentee = w.register(&[], Stage::Activist);
        w.form_pairing(&[mentor], mentee, "2025-09-01", fortnightly());
        let approval = |person_id| Approve {
            ranking: RankingKind::MostImproved,
            person_id,
            period: "2025-2026".into(),
        };
        let nomination = |person_id| Nominate {
            ranking: RankingKind::MostImproved,
            person_id,
            period: "2025-2026".into(),
            reason: "进步".into(),
        };
        let examination = |person_id, passed| ExamineNomination {
            ranking: RankingKind::MostImproved,
            person_id,
            period: "2025-2026".into(),
            passed,
            opinion: "全面考核".into(),
        };
        w.when(|s, _| examine_nomination(s, examination(mentee, true)))
            .then_refuses("personId");
        w.when(|s, _| approve(s, approval(mentee))).then_refuses("personId");
        w.when(|s, _| nominate(s, nomination(mentor))).then_refuses("personId");
        w.when(|s, _| nominate(s, nomination(mentee))).then_applied();
        // 「学生党支部进行全面考核，报院党委审批」: not before the branch has examined it.
        w.when(|s, _| approve(s, approval(mentee))).then_refuses("personId");
        w.when(|s, _| examine_nomination(s, examination(mentee, true)))
            .then_applied();
        w.when(|s, _| examine_nomination(s, examination(mentee, false)))
            .then_conflict();
        w.when(|s, _| approve(s, approval(mentee))).then_applied();
        let nominated: Vec<_> = w
            .state()
            .nominations(RankingKind::MostImproved, crate::testkit::period("2025-2026"))
            .collect();
        assert!(!nominated.is_empty() && nominated.iter().all(|n| n.approved));
        w.when(|s, _| approve(s, approval(mentee))).then_conflict();
    }

    #[test]
    fn a_nomination_the_branch_fails_leaves_the_ranking_and_cannot_be_approved() {
        let mut w = World::new();
        let mentor = w.register(&[], Stage::Full);
        let mentee = w.register(&[], Stage::Activist);
        w.form_pairing(&[mentor], mentee, "2025-09-01", fortnightly());
        w.nominate(RankingKind::MostImproved, mentee, "2025-2026");
        let failed = w
            .when(|s, _| {
                examine_nomination(
                    s,
                    ExamineNomination {
                        ranking: RankingKind::MostImproved,
                        person_id: mentee,
                        period: "2025-2026".into(),
                        passed: false,
                        opinion: "进步材料不实".into(),
                    },
                )
            })
            .then_applied();
        let n = w
            .state()
            .nomination(RankingKind::MostImproved, crate::testkit::period("2025-2026"), mentee)
            .cloned();
        assert!(n.as_ref().is_some_and(|n| !n.standing() && !n.passed()), "{n:?}");
        let approval = Approve {
            ranking: RankingKind::MostImproved,
            person_id: mentee,
            period: "2025-2026".into(),
        };
        w.when(|s, _| approve(s, approval.clone())).then_refuses("personId");
        // Retracting the examination puts the nomination back in the running, unexamined.
        w.retract(failed);
        let n = w
            .state()
            .nomination(RankingKind::MostImproved, crate::testkit::period("2025-2026"), mentee)
            .cloned();
        assert!(
            n.as_ref().is_some_and(|n| n.standing() && n.examination.is_none()),
            "{n:?}"
        );
    }

    #[test]
    fn retracting_an_earlier_nominations_examination_leaves_the_approval_standing() {
        // Nominate, fail, withdraw; nominate again, pass, approve; then retract the first
        // examination: the standing nomination stays approved.
        let mut w = World::new();
        let mentor = w.register(&[], Stage::Full);
        let mentee = w.register(&[], Stage::Activist);
        w.form_pairing(&[mentor], mentee, "2025-09-01", fortnightly());
        let first = w.nominate(RankingKind::MostImproved, mentee, "2025-2026");
        let failed = w.examine(RankingKind::MostImproved, mentee, "2025-2026", false);
        w.retract(first);
        w.nominate(RankingKind::MostImproved, mentee, "2025-2026");
        w.examine(RankingKind::MostImproved, mentee, "2025-2026", true);
        let approval = w.approve(RankingKind::MostImproved, mentee, "2025-2026");
        w.retract(failed);
        let standing = |w: &World| {
            w.state()
                .nomination(RankingKind::MostImproved, crate::testkit::period("2025-2026"), mentee)
                .cloned()
        };
        assert!(standing(&w).is_some_and(|n| n.approved && n.passed()));
        // Retracting the approval itself withdraws it.
        w.retract(approval);
        assert!(standing(&w).is_some_and(|n| !n.approved && n.passed()));
        // 党员之星 is not examined by the branch.
        let party_star = ExamineNomination {
            ranking: RankingKind::PartyStar,
            person_id: mentor,
            period: "2025-2026".into(),
            passed: true,
            opinion: "好".into(),
        };
        w.when(|s, _| examine_nomination(s, party_star.clone()))
            .then_refuses("kind");
    }

    #[test]
    fn vacations_do_not_overlap() {
        let mut w = World::new();
        let overlapping = vec![
            vacation("2026-01-10", "2026-02-20"),
            vacation("2026-02-01", "2026-02-28"),
        ];
        w.when(|s, _| set_vacations(s, overlapping)).then_refuses("vacations");
        let backwards = vec![vacation("2026-02-20", "2026-01-10")];
        w.when(|s, _| set_vacations(s, backwards)).then_error();
        let d = w
            .when(|s, _| {
                set_vacations(
                    s,
                    vec![
                        vacation("2026-07-10", "2026-08-31"),
                        vacation("2026-01-10", "2026-02-20"),
                    ],
                )
            })
            .then_decided();
        assert_eq!(d.stream_id, SCHOOL_STREAM);
    }

    #[test]
    fn a_role_is_revoked_only_when_held() {
        let mut w = World::new();
        let college = w.unit(OrgUnitKind::College, None);
        let p = w.register(&[college], Stage::Full);
        w.when(|s, _| revoke_role(s, p, Role::Counsellor, college))
            .then_refuses("role");
        w.when(|s, _| assign_role(s, p, Role::Counsellor, college))
            .then_applied();
        w.when(|s, _| assign_role(s, p, Role::Counsellor, college))
            .then_conflict();
        w.when(|s, _| revoke_role(s, p, Role::Counsellor, college))
            .then_decided();
    }
}
