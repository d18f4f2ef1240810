use super::*;
use crate::state::FactOwner;

/// A recorded fact is corrected by retracting it: the event stays in the log and counts
/// for nothing. Structure (units, people, pairings, stages, roles) is changed by its own
/// commands instead, and a retraction is final.
pub fn retract_event(state: &State, event_id: Uuid, reason: &str) -> Result<Decision, DomainError> {
    if state.retracted.contains(&event_id) {
        return Err(DomainError::Conflict(format!("event {event_id} is retracted already")));
    }
    if state.retractions.contains(&event_id) {
        return Err(DomainError::bad("eventId", "a retraction cannot itself be retracted"));
    }
    if state.structural.contains(&event_id) {
        return Err(DomainError::bad(
            "eventId",
            "only recorded facts can be retracted; change structure with its own mutation (endPairing, changeStage, revokeRole ...)",
        ));
    }
    let owner = state
        .facts
        .get(&event_id)
        .ok_or_else(|| DomainError::not_found("event", event_id))?;
    let reason = required_text("reason", reason, MAX_TEXT)?;
    let stream_id = match *owner {
        FactOwner::Person(id) | FactOwner::Pairing(id) | FactOwner::Unit(id) | FactOwner::Nomination(_, _, id) => id,
    };
    Ok(Decision::one(
        state,
        stream_id,
        Event::EventRetracted { event_id, reason },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decide::given::{Given, day};
    use crate::vocab::*;

    #[test]
    fn a_retracted_fact_counts_for_nothing_and_stays_retracted() {
        let mut given = Given::new();
        let p = given.person(Stage::Activist, None, &[]);
        let wrong = given.event(
            p,
            Event::ConductRecorded {
                person_id: p,
                kind: ConductKind::DormInspectionFailed,
                occurred_on: day(2025, 12, 1),
                note: None,
            },
        );
        assert_eq!(given.state.people[&p].conduct.len(), 1);
        let d = retract_event(&given.state, wrong, "登记错误").unwrap();
        assert_eq!(d.stream_id, p);
        let retraction = given.then(d);
        assert!(given.state.people[&p].conduct.is_empty());
        assert!(matches!(
            retract_event(&given.state, wrong, "again"),
            Err(DomainError::Conflict(_))
        ));
        assert!(matches!(
            retract_event(&given.state, retraction, "undo"),
            Err(DomainError::BadInput { field: "eventId", .. })
        ));
    }

    #[test]
    fn retracting_the_latest_screening_or_opinion_restores_the_one_before() {
        let mut given = Given::new();
        let mentor = given.person(Stage::Full, None, &[]);
        let mentee = given.person(Stage::Activist, None, &[]);
        let screening = |categories: Vec<ScreeningCategory>| Event::ScreeningRecorded {
            person_id: mentee,
            categories,
            note: None,
        };
        given.event(mentee, screening(vec![ScreeningCategory::EconomicHardship]));
        let mistaken = given.event(mentee, screening(vec![ScreeningCategory::SeriousIllness]));
        let standing = |given: &Given| given.state.people[&mentee].screening().map(|s| s.categories.clone());
        assert_eq!(standing(&given), Some(vec![ScreeningCategory::SeriousIllness]));
        given.then(retract_event(&given.state, mistaken, "录错了人").unwrap());
        assert_eq!(standing(&given), Some(vec![ScreeningCategory::EconomicHardship]));

        let pairing = given.pairing(mentor, mentee, day(2025, 9, 1), crate::decide::given::fortnightly());
        let october = crate::Month::parse("2025-10").unwrap();
        let opinion = |text: &str| Event::BranchOpinionGiven {
            pairing_id: pairing,
            month: october,
            opinion: text.into(),
        };
        given.event(pairing, opinion("良好"));
        let second = given.event(pairing, opinion("优秀"));
        let standing = |given: &Given| {
            given.state.pairings[&pairing]
                .branch_opinion(october)
                .map(|o| o.opinion.clone())
        };
        assert_eq!(standing(&given).as_deref(), Some("优秀"));
        given.then(retract_event(&given.state, second, "签错月份").unwrap());
        assert_eq!(standing(&given).as_deref(), Some("良好"));
        let first = given.state.pairings[&pairing].branch_opinion(october).unwrap().id;
        given.then(retract_event(&given.state, first, "撤回").unwrap());
        assert_eq!(standing(&given), None);
        assert!(!given.state.pairings[&pairing].branch_opinions.contains_key(&october));
    }

    #[test]
    fn structure_and_unknown_events_are_not_retracted() {
        let mut given = Given::new();
        let school = given.school();
        let registered = given.event(
            Uuid::from_u128(5),
            Event::PersonRegistered {
                person_id: Uuid::from_u128(5),
                number: "1".into(),
                name: "甲".into(),
                org_unit_ids: vec![school],
                stage: Stage::NonParty,
                stage_since: None,
                key_cultivation_target: false,
            },
        );
        assert!(matches!(
            retract_event(&given.state, registered, "x"),
            Err(DomainError::BadInput { field: "eventId", .. })
        ));
        assert!(matches!(
            retract_event(&given.state, Uuid::from_u128(999_999), "x"),
            Err(DomainError::NotFound { .. })
        ));
    }

    #[test]
    fn a_reason_is_required() {
        let mut given = Given::new();
        let p = given.person(Stage::Activist, None, &[]);
        let fact = given.event(
            p,
            Event::ThoughtReportSubmitted {
                person_id: p,
                submitted_on: day(2025, 10, 1),
                title: "t".into(),
                word_count: None,
            },
        );
        assert!(matches!(
            retract_event(&given.state, fact, "  "),
            Err(DomainError::BadInput { field: "reason", .. })
        ));
    }
}
