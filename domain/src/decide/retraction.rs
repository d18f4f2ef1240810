use super::*;
use crate::state::Standing;

/// A recorded fact is corrected by retracting it: the event stays in the log and counts
/// for nothing. Structure (units, people, pairings, stages, roles) is changed by its own
/// commands instead, and a retraction is final.
pub fn retract_event(state: &State, event_id: Uuid, reason: &str) -> Result<Decision, DomainError> {
    let stream_id = match state.standing(event_id) {
        Standing::Fact { stream_id } => stream_id,
        Standing::Retracted => return Err(DomainError::Conflict(format!("event {event_id} is retracted already"))),
        Standing::Retraction => return Err(DomainError::bad("eventId", "a retraction cannot itself be retracted")),
        Standing::Structure => {
            return Err(DomainError::bad(
                "eventId",
                "only recorded facts can be retracted; change structure with its own mutation (endPairing, changeStage, revokeRole ...)",
            ));
        }
        Standing::Unknown => return Err(DomainError::not_found("event", event_id)),
    };
    let reason = required_text("reason", reason, MAX_TEXT)?;
    Ok(Decision::one(
        state,
        stream_id,
        Event::EventRetracted { event_id, reason },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::*;
    use crate::vocab::*;

    #[test]
    fn a_retracted_fact_counts_for_nothing_and_stays_retracted() {
        let mut w = World::new();
        let p = w.register(&[], Stage::Activist);
        let wrong = w.conduct(p, ConductKind::DormInspectionFailed, "2025-12-01");
        assert_eq!(w.person(p).conduct.len(), 1);
        let d = w.when(|s, _| retract_event(s, wrong, "登记错误")).then_decided();
        assert_eq!(d.stream_id, p);
        let retraction = w.apply(d);
        assert!(w.person(p).conduct.is_empty());
        w.when(|s, _| retract_event(s, wrong, "again")).then_conflict();
        w.when(|s, _| retract_event(s, retraction, "undo"))
            .then_refuses("eventId");
    }

    #[test]
    fn retracting_the_latest_screening_or_opinion_restores_the_one_before() {
        let mut w = World::new();
        let mentor = w.register(&[], Stage::Full);
        let mentee = w.register(&[], Stage::Activist);
        let screening = |categories: Vec<ScreeningCategory>| Event::ScreeningRecorded {
            person_id: mentee,
            categories,
            note: None,
        };
        w.record(screening(vec![ScreeningCategory::EconomicHardship]));
        let mistaken = w.record(screening(vec![ScreeningCategory::SeriousIllness]));
        let standing = |w: &World| w.person(mentee).screening().map(|s| s.categories.clone());
        assert_eq!(standing(&w), Some(vec![ScreeningCategory::SeriousIllness]));
        w.when(|s, _| retract_event(s, mistaken, "录错了人")).then_applied();
        assert_eq!(standing(&w), Some(vec![ScreeningCategory::EconomicHardship]));

        let pairing = w.form_pairing(&[mentor], mentee, "2025-09-01", fortnightly());
        let october = month("2025-10");
        let opinion = |text: &str| Event::BranchOpinionGiven {
            pairing_id: pairing,
            month: october,
            opinion: text.into(),
        };
        w.record(opinion("良好"));
        let second = w.record(opinion("优秀"));
        let standing = |w: &World| w.pairing(pairing).branch_opinion(october).map(|o| o.opinion.clone());
        assert_eq!(standing(&w).as_deref(), Some("优秀"));
        w.when(|s, _| retract_event(s, second, "签错月份")).then_applied();
        assert_eq!(standing(&w).as_deref(), Some("良好"));
        let first = w.pairing(pairing).branch_opinion(october).unwrap().id;
        w.when(|s, _| retract_event(s, first, "撤回")).then_applied();
        assert_eq!(standing(&w), None);
        assert!(!w.pairing(pairing).branch_opinions.contains_key(&october));
    }

    #[test]
    fn structure_and_unknown_events_are_not_retracted() {
        let mut w = given([Event::OrgUnitCreated {
            org_unit_id: Uuid::from_u128(4),
            kind: OrgUnitKind::School,
            name: "学校".into(),
            parent_id: None,
        }]);
        let registered = w.record(Event::PersonRegistered {
            person_id: Uuid::from_u128(5),
            number: "1".into(),
            name: "甲".into(),
            org_unit_ids: vec![Uuid::from_u128(4)],
            stage: Stage::NonParty,
            stage_since: None,
            key_cultivation_target: false,
            contact: None,
            email: None,
        });
        w.when(|s, _| retract_event(s, registered, "x")).then_refuses("eventId");
        w.when(|s, _| retract_event(s, Uuid::from_u128(999_999), "x"))
            .then_not_found();
    }

    #[test]
    fn a_reason_is_required() {
        let mut w = World::new();
        let p = w.register(&[], Stage::Activist);
        let fact = w.thought_report(p, "2025-10-01");
        w.when(|s, _| retract_event(s, fact, "  ")).then_refuses("reason");
    }
}
